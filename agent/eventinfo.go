package agent

import (
	"slices"
	"strings"
	"sync/atomic"

	"github.com/noctuary/noctuary"
)

// eventInfo is what the ranking rules read of one event alone: each field
// is a function of the event's fields only, never of the incident, the
// onset, the paging service or the other events of the window. So it can
// be computed once per event and shared by every correlation that holds
// the event (see EventMemo). What depends on more is computed per
// correlation (see scoring). What only some correlations read is computed
// when one first does (the atomic fields: two that race compute the same).
type eventInfo struct {
	class noctuary.Class // ClassifyEvent
	kind  string         // NormalizeKind of the kind
	// summary is the text of the summary; words the eventText.
	summary, words text
	facts          changeFacts
	// env is the non-production environment a change or information
	// names (nonProductionOf), or "".
	env string
	// infra marks a failure that is an infrastructure failure by its kind
	// and words (see infrastructure).
	infra bool
	// symptomKind reports whether the kind says how a service misbehaves
	// rather than why (see symptomKind).
	symptomKind bool
	// promotable marks information that the failures' domain may make a
	// change: no inert subject, no state's report (see newScoring).
	promotable bool
	// why holds what each run of the innocuous rules that read the event
	// alone says of a change (see whys).
	why atomic.Pointer[[]string]
	// symptoms are the significant words a failure adds to the symptom
	// tokens (see symptomTokens).
	symptoms []string
	// sharable are a change's sharableWords.
	sharable atomic.Pointer[[]string]
	// symptomGroups are the domains whose symptoms a failure's words hold
	// (text.groups); causes, with knownGroups set, those whose causes the
	// words hold (see causeGroups).
	symptomGroups uint64
	causes        atomic.Uint64
	// ownNamed reports whether the words hold the event's service name,
	// which domainWords removes (see nameMatcher).
	ownNamed bool
	// named and keyed are what namesHeld and keyTouches found last.
	named atomic.Pointer[nameHits]
	keyed atomic.Pointer[keyTouch]
}

// nameHits are which of names (bit k for names[k]) words hold.
type nameHits struct {
	names []string
	mask  uint64
}

// keyTouch is whether a paging service's name touches words.
type keyTouch struct {
	key     string
	touches bool
}

// namesHeld returns which of names (at most 64, bit k for names[k]) x's
// words hold (nameForms.in): forms[k] is names[k]'s. names must not change
// afterwards.
func (x *eventInfo) namesHeld(names []string, forms []nameForms) uint64 {
	if p := x.named.Load(); p != nil && slices.Equal(p.names, names) {
		return p.mask
	}
	var mask uint64
	for k := range names {
		if forms[k].in(x.words) {
			mask |= 1 << k
		}
	}
	x.named.Store(&nameHits{names, mask})
	return mask
}

// keyTouches returns m.touches(x.words), m matching key.
func (x *eventInfo) keyTouches(key string, m nameMatcher) bool {
	if p := x.keyed.Load(); p != nil && p.key == key {
		return p.touches
	}
	t := m.touches(x.words)
	x.keyed.Store(&keyTouch{key, t})
	return t
}

// newEventInfo computes e's eventInfo; names matches its service's name.
func newEventInfo(e *noctuary.ContextEvent, names nameMatcher) *eventInfo {
	kind, words := NormalizeKind(e.Kind), eventText(*e)
	x := &eventInfo{class: classifyEvent(*e, kind, words), kind: kind, summary: textOf(e.Summary), words: words,
		facts: factsOf(*e, kind)}
	x.ownNamed, x.symptomKind = names.touches(x.words), symptomKind(kind)
	switch x.class {
	case noctuary.ClassFailure:
		x.infra = infrastructure(alertKind(*e, kind), x.words)
		x.symptoms = symptomWords(e)
		x.symptomGroups = x.words.groups(domainSymptoms)
	case noctuary.ClassInfo:
		x.promotable = !inert(kind) && !stateReport(kind) && !inertReport(*e)
		x.env = nonProductionOf(e, x.summary)
	case noctuary.ClassChange:
		x.env = nonProductionOf(e, x.summary)
	}
	return x
}

