package noctuary

import (
	"encoding/json"
	"maps"
	"reflect"
	"strings"
	"testing"
)

// FuzzEventScanner checks the scanner against encoding/json: whatever Event
// accepts, encoding/json decodes to the same ContextEvent, ending at the same
// byte. Seeds are in testdata/fuzz/FuzzEventScanner.
func FuzzEventScanner(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		sc := EventScanner{Text: s}
		fast, ok := sc.Event()
		if !ok {
			if sc.Pos != 0 {
				t.Fatalf("declined but moved to %d", sc.Pos)
			}
			return
		}
		dec := json.NewDecoder(strings.NewReader(s))
		dec.DisallowUnknownFields()
		var slow ContextEvent
		if err := dec.Decode(&slow); err != nil {
			t.Fatalf("scanner accepted %q; encoding/json says %v", s[:sc.Pos], err)
		}
		if int(dec.InputOffset()) != sc.Pos {
			t.Fatalf("scanner ends at %d, encoding/json at %d", sc.Pos, dec.InputOffset())
		}
		if !sameEvent(fast, slow) {
			t.Fatalf("scanner %+v, encoding/json %+v", fast, slow)
		}
	})
}

// sameEvent compares events as decoded: times by instant and zone name,
// attributes by content and nil-ness.
func sameEvent(a, b ContextEvent) bool {
	if !a.OccurredAt.Equal(b.OccurredAt) || a.OccurredAt.Location().String() != b.OccurredAt.Location().String() {
		return false
	}
	if !maps.Equal(a.Attributes, b.Attributes) || (a.Attributes == nil) != (b.Attributes == nil) {
		return false
	}
	a.OccurredAt, a.Attributes, b.Attributes = b.OccurredAt, nil, nil
	return reflect.DeepEqual(a, b)
}

func TestEventScannerDeclines(t *testing.T) {
	for _, s := range []string{
		``, `[]`, `{`, `{"service":"a"`, `{"Service":"a"}`, `{"service":"a\"b"}`, `{"service":1}`,
		`{"service":"a","service":"b"}`, `{"occurred_at":"yesterday"}`, `{"attributes":{"a":1}}`,
		`{"attributes":[]}`, `{"service":"` + "\xff" + `"}`, `{"extra":"x"}`, `{"service":nul}`,
		`{"service":"a",}`, `{"service":"a" "kind":"b"}`, "{\"service\":\"a\tb\"}",
	} {
		sc := EventScanner{Text: s}
		if _, ok := sc.Event(); ok || sc.Pos != 0 {
			t.Errorf("Event accepted %q (pos %d)", s, sc.Pos)
		}
	}
}

func TestEventScannerArray(t *testing.T) {
	ev := `{"service":"a","kind":"k","source":"s","occurred_at":"2026-11-23T02:10:41Z"}`
	for s, want := range map[string]int{
		`[]`: 0, `[ ]`: 0, `[` + ev + `]`: 1, `[ ` + ev + ` , ` + ev + ` ]`: 2,
		`[`: -1, `[` + ev: -1, `[` + ev + `,]`: -1, `[` + ev + ` ` + ev + `]`: -1, `{}`: -1,
		`[{"service":"a\nb"}]`: -1,
	} {
		sc := EventScanner{Text: s}
		got, ok := sc.Array(nil)
		switch {
		case want < 0 && (ok || got != nil || sc.Pos != 0):
			t.Errorf("Array accepted %q: %d events, pos %d", s, len(got), sc.Pos)
		case want >= 0 && (!ok || len(got) != want || sc.Pos != len(s)):
			t.Errorf("Array(%q) = %d events, %v, pos %d; want %d", s, len(got), ok, sc.Pos, want)
		}
	}
}
