package blocks

import (
	"cmp"
	"fmt"
	"strconv"
	"time"

	"github.com/noctuary/noctuary"
)

// ThreadLine is one line the incident's Slack thread says about its course.
// Key identifies it, so that a job that is retried says it once: the
// acknowledgement and the resolution of the first episode keep the keys
// they always had ("status:acknowledged", "status:resolved"); those after
// a reopen carry the reopen's time.
type ThreadLine struct {
	Key, Text string
}

// ThreadLines are the lines the thread says as the incident goes: in each
// episode (the first, then each reopen) its first acknowledgement, then its
// resolution ("Merged into <incident>." for a merge), each reopen between
// them. A state kept without its course says what its current episode's
// fields show.
func ThreadLines(st noctuary.IncidentState) []ThreadLine {
	var out []ThreadLine
	ep := episode{since: st.Incident.CreatedAt}
	current := currentEpisode(st.Course)
	for i, tr := range st.Course {
		switch tr.Type {
		case noctuary.EventIncidentAcknowledged:
			out = ep.acknowledged(out, tr.By, tr.At)
		case noctuary.EventIncidentResolved:
			merged := st.Incident.MergedInto
			if i < current { // a reopen followed: that was no merge
				merged = noctuary.Reference{}
			}
			out = ep.resolved(out, merged)
		case noctuary.EventIncidentReopened:
			ep = episode{suffix: "@" + strconv.FormatInt(tr.At.UnixNano(), 10), since: tr.At, reopened: true}
			text := "Reopened."
			if tr.By != "" {
				text = "Reopened by " + oneLine(tr.By) + "."
			}
			out = append(out, ThreadLine{Key: "status:reopened" + ep.suffix, Text: text})
		}
	}
	if !st.AcknowledgedAt.IsZero() || st.Incident.Status == "acknowledged" {
		out = ep.acknowledged(out, st.AcknowledgedBy, st.AcknowledgedAt)
	}
	if !st.ResolvedAt.IsZero() || st.Incident.Status == "resolved" {
		out = ep.resolved(out, st.Incident.MergedInto)
	}
	return out
}

// currentEpisode is the index in course where the current episode starts:
// its last reopen, 0 when there is none.
func currentEpisode(course []noctuary.Transition) int {
	for i := len(course) - 1; i >= 0; i-- {
		if course[i].Type == noctuary.EventIncidentReopened {
			return i
		}
	}
	return 0
}

// episode is the course of an incident from its trigger or a reopen to the
// next reopen.
type episode struct {
	suffix      string    // of its lines' keys: "" for the first
	since       time.Time // its trigger or reopen
	reopened    bool
	acked, done bool // said
}

// acknowledged appends the episode's acknowledgement unless it has one.
func (e *episode) acknowledged(out []ThreadLine, by string, at time.Time) []ThreadLine {
	if e.acked {
		return out
	}
	e.acked = true
	text := "Acknowledged"
	if by != "" {
		text += " by " + oneLine(by)
	}
	if !at.IsZero() && !e.since.IsZero() && at.After(e.since) {
		from := "trigger"
		if e.reopened {
			from = "reopen"
		}
		text += fmt.Sprintf(", %s after %s", at.Sub(e.since).Round(time.Second), from)
	}
	return append(out, ThreadLine{Key: "status:acknowledged" + e.suffix, Text: text + "."})
}

// resolved appends the episode's resolution unless it has one: where the
// incident went when it was merged into another.
func (e *episode) resolved(out []ThreadLine, merged noctuary.Reference) []ThreadLine {
	if e.done {
		return out
	}
	e.done = true
	text := "Resolved."
	if merged.ID != "" {
		text = "Merged into " + link(merged.HTMLURL, noctuary.Defuse(cmp.Or(merged.Summary, "incident "+merged.ID))) + "."
	}
	return append(out, ThreadLine{Key: "status:resolved" + e.suffix, Text: text})
}
