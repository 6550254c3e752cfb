package agent

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
)

// Default correlation bounds around the onset.
const (
	DefaultWindow = 30 * time.Minute
	DefaultAfter  = 5 * time.Minute
)

// Scoring weights. A signal's score is the sum of its contributions, each
// recorded as a reason. A candidate cause (a change before onset that counts,
// or a failure before onset that nothing explains: see faults.go) scores at
// least candidateFloor; nothing else reaches it.
const (
	weightChange       = 0.48 // candidate: change at or before onset, or a failure that is a cause
	candidateFloor     = weightChange
	weightInnocuous    = -0.43 // an innocuous change: ranks below every candidate
	weightLateChange   = 0.05  // change after onset: cannot be the cause
	weightFailure      = 0.20  // failure signal: corroborates a cause
	weightInfo         = 0.05  // information
	weightProximity    = 0.25  // at onset; decays linearly to 0 at the window's edge
	weightInfra        = 0.10  // an infrastructure failure breaks on its own
	weightDomain       = 0.30  // the failures' words point at the candidate's domain
	boostPerFailure    = 0.12  // per failure signal after a candidate
	maxFailureBoost    = 0.36
	weightLateFailures = 0.10 // at most: the failures began before the candidate, none after
	weightNamed        = 0.15 // another service's failures name the candidate's (a dependency)
	weightUndoneAfter  = 0.15 // a change of the same service after onset undid the candidate
	weightEcho         = 0.15 // the failures name the setting or flag the candidate changed
	boostPerSymptom    = 0.05 // per symptom token a change shares
	maxSymptomBoost    = 0.15
)

// CorrelateOptions bounds the correlation window; zero values take defaults.
type CorrelateOptions struct {
	// Window is how far before onset events count (default 30m).
	Window time.Duration
	// After is how far after onset events count (default 5m).
	After time.Duration
	// Service is the paging service: its key, PagerDuty service IDs and
	// dependencies tell its own events from its dependencies' and from
	// those of services with no declared dependency path to it. Zero counts
	// every event as the service's own.
	Service noctuary.Service
	// Memo, when not nil, remembers what the ranking rules read of each
	// event alone, across correlations (see EventMemo).
	Memo *EventMemo
}

// Correlation is the ranked set of events around an incident's onset.
type Correlation struct {
	Onset time.Time
	From  time.Time
	To    time.Time
	// Signals are ranked by score, highest first; ties are broken by time,
	// then by the event's fields, so the order never depends on input order.
	Signals []noctuary.Signal
}

// Window returns how far before onset events counted.
func (c Correlation) Window() time.Duration { return c.Onset.Sub(c.From) }

// Correlate scores every event with OccurredAt in [onset-Window,
// onset+After] and ranks them. It is deterministic: no clock, no map order.
func Correlate(inc noctuary.Incident, onset time.Time, events []noctuary.ContextEvent, opt CorrelateOptions) Correlation {
	if opt.Window <= 0 {
		opt.Window = DefaultWindow
	}
	if opt.After <= 0 {
		opt.After = DefaultAfter
	}
	c := Correlation{Onset: onset, From: onset.Add(-opt.Window), To: onset.Add(opt.After)}
	inWindow := func(e *noctuary.ContextEvent) bool { return !e.OccurredAt.Before(c.From) && !e.OccurredAt.After(c.To) }
	n := 0
	for k := range events {
		if inWindow(&events[k]) {
			n++
		}
	}
	in := make([]noctuary.Signal, 0, n)
	for k := range events {
		if e := &events[k]; inWindow(e) {
			in = append(in, noctuary.Signal{Event: *e})
		}
	}
	sc := newScoring(inc, c, opt, in)
	for i := range in {
		sc.score(i)
	}
	// Sort positions, not signals: a signal is large. Equal signals keep
	// their order, as a stable sort keeps it.
	order := make([]int32, len(in))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return cmp.Or(ranksBefore(&in[a], &in[b]), cmp.Compare(a, b)) })
	// Move each signal to its rank in place, a cycle of the permutation
	// at a time (done positions are marked -1).
	for i := range order {
		if order[i] < 0 {
			continue
		}
		first, j := in[i], int32(i)
		for {
			from := order[j]
			order[j] = -1
			if from == int32(i) {
				in[j] = first
				break
			}
			in[j], j = in[from], from
		}
	}
	c.Signals = in
	return c
}

