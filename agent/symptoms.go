package agent

import (
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
		eachWord(t, func(w string) {
			if significant(w) {
				out[w] = true
			}
		})
	}
	return out
}

// eachWord calls f with each word of t, in order: each run of letters and
// digits of t in lower case (strings.FieldsFunc(strings.ToLower(t),
// notWordRune)).
func eachWord(t string, f func(w string)) {
	if !ascii(t) {
		for _, w := range strings.FieldsFunc(strings.ToLower(t), notWordRune) {
			f(w)
		}
		return
	}
	t = strings.ToLower(t)
	start := -1
	for k := 0; k <= len(t); k++ {
		if k < len(t) && ('a' <= t[k] && t[k] <= 'z' || '0' <= t[k] && t[k] <= '9') {
			if start < 0 {
				start = k
			}
			continue
		}
		if start >= 0 {
			f(t[start:k])
			start = -1
		}
	}
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

// symptomTokens is symptomTokens(inc, sc.all), of the words each failure's
// eventInfo holds.
func (sc *scoring) symptomTokens(inc noctuary.Incident) map[string]bool {
	out := tokens(inc.Title)
	for i, s := range sc.all {
		if s.Class == noctuary.ClassFailure {
			for _, w := range sc.info[i].symptoms {
				out[w] = true
			}
		}
	}
	return out
}

// symptomMatches returns, sorted, the symptom tokens that change i's
// summary and attribute values share. The change's own service name does
// not count: every change of a service names it.
func (sc *scoring) symptomMatches(i int) []string {
	var m []string
	for _, w := range sc.info[i].sharableWords(&sc.all[i].Event) {
		if sc.symptoms[w] {
			m = append(m, w)
		}
	}
	return m
}
