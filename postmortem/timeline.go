package postmortem

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
)

// Facts are what the store holds of an incident, as a draft is built from
// them.
type Facts struct {
	State noctuary.IncidentState
	// Triage is the incident's latest triage; zero when it has none.
	Triage    noctuary.Triage
	Approvals []noctuary.Approval
	// Audit holds the incident's audit entries, in any order.
	Audit []noctuary.AuditEntry
	// Votes are the engineers' verdicts on Triage's hypothesis.
	Votes []noctuary.Vote
	// LLM says whether the service lets its data go to the model.
	LLM bool
}

// Audit actions read into the timeline (written by agent and approvals).
const (
	auditTriageNote = "triage.note"
	auditAck        = "incident.acknowledge"
	auditAutoAck    = "incident.auto_acknowledge"
	auditResult     = "action.result"
	auditFeedback   = "triage.feedback"
	auditMiss       = "triage.miss"
)

// maxSignals bounds the signals a draft lists.
const maxSignals = 10

// triggeredAt is when the incident started: its creation, else its
// triage's onset.
func (f Facts) triggeredAt() time.Time {
	return cmp.Or(f.State.Incident.CreatedAt, f.Triage.Onset)
}

// Timeline is the incident's timeline in time order, to the second:
// PagerDuty's times have no finer precision, so within one second the
// incident's course decides (triggered first, resolved last), then the
// finer time.
func (f Facts) Timeline() []noctuary.TimelineEntry {
	in := f.State.Incident
	var out []noctuary.TimelineEntry
	if at := f.triggeredAt(); !at.IsZero() {
		what := "Incident triggered"
		if in.Number > 0 {
			what = fmt.Sprintf("Incident #%d triggered", in.Number)
		}
		if in.Urgency != "" {
			what += " (" + in.Urgency + " urgency)"
		}
		out = append(out, noctuary.TimelineEntry{At: at, Kind: noctuary.TimelineTriggered, What: what})
	}
	out = append(out, f.course()...)
	for _, e := range f.Audit {
		if entry, ok := auditEntry(e); ok {
			out = append(out, entry)
		}
	}
	for _, a := range f.Approvals {
		out = append(out, approvalEntries(a, f.Audit)...)
	}
	slices.SortStableFunc(out, func(a, b noctuary.TimelineEntry) int {
		if c := a.At.Truncate(time.Second).Compare(b.At.Truncate(time.Second)); c != 0 {
			return c
		}
		if c := cmp.Compare(kindOrder(a.Kind), kindOrder(b.Kind)); c != 0 {
			return c
		}
		return a.At.Compare(b.At)
	})
	return out
}

// course is what PagerDuty reported of the incident's course after its
// trigger: every acknowledgement, resolution and reopen; for a state kept
// before it recorded them, the current acknowledgement and resolution.
func (f Facts) course() []noctuary.TimelineEntry {
	st := f.State
	if len(st.Course) == 0 {
		var out []noctuary.TimelineEntry
		if !st.AcknowledgedAt.IsZero() {
			out = append(out, noctuary.TimelineEntry{At: st.AcknowledgedAt, Kind: noctuary.TimelineAcknowledged,
				What: "Acknowledged in PagerDuty", By: st.AcknowledgedBy})
		}
		if !st.ResolvedAt.IsZero() {
			out = append(out, noctuary.TimelineEntry{At: st.ResolvedAt, Kind: noctuary.TimelineResolved, What: "Incident resolved"})
		}
		return out
	}
	out := make([]noctuary.TimelineEntry, 0, len(st.Course))
	for _, c := range st.Course {
		e := noctuary.TimelineEntry{At: c.At, By: c.By}
		switch c.Type {
		case noctuary.EventIncidentAcknowledged:
			e.Kind, e.What = noctuary.TimelineAcknowledged, "Acknowledged in PagerDuty"
		case noctuary.EventIncidentUnacknowledged:
			e.Kind, e.What = noctuary.TimelineAcknowledged, "Unacknowledged in PagerDuty (the acknowledgement timed out or was undone)"
		case noctuary.EventIncidentReopened:
			e.Kind, e.What = noctuary.TimelineReopened, "Incident reopened"
		case noctuary.EventIncidentResolved:
			e.Kind, e.What, e.By = noctuary.TimelineResolved, "Incident resolved", ""
		default:
			continue
		}
		out = append(out, e)
	}
	return out
}