// scoring is what the ranking rules of one correlation read. What several
// rules read of a signal is computed once, so that a correlation's cost
// grows with its events as n log n, not n² (docs/performance.md).
type scoring struct {
	title string
	// titleKind is the title normalised as a kind; titleText its text
	// without the service's name (see withoutNames).
	titleKind string
	titleText text
	svc       noctuary.Service
	onset     time.Time
	opt       CorrelateOptions
	all       []noctuary.Signal
	symptoms  map[string]bool
	evidence  [][]int // per domain: failure signals (-1: the title) showing its symptoms
	// why[i] says why change i is innocuous; realChange[i] marks the
	// changes before onset that are not.
	why        []string
	realChange []bool
	// info[i] is what the rules read of signal i's event alone; undo
	// finds the pairs of changes that undone compares.
	info []*eventInfo
	undo undoIndex
	// key matches the paging service's name (see domainWords).
	key nameMatcher
	// domainTexts[i] is signal i's domainWords, "" until a rule reads it.
	domainTexts []string
	// failureTimes are when the failure signals occurred, in order.
	failureTimes []time.Time
	// explainedFrom is the earliest signal that explains a failure after
	// it (see roleOf); explained is false when none does.
	explainedFrom time.Time
	explained     bool
	// infra[i] marks the infrastructure failures at or before onset;
	// firstInfra is when the earliest occurred, and firstInfraOf the
	// earliest of each service (see roleOf).
	infra        []bool
	firstInfra   time.Time
	firstInfraOf map[string]time.Time
	// firstChangeOf is when each service's earliest change that counts
	// occurred (see changedBefore).
	firstChangeOf map[string]time.Time
	// lateChanges are each service's changes after onset (see undoneAfter).
	lateChanges map[string][]int
	// failText is the words of the title and of every failure, and
	// failGlued the same without spaces, "" until echoes reads them.
	failText  text
	failGlued string
	// reasons holds the reasons of every signal scored, in order.
	reasons []string
	// promoted marks the information that the failures' domain made a
	// change (see newScoring).
	promoted []bool
	// named holds the dependencies that a failure of another service
	// names in its words ("Vault is sealed" names vault).
	named map[string]bool
}

