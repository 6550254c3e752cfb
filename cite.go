package noctuary

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"unicode/utf8"
)

// What a stored triage keeps of its signals (Triage.Compact): the cited
// ones, the highest-scoring ones and the counts of all, within these
// bounds, whatever the correlation window held.
const (
	// MaxCitedSignals bounds the signals kept because the hypothesis rests
	// on them (the first Triage.Cited).
	MaxCitedSignals = 5
	// MaxRankedSignals is how many of the highest-scoring signals are kept:
	// the note shows 8 of them, the Slack message 10.
	MaxRankedSignals = 10
	// MaxCountedNames bounds the kinds, sources and services counted by name.
	MaxCountedNames = 5
	// TruncationMark ends stored text that was cut.
	TruncationMark = "…[truncated]"

	maxSignalsBytes  = 5<<10 + 256 // the kept signals' JSON: 12 usual ones
	maxStoredSummary = 400         // bytes; a quote shows MaxQuoteLen characters
	maxStoredAttrs   = 8
	maxStoredValue   = 128
	maxStoredLink    = 512 // longer links are dropped: a cut URL is no link
	maxStoredReasons = 6
	maxStoredReason  = 160
	maxCountedName   = 32
	maxStoredTitle   = 256 // Slack's header shows 150
)

// WindowCounts counts every signal a triage's correlation ranked, of which
// Triage.Signals keeps only those cited and the highest-scoring: what
// explains the ranking without storing the window.
type WindowCounts struct {
	// Signals is how many signals the correlation window held.
	Signals int `json:"signals"`
	// ByClass counts them by class: change, failure, information.
	ByClass map[Class]int `json:"by_class,omitempty"`
	// Kinds, Sources and Services count the most frequent ones, most first
	// (then by name), at most MaxCountedNames each; names are cut to 32 bytes.
	Kinds    []NameCount `json:"kinds,omitempty"`
	Sources  []NameCount `json:"sources,omitempty"`
	Services []NameCount `json:"services,omitempty"`
}

// NameCount is how many signals share one kind, source or service.
type NameCount struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// SignalTotal returns how many signals the correlation ranked: the
// counts' total, or, for a triage stored before counts were kept, how many
// signals it holds.
func (t Triage) SignalTotal() int {
	if t.Window != nil {
		return t.Window.Signals
	}
	return len(t.Signals)
}

// Compact returns t as it is stored and sent: counts of all its signals
// (kept when t already has them), only the first Cited (at most
// MaxCitedSignals) and the MaxRankedSignals highest-scoring signals, in
// their order, with untrusted text bounded and marked where cut (see
// Signal.Trimmed), and the signals' JSON within 5.25 KiB: beyond it, the
// attributes, then the links, then the last signals are dropped. It is
// idempotent, and it changes nothing that the note or the Slack message
// show (TopSignals picks the same signals) but for links over 512 bytes and
// text beyond what they show, unless that bound drops signals.
func (t Triage) Compact() Triage {
	if t.Window == nil {
		t.Window = countSignals(t.Signals)
	}
	t.Signals = fitSignals(keptSignals(t.Signals, t.Cited))
	t.Cited = min(t.Cited, MaxCitedSignals, len(t.Signals))
	t.Incident.Title = clip(t.Incident.Title, maxStoredTitle)
	t.Suggestions = boundSuggestions(t.Suggestions)
	return t
}

// TopSignals returns the n highest-scoring of sigs (ties: the earlier
// first) in time order (ties: their order in sigs): what the note and the
// Slack message list.
func TopSignals(sigs []Signal, n int) []Signal {
	idx := byScore(sigs)
	idx = idx[:min(n, len(idx))]
	slices.SortFunc(idx, func(a, b int) int {
		return cmp.Or(sigs[a].Event.OccurredAt.Compare(sigs[b].Event.OccurredAt), cmp.Compare(a, b))
	})
	out := make([]Signal, len(idx))
	for i, j := range idx {
		out[i] = sigs[j]
	}
	return out
}

// byScore returns the indexes of sigs, highest score first (ties: the
// earlier first).
func byScore(sigs []Signal) []int {
	idx := make([]int, len(sigs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(sigs[b].Score, sigs[a].Score) })
	return idx
}

// keptSignals returns the first cited (at most MaxCitedSignals) and the
// MaxRankedSignals highest-scoring of sigs, in their order, bounded.
func keptSignals(sigs []Signal, cited int) []Signal {
	keep := make([]bool, len(sigs))
	for i := range min(cited, MaxCitedSignals, len(sigs)) {
		keep[i] = true
	}
	for _, i := range byScore(sigs)[:min(MaxRankedSignals, len(sigs))] {
		keep[i] = true
	}
	var out []Signal
	for i, s := range sigs {
		if keep[i] {
			out = append(out, boundSignal(s))
		}
	}
	return out
}

