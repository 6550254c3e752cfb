package agent

import (
	"slices"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
)

// Structural readings of an event (docs/architecture.md, "Ranking rules"):
// what its kind's shape, its alert name and its service's history say,
// rather than which phrases it holds.

// envelopeWords end the kinds that only say an event arrived ("rds_event",
// "cluster_event", "cloud_status", "sns_notification"): such a kind names
// no act and no state, so the event is what its summary reports.
var envelopeWords = []string{"event", "events", "notification", "notice", "message", "status"}

// kindWords splits a kind into its words: "rds_event" is rds, event;
// "SlotSwap" is slot, swap.
func kindWords(kind string) []string {
	return strings.Fields(string(textOf(camelWords(kind))))
}

// envelope reports whether kind only says that an event arrived.
func envelope(kind string) bool {
	w := kindWords(kind)
	return len(w) > 0 && slices.Contains(envelopeWords, w[len(w)-1])
}

// byEnvelope classifies an event whose kind is an envelope by its summary:
// a failure when it reports an infrastructure failure or a bad end, or
// holds a word that starts with a failure keyword ("degraded", "errors",
// "failover"); a change when a word starts with a change keyword; else
// no answer.
func byEnvelope(e noctuary.ContextEvent) (noctuary.Class, bool) {
	if !envelope(e.Kind) {
		return "", false
	}
	t := textOf(e.Summary)
	if t.first(infraIndex) != "" || t.first(terminationIndex) != "" {
		return noctuary.ClassFailure, true
	}
	words := strings.Fields(string(t))
	starts := func(list []string) bool {
		return slices.ContainsFunc(words, func(w string) bool {
			return slices.ContainsFunc(list, func(p string) bool { return strings.HasPrefix(w, p) })
		})
	}
	switch {
	case starts(failureKeywords):
		return noctuary.ClassFailure, true
	case starts(changeKeywords):
		return noctuary.ClassChange, true
	}
	return "", false
}

// lastVerb reports whether the kind's last word is a mutating verb
// ("slot_swap", "policy_attach"): the kind names an act done to a thing.
// A reset is not one: clients reset offsets and connections on their own
// (an actor makes it an act, see ClassifyEvent).
func lastVerb(kind string) bool {
	w := kindWords(kind)
	return len(w) > 1 && w[len(w)-1] != "reset" && slices.Contains(changePrefixes, w[len(w)-1])
}

// alertKind is the kind that tells what failure i is: an alert's name
// (the alertname attribute Alertmanager sends, "VaultSealed") when its kind
// is only "alert", else its kind.
func alertKind(e noctuary.ContextEvent, k string) string {
	if symptomKind(k) {
		if n := attr(e, "alertname", "alert_name", "alarm_name", "AlarmName", "check"); n != "" {
			return NormalizeKind(n)
		}
	}
	return k
}

// clearedWords end an alert: one resolved, recovered or cleared reports
// no failure.
var clearedWords = []string{"resolv", "recover", "clear", "closed"}

func cleared(k string) bool {
	return slices.ContainsFunc(clearedWords, func(w string) bool { return strings.Contains(k, w) })
}

// changedBefore reports whether a change that counts, of the same service
// as infrastructure failure i, came before it in the window: the thing
// that failed had just been changed (a Sentinel's timeout lowered, then
// its failovers), so the change explains the failure, which is its effect.
// Information promoted by the failures' domain is no such change.
func (sc *scoring) changedBefore(i int) bool {
	e := sc.all[i].Event
	f, ok := sc.firstChangeOf[e.Service]
	return ok && f.Before(e.OccurredAt)
}

// titleNames marks the dependencies that the incident's title names ("429
// from reporting-api", "profile-pg replica lag"): the paging alert says
// where it failed, as a dependency's failure naming another would (see
// scoring.named).
func titleNames(sc *scoring, title string) {
	t := textOf(title)
	for _, d := range sc.svc.Dependencies {
		if d != sc.svc.Key && names(t, d) {
			sc.named[d] = true
		}
	}
}

// inertReports are the subjects of monitoring tools' information: a
// dashboard saved, an alert rule or a silence edited.
var inertReports = []string{"dashboard", "alert rule", "alerting rule", "silence", "runbook", "annotation"}

// inertReport reports whether information e says what a monitoring tool
// saved: its summary starts with such a subject ("Dashboard 'rate limits'
// updated"). Such information changed nothing that runs, whatever domain
// its words share with the failures.
func inertReport(e noctuary.ContextEvent) bool {
	t := string(textOf(e.Summary))
	return slices.ContainsFunc(inertReports, func(r string) bool { return strings.HasPrefix(t, " "+r) })
}

// undoneAfter returns when a change of the same service after onset undid
// change i (a flag turned off, a deploy back to what i replaced), or the
// zero time: responders undoing a change to stop an incident is evidence
// that it caused it. An undo before onset makes i innocuous instead (see
// undone).
func (sc *scoring) undoneAfter(i int) time.Time {
	if sc.all[i].Class != noctuary.ClassChange || sc.promoted[i] {
		return time.Time{}
	}
	for _, j := range sc.lateChanges[sc.all[i].Event.Service] {
		if reverts(i, j, sc) {
			return sc.all[j].Event.OccurredAt
		}
	}
	return time.Time{}
}

// demoteFollowers ranks below what the failures' domain promoted (see
// newScoring) when a change that counts, of the same domain, came before
// it: a consumer group rebalancing after its poll
// settings changed follows that change, it does not cause the lag.
func (sc *scoring) demoteFollowers() {
	var changes []int
	for j, s := range sc.all {
		if sc.realChange[j] && !sc.promoted[j] && s.Class == noctuary.ClassChange {
			changes = append(changes, j)
		}
	}
	domainOf := map[int]string{}
	for i := range sc.all {
		if !sc.promoted[i] {
			continue
		}
		d, _ := domainMatch(i, sc)
		for _, j := range changes {
			if !sc.all[j].Event.OccurredAt.Before(sc.all[i].Event.OccurredAt) {
				continue
			}
			dj, ok := domainOf[j]
			if !ok {
				dj, _ = domainMatch(j, sc)
				domainOf[j] = dj
			}
			if dj == d {
				sc.promoted[i], sc.realChange[i] = false, false
				sc.why[i] = "it follows the " + d + " change at " + clock(sc.all[j].Event.OccurredAt) + " UTC"
				break
			}
		}
	}
}