// newScoring sets the class of each of all (ClassifyEvent, or a change for
// information that the failures' domain promotes).
func newScoring(inc noctuary.Incident, c Correlation, opt CorrelateOptions, all []noctuary.Signal) *scoring {
	n := len(all)
	sc := &scoring{title: inc.Title, titleKind: NormalizeKind(inc.Title), titleText: withoutNames(textOf(inc.Title), opt.Service.Key),
		svc: opt.Service, onset: c.Onset, opt: opt, all: all, info: eventInfos(opt.Memo, all), key: newNameMatcher(opt.Service.Key),
		why: make([]string, n), realChange: make([]bool, n), domainTexts: make([]string, n),
		infra: make([]bool, n), promoted: make([]bool, n), firstInfraOf: map[string]time.Time{}, firstChangeOf: map[string]time.Time{}, lateChanges: map[string][]int{}, named: map[string]bool{}}
	// The dependencies' names, a copy the eventInfos may keep (see
	// namesHeld).
	depNames := slices.Clone(opt.Service.Dependencies)
	deps := make([]nameForms, len(depNames))
	for k, d := range depNames {
		deps[k] = nameFormsOf(d)
	}
	for i := range all {
		all[i].Class = sc.info[i].class
	}
	for i, s := range all {
		if s.Class == noctuary.ClassFailure {
			sc.failureTimes = append(sc.failureTimes, s.Event.OccurredAt)
			at := s.Event.OccurredAt
			if sc.infra[i] = !at.After(c.Onset) && sc.info[i].infra; sc.infra[i] {
				if sc.firstInfra.IsZero() || at.Before(sc.firstInfra) {
					sc.firstInfra = at
				}
				if f, ok := sc.firstInfraOf[s.Event.Service]; !ok || at.Before(f) {
					sc.firstInfraOf[s.Event.Service] = at
				}
			}
			if len(depNames) > 64 {
				for k, d := range depNames {
					if d != s.Event.Service && !sc.named[d] && deps[k].in(sc.words(i)) {
						sc.named[d] = true
					}
				}
			} else {
				for held := sc.info[i].namesHeld(depNames, deps); held != 0; held &= held - 1 {
					if d := depNames[bits.TrailingZeros64(held)]; d != s.Event.Service {
						sc.named[d] = true
					}
				}
			}
		}
	}
	slices.SortFunc(sc.failureTimes, time.Time.Compare)
	titleNames(sc, inc.Title)
	sc.symptoms, sc.evidence = sc.symptomTokens(inc), evidencedDomains(sc)
	for i, s := range all {
		// Information before onset that the failures' domain points at
		// changed what fails: a certificate renewed or issued before TLS
		// handshake errors serves a new chain, whatever the renewal's
		// routine name. A report of a state (pods pending) is no act.
		if s.Class == noctuary.ClassInfo && !s.Event.OccurredAt.After(c.Onset) && sc.info[i].promotable {
			if d, _ := domainMatch(i, sc); d != "" {
				all[i].Class, sc.promoted[i] = noctuary.ClassChange, true
			}
		}
	}
	sc.undo = newUndoIndex(sc)
	sc.reasons = make([]string, 0, 4*n)
	for i, s := range all {
		if s.Class == noctuary.ClassChange && s.Event.OccurredAt.After(c.Onset) {
			sc.lateChanges[s.Event.Service] = append(sc.lateChanges[s.Event.Service], i)
		}
	}
	for i, s := range all {
		if s.Class == noctuary.ClassChange && !s.Event.OccurredAt.After(c.Onset) {
			sc.why[i] = innocuous(i, sc)
			sc.realChange[i] = sc.why[i] == ""
			if f, ok := sc.firstChangeOf[s.Event.Service]; sc.realChange[i] && !sc.promoted[i] && (!ok || s.Event.OccurredAt.Before(f)) {
				sc.firstChangeOf[s.Event.Service] = s.Event.OccurredAt
			}
		}
	}
	sc.demoteFollowers()
	for j, o := range all {
		if sc.explains(j) && (!sc.explained || o.Event.OccurredAt.Before(sc.explainedFrom)) {
			sc.explainedFrom, sc.explained = o.Event.OccurredAt, true
		}
	}
	return sc
}

// summary is the text of signal i's summary.
func (sc *scoring) summary(i int) text { return sc.info[i].summary }

// words is signal i's eventText.
func (sc *scoring) words(i int) text { return sc.info[i].words }

// domainWords is failure i's eventText without the names of its service
// and of the paging one: "ratelimiter failing" from the api-ratelimit
// service is no rate limit symptom (see domainMatch for candidates).
func (sc *scoring) domainWords(i int) text {
	if sc.domainTexts[i] == "" {
		if sc.plainWords(i) {
			sc.domainTexts[i] = string(sc.words(i))
		} else {
			sc.domainTexts[i] = string(withoutNames(sc.words(i), sc.all[i].Event.Service, sc.svc.Key))
		}
	}
	return text(sc.domainTexts[i])
}

// plainWords reports whether signal i's words hold neither its service's
// name nor the paging one's: its domainWords are its words.
func (sc *scoring) plainWords(i int) bool {
	return !sc.info[i].ownNamed && !sc.info[i].keyTouches(sc.svc.Key, sc.key)
}

