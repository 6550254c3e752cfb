package agent

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/noctuary/noctuary"
)

// text is an event's words for the ranking rules: lower case, every run of
// characters other than letters and digits one space, with a space at each
// end, so that " refused " matches the word and " throttl" every word
// that starts so.
type text string

// eventText is the text of an event's kind and summary, each followed by
// its CamelCase words split ("NodeClockSkewDetected node clock skew
// detected", "SSLHandshakeException ssl handshake exception"), and its
// attributes (keys and values, in key order).
func eventText(e noctuary.ContextEvent) text {
	kw, sw := camelWords(e.Kind), camelTokens(e.Summary)
	n := len(e.Kind) + len(kw) + len(e.Summary) + len(sw) + 8
	var buf [16]string
	keys := buf[:0]
	for k, v := range e.Attributes {
		keys = append(keys, k)
		n += len(k) + len(v) + 2
	}
	slices.Sort(keys)
	var b textBuilder
	b.Grow(n)
	b.add(e.Kind)
	if kw != e.Kind {
		b.add(kw)
	}
	b.add(e.Summary)
	if sw != "" {
		b.add(sw)
	}
	for _, k := range keys {
		b.add(k)
		b.add(e.Attributes[k])
	}
	return b.text()
}

// sortedKeys returns m's keys in order.
func sortedKeys(m map[string]string) []string {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func textOf(parts ...string) text {
	n := 2
	for _, p := range parts {
		n += len(p) + 1
	}
	var b textBuilder
	b.Grow(n)
	for _, p := range parts {
		b.add(p)
	}
	return b.text()
}

// textBuilder builds a text of parts (see textOf).
type textBuilder struct {
	strings.Builder
	// last is the last byte written, 0 before the first.
	last byte
}

// space writes one space unless the last byte written is one.
func (b *textBuilder) space() {
	if b.last != ' ' {
		b.WriteByte(' ')
		b.last = ' '
	}
}

// add writes p's words after the words written.
func (b *textBuilder) add(p string) {
	b.space()
	for _, r := range p {
		if r < utf8.RuneSelf {
			switch {
			case 'a' <= r && r <= 'z' || '0' <= r && r <= '9':
			case 'A' <= r && r <= 'Z':
				r += 'a' - 'A'
			default:
				b.space()
				continue
			}
			b.WriteByte(byte(r))
			b.last = byte(r)
			continue
		}
		if r = unicode.ToLower(r); unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			b.last = 0 // the last byte of a multi-byte rune is no space
		} else {
			b.space()
		}
	}
}

// text ends the text with a space.
func (b *textBuilder) text() text {
	b.space()
	return text(b.String())
}

// terms is a list of terms (see text.match) indexed by first byte, for
// text.first. Terms built by newTermGroups belong to groups (see
// text.groups).
type terms struct {
	list    []string
	group   []uint8
	byFirst [256][]int32 // indexes into list, ascending, by the term's first byte
}

// newTerms indexes list, whose terms must not be empty.
func newTerms(list ...string) *terms {
	ts := &terms{list: list, group: make([]uint8, len(list))}
	for k, term := range list {
		ts.byFirst[term[0]] = append(ts.byFirst[term[0]], int32(k))
	}
	return ts
}

// newTermGroups indexes the terms of up to 64 lists, each list a group.
func newTermGroups(lists ...[]string) *terms {
	if len(lists) > 64 {
		panic("newTermGroups: more than 64 groups")
	}
	var all []string
	var group []uint8
	for g, l := range lists {
		all = append(all, l...)
		for range l {
			group = append(group, uint8(g))
		}
	}
	ts := newTerms(all...)
	ts.group = group
	return ts
}

// match returns the first term t holds, or "". A term is words separated by
// single spaces; it matches at the start of a word, and a trailing space
// makes it match whole words only ("port " is not "portal"). For a list
// matched against many texts, first is faster.
func (t text) match(terms []string) string {
	for _, term := range terms {
		if t.startsWord(term) {
			return strings.TrimSpace(term)
		}
	}
	return ""
}

