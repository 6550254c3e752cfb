package ingest

import (
	"encoding/json"
	"maps"
	"reflect"
	"strings"
	"testing"
)

// FuzzFastEvent checks the fast path against encoding/json: whatever
// fastEvent accepts, encoding/json decodes to the same event, ending at the
// same byte. Seeds are in testdata/fuzz/FuzzFastEvent.
func FuzzFastEvent(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		fast, end, ok := fastEvent(s, 0)
		if !ok {
			return
		}
		dec := json.NewDecoder(strings.NewReader(s))
		dec.DisallowUnknownFields()
		var w wireEvent
		if err := dec.Decode(&w); err != nil {
			t.Fatalf("fast path accepted %q; encoding/json says %v", s[:end], err)
		}
		if int(dec.InputOffset()) != end {
			t.Fatalf("fast path ends at %d, encoding/json at %d", end, dec.InputOffset())
		}
		slow := w.event()
		if !fast.OccurredAt.Equal(slow.OccurredAt) || fast.OccurredAt.Location().String() != slow.OccurredAt.Location().String() {
			t.Fatalf("occurred_at: fast %v, slow %v", fast.OccurredAt, slow.OccurredAt)
		}
		fast.OccurredAt = slow.OccurredAt
		attrsEqual := maps.Equal(fast.Attributes, slow.Attributes) && (fast.Attributes == nil) == (slow.Attributes == nil)
		fast.Attributes, slow.Attributes = nil, nil
		if !reflect.DeepEqual(fast, slow) || !attrsEqual {
			t.Fatalf("fast %+v, slow %+v", fast, slow)
		}
	})
}

func TestFastEventDeclines(t *testing.T) {
	for _, s := range []string{
		``, `[]`, `{`, `{"service":"a"`, `{"Service":"a"}`, `{"service":"a\"b"}`, `{"service":1}`,
		`{"service":"a","service":"b"}`, `{"occurred_at":"yesterday"}`, `{"attributes":{"a":1}}`,
		`{"attributes":[]}`, `{"service":"` + "\xff" + `"}`, `{"extra":"x"}`, `{"service":nul}`,
		`{"service":"a",}`, `{"service":"a" "kind":"b"}`, "{\"service\":\"a\tb\"}",
	} {
		if _, _, ok := fastEvent(s, 0); ok {
			t.Errorf("fastEvent accepted %q", s)
		}
	}
}