// failuresAfter counts the failure signals that occurred after t.
func (sc *scoring) failuresAfter(t time.Time) int {
	return len(sc.failureTimes) - sort.Search(len(sc.failureTimes), func(k int) bool { return sc.failureTimes[k].After(t) })
}

func (sc *scoring) score(i int) {
	s := &sc.all[i]
	// The reasons of every signal share one array (sc.reasons).
	start := len(sc.reasons)
	defer func() {
		if n := len(sc.reasons); n > start {
			s.Reasons = sc.reasons[start:n:n]
		}
	}()
	add := func(reason string, v float64) {
		if v == 0 {
			return
		}
		s.Score += v
		var buf [24]byte
		sc.reasons = append(sc.reasons, reason+" "+string(appendSigned(buf[:0], v)))
	}
	before := !s.Event.OccurredAt.After(sc.onset)
	candidate := false
	switch {
	case s.Class == noctuary.ClassChange && before && sc.promoted[i]:
		add("information of the failures' domain before onset", weightChange)
		candidate = true
	case s.Class == noctuary.ClassChange && before:
		add("change before onset", weightChange)
		if candidate = sc.why[i] == ""; !candidate {
			add("ranked below: "+sc.why[i], weightInnocuous)
		}
	case s.Class == noctuary.ClassChange:
		add("change after onset cannot be the cause", weightLateChange)
	case s.Class == noctuary.ClassFailure:
		candidate = sc.failure(i, add)
	default:
		add("information", weightInfo)
	}
	add(proximity(s.Event.OccurredAt, sc.onset, sc.opt))
	if candidate {
		sc.corroborate(i, add)
	}
	s.Score = math.Round(s.Score*1e6) / 1e6
}

// failure scores failure i by its role and reports whether it is a candidate.
func (sc *scoring) failure(i int, add func(string, float64)) bool {
	switch roleOf(i, sc) {
	case roleInfrastructure:
		add("infrastructure failure before onset", weightChange)
		add("breaks on its own", weightInfra)
		return true
	case roleFirstFailure:
		add("first failure before onset, after no change", weightChange)
		return true
	}
	add("failure signal", weightFailure)
	return false
}

// corroborate adds what supports candidate i: failures after it, symptom
// words it shares, and the failures' domain.
func (sc *scoring) corroborate(i int, add func(string, float64)) {
	s := sc.all[i]
	if n := sc.failuresAfter(s.Event.OccurredAt); n > 0 {
		add("followed by "+strconv.Itoa(n)+" failure signal(s)", math.Min(maxFailureBoost, boostPerFailure*float64(n)))
	} else if len(sc.failureTimes) > 0 && sc.failureTimes[0].Before(s.Event.OccurredAt) {
		// A cause precedes its effects: the failures began before it and
		// none followed. It stays a candidate (never below the floor).
		add("the failures began before it", -math.Min(weightLateFailures, s.Score-candidateFloor))
	}
	if sc.named[s.Event.Service] {
		add("the failures name "+s.Event.Service, weightNamed)
	}
	if at := sc.undoneAfter(i); !at.IsZero() {
		add("undone after onset, at "+clock(at)+" UTC: the responders' fix", weightUndoneAfter)
	}
	if subj := sc.info[i].facts.subject; s.Class == noctuary.ClassChange && sc.echoes(subj, s.Event.Service) {
		add("the failures name what it changed ("+noctuary.QuoteName(subj)+")", weightEcho)
	}
	if s.Class == noctuary.ClassChange {
		if m := sc.symptomMatches(i); len(m) > 0 {
			add("symptom match ("+strings.Join(m, ", ")+")", math.Min(maxSymptomBoost, boostPerSymptom*float64(len(m))))
		}
	}
	if d, term := domainMatch(i, sc); d != "" {
		// Information made a candidate by its domain has no more than
		// the domain for it: a change of that domain ranks first.
		w := weightDomain
		if sc.promoted[i] {
			w /= 2
		}
		add(d+" symptoms ("+term+") point at it", w)
	}
}

