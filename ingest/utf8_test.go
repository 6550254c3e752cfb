package ingest

import (
	"strings"
	"testing"
)

// TestDecodeEventsRefusesInvalidUTF8: a byte sequence that is not UTF-8 in any
// field is refused with a sentence naming the field, at the event's index,
// instead of being stored as U+FFFD.
func TestDecodeEventsRefusesInvalidUTF8(t *testing.T) {
	const head = `{"service":"s","kind":"k","source":"x","occurred_at":"2026-11-23T02:10:41Z"`
	tests := []struct {
		name, body, want string
	}{
		{"summary", head + `,"summary":"bad ` + "\xff" + `"}`, "summary is not valid UTF-8"},
		{"kind", `{"service":"s","kind":"dep` + "\xc3" + `loy","source":"x","occurred_at":"2026-11-23T02:10:41Z"}`, "kind is not valid UTF-8"},
		{"id with another case", head + `,"ID":"` + "\xed\xa0\x80" + `"}`, "id is not valid UTF-8"},
		{"attribute value", head + `,"attributes":{"sha":"a4` + "\xfe" + `"}}`, `attribute "sha" is not valid UTF-8`},
		{"attribute key", head + `,"attributes":{"s` + "\x80" + `":"a"}}`, "an attribute key is not valid UTF-8"},
		{"escaped field", head + `,"summary":"a\"` + "\xff" + `"}`, "summary is not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := decodeEvents(goodEvent+"\n"+tt.body, true, decodeNow, 0)
			if err != nil {
				t.Fatalf("body error %v; want a problem of event 1", err)
			}
			if len(b.problems) != 1 || b.problems[0].Index != 1 || !strings.Contains(b.problems[0].Error, tt.want) {
				t.Fatalf("problems = %+v, want event 1: %q", b.problems, tt.want)
			}
		})
	}
}