// kindOrder orders entries of the same instant by the incident's course.
func kindOrder(kind string) int {
	switch kind {
	case noctuary.TimelineTriggered:
		return 0
	case noctuary.TimelineResolved:
		return 2
	}
	return 1
}

// auditEntry turns an audit entry into a timeline entry, when it is one.
func auditEntry(e noctuary.AuditEntry) (noctuary.TimelineEntry, bool) {
	t := noctuary.TimelineEntry{At: e.Time, By: actorName(e.Actor)}
	switch e.Action {
	case auditTriageNote:
		t.Kind, t.What = noctuary.TimelineNote, triageNoteText(e)
	case auditAck:
		t.Kind, t.What = noctuary.TimelineAcknowledged, "Acknowledged from Slack"
		if e.Result != "ok" {
			t.What = "Acknowledgement from Slack failed"
		}
	case auditAutoAck:
		t.Kind = noctuary.TimelineAcknowledged
		t.What = fmt.Sprintf("Acknowledged automatically (confidence %s, threshold %s): %s",
			percent(e.Details["confidence"]), percent(e.Details["threshold"]), e.Result)
	case auditFeedback, auditMiss:
		t.Kind, t.What = noctuary.TimelineFeedback, "Marked the hypothesis "+e.Result
		if cause := cmp.Or(e.Details["cause_text"], e.Details["cause_signal"]); cause != "" {
			t.What += "; the cause instead: " + cause
		}
	default:
		return t, false
	}
	return t, true
}

func triageNoteText(e noctuary.AuditEntry) string {
	what := fmt.Sprintf("Noctuary's triage note (engine %s, confidence %s)", e.Details["engine"], percent(e.Details["confidence"]))
	switch e.Result {
	case "posted":
		return what + " posted to PagerDuty"
	case "paused":
		return what + " kept out of PagerDuty: the service was paused"
	default:
		return what + " kept out of PagerDuty (" + e.Result + ")"
	}
}

// approvalEntries are an approval's decision and result.
func approvalEntries(a noctuary.Approval, audit []noctuary.AuditEntry) []noctuary.TimelineEntry {
	action := a.Describe()
	switch a.State {
	case noctuary.ApprovalPending, noctuary.ApprovalExpired:
		return []noctuary.TimelineEntry{{At: a.CreatedAt, Kind: noctuary.TimelineAction,
			What: fmt.Sprintf("Offered %s; nobody %s it (%s)", action, pastVerb(a), a.State)}}
	case noctuary.ApprovalRejected:
		return []noctuary.TimelineEntry{{At: a.DecidedAt, Kind: noctuary.TimelineAction, By: a.DecidedBy,
			What: "Rejected " + action}}
	}
	decided := noctuary.TimelineEntry{At: a.DecidedAt, Kind: noctuary.TimelineAction, By: a.DecidedBy,
		What: strings.ToUpper(pastVerb(a)[:1]) + pastVerb(a)[1:] + " " + action}
	if a.State == noctuary.ApprovalRunning {
		decided.What += "; still running when the draft was written"
		return []noctuary.TimelineEntry{decided}
	}
	at := a.DecidedAt
	for _, e := range audit {
		if e.Action == auditResult && e.Details["approval"] == a.ID {
			at = e.Time
		}
	}
	result := noctuary.TimelineEntry{At: at, Kind: noctuary.TimelineAction,
		What: fmt.Sprintf("%s %s: %s", a.Action, a.State, cmp.Or(a.Result, "no result recorded"))}
	return []noctuary.TimelineEntry{decided, result}
}

func pastVerb(a noctuary.Approval) string {
	if a.Destructive {
		return "approved"
	}
	return "applied"
}

// actorName is an audit actor as a person reads it.
func actorName(actor string) string {
	kind, name, ok := strings.Cut(actor, ":")
	switch {
	case !ok && actor == "noctuary":
		return "Noctuary"
	case kind == "slack":
		return "Slack user " + name
	case kind == "api":
		return name + " (admin API)"
	}
	return actor
}

// percent renders a fraction ("0.94") as "94%"; as it is when it is none.
func percent(s string) string {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return cmp.Or(s, "unknown")
	}
	return strconv.Itoa(int(f*100+0.5)) + "%"
}
