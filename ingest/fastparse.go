package ingest

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/noctuary/noctuary"
)

// fastEvent parses the event starting at s[p] when it has the common shape:
// an object of the known fields, each given once with its exact name, whose
// strings hold no escape sequence and are valid UTF-8, and whose occurred_at
// parses as RFC 3339. It returns ok=false for anything else, and encoding/json
// then decodes the event (and explains what is wrong). Strings are substrings
// of s, so a batch costs one allocation per map, not one per field.
// FuzzFastEvent checks that whatever it accepts, encoding/json decodes alike.
func fastEvent(s string, p int) (ev noctuary.ContextEvent, end int, ok bool) {
	f := fastParser{s: s, p: p}
	if !f.take('{') {
		return ev, 0, false
	}
	if f.space(); f.take('}') {
		return ev, f.p, true
	}
	var seen uint16
	for {
		key, ok := f.str()
		if !ok {
			return ev, 0, false
		}
		f.space()
		if !f.take(':') {
			return ev, 0, false
		}
		f.space()
		bit, ok := f.field(&ev, key)
		if !ok || seen&bit != 0 {
			return ev, 0, false
		}
		seen |= bit
		f.space()
		switch {
		case f.take(','):
			f.space()
		case f.take('}'):
			return ev, f.p, true
		default:
			return ev, 0, false
		}
	}
}

type fastParser struct {
	s string
	p int
}

// field parses the value of key into ev and returns the key's bit.
func (f *fastParser) field(ev *noctuary.ContextEvent, key string) (uint16, bool) {
	switch key {
	case "id":
		return 1 << 0, f.strField(&ev.ID)
	case "service":
		return 1 << 1, f.strField(&ev.Service)
	case "kind":
		return 1 << 2, f.strField(&ev.Kind)
	case "source":
		return 1 << 3, f.strField(&ev.Source)
	case "summary":
		return 1 << 4, f.strField(&ev.Summary)
	case "link":
		return 1 << 5, f.strField(&ev.Link)
	case "occurred_at":
		return 1 << 6, f.timeField(&ev.OccurredAt)
	case "attributes":
		return 1 << 7, f.attributes(&ev.Attributes)
	}
	return 0, false
}

func (f *fastParser) space() {
	for f.p < len(f.s) {
		switch f.s[f.p] {
		case ' ', '\t', '\r', '\n':
			f.p++
		default:
			return
		}
	}
}

// take consumes c if it is the next byte.
func (f *fastParser) take(c byte) bool {
	if f.p < len(f.s) && f.s[f.p] == c {
		f.p++
		return true
	}
	return false
}

// null consumes the literal null.
func (f *fastParser) null() bool {
	if strings.HasPrefix(f.s[f.p:], "null") {
		f.p += 4
		return true
	}
	return false
}

// str parses a string without escapes or control characters, valid UTF-8.
func (f *fastParser) str() (string, bool) {
	if !f.take('"') {
		return "", false
	}
	start, ascii := f.p, true
	for ; f.p < len(f.s); f.p++ {
		switch c := f.s[f.p]; {
		case c == '"':
			v := f.s[start:f.p]
			f.p++
			return v, ascii || utf8.ValidString(v)
		case c == '\\' || c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", false
}

// strField parses a string or null (which leaves dst as is, like encoding/json).
func (f *fastParser) strField(dst *string) bool {
	if f.null() {
		return true
	}
	v, ok := f.str()
	*dst = v
	return ok
}

func (f *fastParser) timeField(dst *time.Time) bool {
	if f.null() {
		return true
	}
	v, ok := f.str()
	if !ok {
		return false
	}
	t, err := time.Parse(time.RFC3339, v)
	*dst = t
	return err == nil
}

// attributes parses null or an object whose values are strings or null ("").
func (f *fastParser) attributes(dst *map[string]string) bool {
	if f.null() {
		return true
	}
	if !f.take('{') {
		return false
	}
	m := make(map[string]string, 4)
	*dst = m
	if f.space(); f.take('}') {
		return true
	}
	for {
		k, ok := f.str()
		if f.space(); !ok || !f.take(':') {
			return false
		}
		f.space()
		var v string
		if !f.strField(&v) {
			return false
		}
		m[k] = v
		f.space()
		switch {
		case f.take(','):
			f.space()
		case f.take('}'):
			return true
		default:
			return false
		}
	}
}