// startsWord reports whether t holds " "+term.
func (t text) startsWord(term string) bool {
	s := string(t)
	for i := 0; i <= len(s); {
		k := strings.Index(s[i:], term)
		if k < 0 {
			return false
		}
		if i+k > 0 && s[i+k-1] == ' ' {
			return true
		}
		i += k + 1
	}
	return false
}

// first returns what t.match(ts.list) returns, in one pass over the
// starts of t's words, trying only the terms that start with the word's
// first byte.
func (t text) first(ts *terms) string {
	best := int32(len(ts.list))
	for p := 0; p < len(t) && best > 0; {
		q := strings.IndexByte(string(t[p:]), ' ')
		if q < 0 || p+q+1 >= len(t) {
			break
		}
		p += q + 1
		for _, k := range ts.byFirst[t[p]] {
			if k >= best {
				break
			}
			if strings.HasPrefix(string(t[p:]), ts.list[k]) {
				best = k
				break
			}
		}
	}
	if best == int32(len(ts.list)) {
		return ""
	}
	return strings.TrimSpace(ts.list[best])
}

// within reports whether s holds any of ts's terms anywhere, not only at
// the start of a word: strings.Contains of each, in one pass.
func (ts *terms) within(s string) bool {
	for p := 0; p < len(s); p++ {
		for _, k := range ts.byFirst[s[p]] {
			if strings.HasPrefix(s[p:], ts.list[k]) {
				return true
			}
		}
	}
	return false
}

// groups returns the set of groups of ts (bit g for group g) with a term
// that t holds.
func (t text) groups(ts *terms) uint64 {
	var set uint64
	for p := 0; p < len(t); {
		q := strings.IndexByte(string(t[p:]), ' ')
		if q < 0 || p+q+1 >= len(t) {
			break
		}
		p += q + 1
		for _, k := range ts.byFirst[t[p]] {
			if set&(1<<ts.group[k]) == 0 && strings.HasPrefix(string(t[p:]), ts.list[k]) {
				set |= 1 << ts.group[k]
			}
		}
	}
	return set
}

// attr returns the value of the first of keys that e's attributes hold,
// trimmed, or "".
func attr(e noctuary.ContextEvent, keys ...string) string {
	if len(e.Attributes) == 0 {
		return ""
	}
	for _, k := range keys {
		if v := strings.TrimSpace(e.Attributes[k]); v != "" {
			return v
		}
	}
	return ""
}

// camelWords splits CamelCase into words: "NodeClockSkewDetected" is "Node
// Clock Skew Detected", "OOMKilled" is "OOM Killed".
func camelWords(s string) string {
	if !camelCase(s) {
		return s
	}
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		if i > 0 && unicode.IsUpper(c) && (unicode.IsLower(r[i-1]) ||
			(unicode.IsUpper(r[i-1]) && i+1 < len(r) && unicode.IsLower(r[i+1]))) {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// camelTokens is the words of s's CamelCase tokens split ("SslPolicy" is
// "Ssl Policy"), "" when s has none.
func camelTokens(s string) string {
	if !camelCase(s) {
		return ""
	}
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if w := camelWords(f); w != f {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

// camelCase reports whether s may hold a CamelCase word: it is not all
// ASCII, or an upper case letter follows a letter or digit. When it is
// false, camelWords(s) is s and camelTokens(s) is "".
func camelCase(s string) bool {
	for k := 0; k < len(s); k++ {
		switch c := s[k]; {
		case c >= utf8.RuneSelf:
			return true
		case 'A' <= c && c <= 'Z' && k > 0:
			if p := s[k-1]; 'a' <= p && p <= 'z' || 'A' <= p && p <= 'Z' || '0' <= p && p <= '9' {
				return true
			}
		}
	}
	return false
}