// boundSignal bounds the untrusted text of s and says in s.Trimmed what
// was cut.
func boundSignal(s Signal) Signal {
	e := &s.Event
	if len(e.Summary) > maxStoredSummary {
		s.Trimmed = appendOnce(s.Trimmed, fmt.Sprintf("summary cut from %d bytes", len(e.Summary)))
		e.Summary = clip(e.Summary, maxStoredSummary)
	}
	if len(e.Link) > maxStoredLink {
		s.Trimmed = appendOnce(s.Trimmed, fmt.Sprintf("link of %d bytes dropped", len(e.Link)))
		e.Link = ""
	}
	e.Attributes = boundAttributes(&s)
	if len(s.Reasons) > maxStoredReasons {
		s.Reasons = s.Reasons[:maxStoredReasons:maxStoredReasons]
	}
	for i, r := range s.Reasons {
		if len(r) > maxStoredReason {
			s.Reasons = slices.Clone(s.Reasons)
			s.Reasons[i] = clip(r, maxStoredReason)
		}
	}
	return s
}

// boundAttributes returns at most maxStoredAttrs of s's attributes (the
// first by key), each value cut to maxStoredValue bytes.
func boundAttributes(s *Signal) map[string]string {
	attrs := s.Event.Attributes
	keys := slices.Sorted(maps.Keys(attrs))
	long := slices.ContainsFunc(keys, func(k string) bool { return len(attrs[k]) > maxStoredValue })
	if len(keys) <= maxStoredAttrs && !long {
		return attrs
	}
	if len(keys) > maxStoredAttrs {
		s.Trimmed = appendOnce(s.Trimmed, fmt.Sprintf("%d of %d attributes kept", maxStoredAttrs, len(keys)))
		keys = keys[:maxStoredAttrs]
	}
	out := make(map[string]string, len(keys))
	for _, k := range keys {
		if len(attrs[k]) > maxStoredValue {
			s.Trimmed = appendOnce(s.Trimmed, fmt.Sprintf("attribute %s cut from %d bytes", clip(k, maxCountedName), len(attrs[k])))
		}
		out[k] = clip(attrs[k], maxStoredValue)
	}
	return out
}

// fitSignals drops, while the signals' JSON exceeds maxSignalsBytes, the
// attributes of every signal, then their links, then the last signals.
func fitSignals(sigs []Signal) []Signal {
	for _, part := range []string{"attributes", "link"} {
		if signalsSize(sigs) <= maxSignalsBytes {
			return sigs
		}
		sigs = slices.Clone(sigs)
		for i := range sigs {
			dropPart(&sigs[i], part)
		}
	}
	for len(sigs) > 0 && signalsSize(sigs) > maxSignalsBytes {
		sigs = sigs[:len(sigs)-1]
	}
	return sigs
}

// dropPart drops the attributes or the link of s, saying so in s.Trimmed.
func dropPart(s *Signal, part string) {
	switch {
	case part == "attributes" && len(s.Event.Attributes) > 0:
		s.Event.Attributes = nil
	case part == "link" && s.Event.Link != "":
		s.Event.Link = ""
	default:
		return
	}
	s.Trimmed = appendOnce(s.Trimmed, part+" dropped to fit the stored triage")
}

func signalsSize(sigs []Signal) int {
	b, _ := json.Marshal(sigs)
	return len(b)
}

// countSignals counts sigs by class, kind, source and service.
func countSignals(sigs []Signal) *WindowCounts {
	w := &WindowCounts{Signals: len(sigs)}
	kinds, sources, services := map[string]int{}, map[string]int{}, map[string]int{}
	for _, s := range sigs {
		if s.Class != "" {
			if w.ByClass == nil {
				w.ByClass = map[Class]int{}
			}
			w.ByClass[s.Class]++
		}
		kinds[clip(s.Event.Kind, maxCountedName)]++
		sources[clip(s.Event.Source, maxCountedName)]++
		services[clip(s.Event.Service, maxCountedName)]++
	}
	w.Kinds, w.Sources, w.Services = mostFrequent(kinds), mostFrequent(sources), mostFrequent(services)
	return w
}

// mostFrequent returns the MaxCountedNames most frequent names of counts,
// most first, then by name.
func mostFrequent(counts map[string]int) []NameCount {
	var out []NameCount
	for name, n := range counts {
		if name != "" {
			out = append(out, NameCount{Name: name, Count: n})
		}
	}
	slices.SortFunc(out, func(a, b NameCount) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Name, b.Name)) })
	return out[:min(MaxCountedNames, len(out))]
}

// clip cuts s to at most n bytes on a rune boundary, ending in
// TruncationMark when it had to cut.
func clip(s string, n int) string { return Cut(s, n, TruncationMark) }

// Cut returns s cut to at most n bytes without splitting a UTF-8 sequence,
// ending in mark when it had to cut.
func Cut(s string, n int, mark string) string {
	if len(s) <= n {
		return s
	}
	cut := max(n-len(mark), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}

func appendOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(slices.Clip(list), s)
}