// stateWords mark the kinds that report a state rather than an act:
// pods_pending, replication_status, queue_depth.
var stateWords = []string{"pending", "status", "state", "condition", "health", "waiting", "queue", "backlog", "usage",
	"depth", "metric", "level", "count"}

func stateReport(k string) bool {
	return slices.ContainsFunc(stateWords, func(w string) bool { return strings.Contains(k, w) })
}

// echoes reports whether the failures' words (and the title's) name
// subject, the setting or flag a change of service set: each of its words
// starts one of theirs ("min.insync.replicas" in "In-sync replicas 2 below
// the required minimum 3"; a word of five letters or more may be glued
// from theirs). A subject of one word needs six letters, and service
// names are no subject's words.
func (sc *scoring) echoes(subject, service string) bool {
	if subject == "" || len(sc.failureTimes) == 0 {
		return false
	}
	words := strings.Fields(string(withoutNames(textOf(subject), service, sc.svc.Key)))
	words = slices.DeleteFunc(words, func(w string) bool { return len(w) < 3 || !significant(w) })
	if len(words) == 0 || (len(words) == 1 && len(words[0]) < 6) {
		return false
	}
	if sc.failText == "" {
		parts := []string{string(sc.titleText)}
		for j, s := range sc.all {
			if s.Class == noctuary.ClassFailure {
				parts = append(parts, string(sc.domainWords(j)))
			}
		}
		sc.failText = text(" " + strings.Join(parts, " ") + " ")
		sc.failGlued = strings.ReplaceAll(string(sc.failText), " ", "")
	}
	for _, w := range words {
		if !strings.Contains(string(sc.failText), " "+w) && (len(w) < 5 || !strings.Contains(sc.failGlued, w)) {
			return false
		}
	}
	return true
}

// proximity weighs closeness to onset: weightProximity at onset, decaying
// linearly to zero at the edge of the window (before) or of After.
func proximity(at, onset time.Time, opt CorrelateOptions) (string, float64) {
	d, span, where := onset.Sub(at), opt.Window, "before"
	if d < 0 {
		d, span, where = -d, opt.After, "after"
	}
	return d.Round(time.Second).String() + " " + where + " onset", weightProximity * (1 - float64(d)/float64(span))
}

// appendSigned appends v to b as fmt's "%+.2f" does: a reason's
// contribution.
func appendSigned(b []byte, v float64) []byte {
	n := len(b)
	b = strconv.AppendFloat(append(b, '+'), v, 'f', 2, 64)
	if b[n+1] == '-' || b[n+1] == '+' {
		b = append(b[:n], b[n+1:]...)
	}
	return b
}

func failuresAfter(t time.Time, all []noctuary.Signal) int {
	n := 0
	for _, s := range all {
		if s.Class == noctuary.ClassFailure && s.Event.OccurredAt.After(t) {
			n++
		}
	}
	return n
}

// ranksBefore compares signals by rank: -1 when a ranks before b (higher
// score, then earlier, then by the event's fields), 1 when after, 0 when
// neither.
func ranksBefore(a, b *noctuary.Signal) int {
	if a.Score != b.Score {
		return -cmp.Compare(a.Score, b.Score)
	}
	ea, eb := &a.Event, &b.Event
	if !ea.OccurredAt.Equal(eb.OccurredAt) {
		return ea.OccurredAt.Compare(eb.OccurredAt)
	}
	return cmp.Or(strings.Compare(ea.Service, eb.Service), strings.Compare(ea.Kind, eb.Kind),
		strings.Compare(ea.Source, eb.Source), strings.Compare(ea.ID, eb.ID), strings.Compare(ea.Summary, eb.Summary))
}
