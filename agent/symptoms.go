package agent

import (
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/noctuary/noctuary"
)

// stopTokens are words too common in incident titles and event summaries to
// say anything about a cause.
var stopTokens = map[string]bool{
	"the": true, "and": true, "for": true, "with": true, "from": true, "into": true, "was": true,
	"were": true, "has": true, "have": true, "had": true, "are": true, "not": true, "this": true,
	"that": true, "out": true, "via": true, "per": true, "all": true, "new": true, "old": true,
	"high": true, "low": true, "rate": true, "sha": true, "version": true, "previous": true,
	"rolled": true, "rollout": true, "deploy": true, "deployed": true, "release": true,
	"change": true, "changed": true, "update": true, "updated": true, "set": true,
	"service": true, "pod": true, "container": true, "event": true, "detected": true,
}

// tokens returns the distinct significant words of texts: lower case runs of
// letters and digits, at least three long, not all digits, not stop words.
func tokens(texts ...string) map[string]bool {
	out := map[string]bool{}
	for _, t := range texts {
		for _, w := range strings.FieldsFunc(strings.ToLower(t), notWordRune) {
			if significant(w) {
				out[w] = true
			}
		}
	}
	return out
}

func notWordRune(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

// significant reports whether word w (lower case, letters and digits) says
// something: three long at least, not all digits, not a stop word.
func significant(w string) bool {
	return len(w) >= 3 && !stopTokens[w] && strings.TrimFunc(w, unicode.IsDigit) != ""
}

// symptomTokens are the words of the incident's title and of every failure
// signal's kind, source, service, summary and attribute values.
func symptomTokens(inc noctuary.Incident, signals []noctuary.Signal) map[string]bool {
	texts := []string{inc.Title}
	for _, s := range signals {
		if s.Class != noctuary.ClassFailure {
			continue
		}
		e := s.Event
		texts = append(texts, e.Kind, e.Source, e.Service, e.Summary)
		for _, v := range e.Attributes {
			texts = append(texts, v)
		}
	}
	return tokens(texts...)
}

// symptomMatches returns, sorted, the symptom tokens that a change's summary
// and attribute values share. The change's own service name does not count:
// every change of a service names it.
func symptomMatches(e noctuary.ContextEvent, symptoms map[string]bool) []string {
	own := tokens(e.Service)
	var m []string
	visit := func(t string) {
		for _, w := range strings.FieldsFunc(strings.ToLower(t), notWordRune) {
			if symptoms[w] && !own[w] && !slices.Contains(m, w) && significant(w) {
				m = append(m, w)
			}
		}
	}
	visit(e.Summary)
	for _, v := range e.Attributes {
		visit(v)
	}
	sort.Strings(m)
	return m
}
