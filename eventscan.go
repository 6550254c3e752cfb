package noctuary

import (
	"strings"
	"time"
	"unicode/utf8"
)

// EventScanner reads ContextEvents in their common JSON shape from Text,
// starting at byte Pos: objects of the known fields, each given once with its
// exact name, whose strings hold no escape sequence and are valid UTF-8, and
// whose occurred_at is an RFC 3339 string that time.Time's UnmarshalJSON
// accepts. It declines (ok=false) anything else, for encoding/json to decode
// and explain. Strings are substrings of Text, so an event costs one
// allocation per attributes map, not one per field. Ingest decodes request
// bodies with it and the store its stored packs; FuzzEventScanner checks that
// whatever it accepts, encoding/json decodes alike.
type EventScanner struct {
	Text string
	Pos  int
}

// Event parses the event at Pos and moves Pos past it; when it declines,
// Pos is left where it was.
func (f *EventScanner) Event() (ev ContextEvent, ok bool) {
	start := f.Pos
	if ok = f.event(&ev); !ok {
		f.Pos = start
	}
	return ev, ok
}

// Array appends to dst the events of the JSON array at Pos and moves Pos
// past it; when it declines any of them, it returns ok=false and dst as
// given.
func (f *EventScanner) Array(dst []ContextEvent) (out []ContextEvent, ok bool) {
	start, out := f.Pos, dst
	defer func() {
		if !ok {
			f.Pos, out = start, dst
		}
	}()
	if !f.Take('[') {
		return out, false
	}
	if f.Space(); f.Take(']') {
		return out, true
	}
	for {
		ev, ok := f.Event()
		if !ok {
			return out, false
		}
		out = append(out, ev)
		f.Space()
		switch {
		case f.Take(']'):
			return out, true
		case !f.Take(','):
			return out, false
		}
		f.Space()
	}
}

func (f *EventScanner) event(ev *ContextEvent) bool {
	var seen uint16
	return f.object(func(key string) bool {
		bit, ok := f.field(ev, key)
		seen, ok = seen|bit, ok && seen&bit == 0
		return ok
	})
}

// object parses a JSON object whose keys are strings without escapes,
// calling value with each key when Pos is at its value; value parses it.
func (f *EventScanner) object(value func(key string) bool) bool {
	if !f.Take('{') {
		return false
	}
	if f.Space(); f.Take('}') {
		return true
	}
	for {
		key, ok := f.str()
		if f.Space(); !ok || !f.Take(':') {
			return false
		}
		if f.Space(); !value(key) {
			return false
		}
		f.Space()
		switch {
		case f.Take(','):
			f.Space()
		case f.Take('}'):
			return true
		default:
			return false
		}
	}
}

// field parses the value of key into ev and returns the key's bit.
func (f *EventScanner) field(ev *ContextEvent, key string) (uint16, bool) {
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

// Space skips JSON whitespace.
func (f *EventScanner) Space() {
	for f.Pos < len(f.Text) {
		switch f.Text[f.Pos] {
		case ' ', '\t', '\r', '\n':
			f.Pos++
		default:
			return
		}
	}
}

// Take consumes c if it is the next byte.
func (f *EventScanner) Take(c byte) bool {
	if f.Pos < len(f.Text) && f.Text[f.Pos] == c {
		f.Pos++
		return true
	}
	return false
}

// null consumes the literal null.
func (f *EventScanner) null() bool {
	if strings.HasPrefix(f.Text[f.Pos:], "null") {
		f.Pos += 4
		return true
	}
	return false
}

// str parses a string without escapes or control characters, valid UTF-8.
func (f *EventScanner) str() (string, bool) {
	if !f.Take('"') {
		return "", false
	}
	start, ascii := f.Pos, true
	for ; f.Pos < len(f.Text); f.Pos++ {
		switch c := f.Text[f.Pos]; {
		case c == '"':
			v := f.Text[start:f.Pos]
			f.Pos++
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
func (f *EventScanner) strField(dst *string) bool {
	if f.null() {
		return true
	}
	v, ok := f.str()
	*dst = v
	return ok
}

// timeField parses null or a time as time.Time's UnmarshalJSON does (RFC
// 3339, strictly).
func (f *EventScanner) timeField(dst *time.Time) bool {
	if f.null() {
		return true
	}
	v, ok := f.str()
	return ok && dst.UnmarshalText([]byte(v)) == nil
}

// attributes parses null or an object whose values are strings or null ("").
func (f *EventScanner) attributes(dst *map[string]string) bool {
	if f.null() {
		return true
	}
	m := make(map[string]string, 4)
	*dst = m
	return f.object(func(key string) bool {
		var v string
		ok := f.strField(&v)
		m[key] = v
		return ok
	})
}