// whys returns eventWhys(e, x).
func (x *eventInfo) whys(e *noctuary.ContextEvent) []string {
	if p := x.why.Load(); p != nil {
		return *p
	}
	w := eventWhys(e, x)
	x.why.Store(&w)
	return w
}

// sharableWords returns sharableWords(e).
func (x *eventInfo) sharableWords(e *noctuary.ContextEvent) []string {
	if p := x.sharable.Load(); p != nil {
		return *p
	}
	w := sharableWords(e)
	x.sharable.Store(&w)
	return w
}

// knownGroups marks eventInfo.causes as computed: there are fewer than 63
// domains (see newTermGroups).
const knownGroups = 1 << 63

// causeGroups returns x.words.groups(domainCauses).
func (x *eventInfo) causeGroups() uint64 {
	if g := x.causes.Load(); g != 0 {
		return g &^ knownGroups
	}
	g := x.words.groups(domainCauses)
	x.causes.Store(g | knownGroups)
	return g
}

// symptomWords are the distinct significant words of failure e's kind,
// source, service, summary and attribute values (see symptomTokens).
func symptomWords(e *noctuary.ContextEvent) []string {
	var out []string
	add := func(w string) {
		if significant(w) {
			out = append(out, w)
		}
	}
	for _, t := range [...]string{e.Kind, e.Source, e.Service, e.Summary} {
		eachWord(t, add)
	}
	for _, v := range e.Attributes {
		eachWord(v, add)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// sharableWords are, sorted, the distinct significant words of e's summary
// and attribute values, other than its service's name's.
func sharableWords(e *noctuary.ContextEvent) []string {
	own := tokens(e.Service)
	var out []string
	add := func(w string) {
		if !own[w] && significant(w) {
			out = append(out, w)
		}
	}
	eachWord(e.Summary, add)
	for _, v := range e.Attributes {
		eachWord(v, add)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// nameMatcher tells whether withoutNames would remove a name from a text:
// its spaced or glued form, or a word starting with one of its
// distinctive words.
type nameMatcher struct {
	forms nameForms
	// starts are " "+w for each distinctive word w of the name.
	starts []string
}

func newNameMatcher(name string) nameMatcher {
	m := nameMatcher{forms: nameFormsOf(name)}
	for _, w := range strings.Fields(m.forms.spaced) {
		if len(w) >= minNameWord {
			m.starts = append(m.starts, " "+w)
		}
	}
	return m
}

// touches reports whether withoutNames(t, name) may differ from t, a text
// (textOf's form): when it is false, they are equal, and so is
// withoutNames(t, name, other) when other does not touch t either.
func (m nameMatcher) touches(t text) bool {
	return m.forms.in(t) || slices.ContainsFunc(m.starts, func(s string) bool { return strings.Contains(string(t), s) })
}

// eventInfos returns the eventInfo of each signal's event: from memo when
// it holds the event, else computed (and remembered when memo is not nil).
func eventInfos(memo *EventMemo, signals []noctuary.Signal) []*eventInfo {
	out := make([]*eventInfo, len(signals))
	var hashes []uint64
	if memo != nil {
		hashes = memo.lookup(signals, out)
	}
	matchers := map[string]nameMatcher{}
	var missed []int
	for i := range out {
		if out[i] != nil {
			continue
		}
		e := &signals[i].Event
		m, ok := matchers[e.Service]
		if !ok {
			m = newNameMatcher(e.Service)
			matchers[e.Service] = m
		}
		out[i], missed = newEventInfo(e, m), append(missed, i)
	}
	if memo != nil && len(missed) > 0 {
		memo.store(signals, hashes, out, missed)
	}
	return out
}
