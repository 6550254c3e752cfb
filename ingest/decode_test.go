package ingest

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/noctuary/noctuary"
)

var decodeNow = time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)

const goodEvent = `{"id":"argo-7781","service":"checkout","kind":"deploy","source":"argocd","occurred_at":"2026-11-23T02:10:41Z","summary":"checkout rolled out sha=a4f2c1","attributes":{"sha":"a4f2c1","previous_sha":"f8b3e22"},"link":"https://argocd.example/applications/checkout"}`

func TestDecodeEvents(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		ndjson   bool
		events   int
		problems map[int]string // index -> part of the sentence
		err      string         // code of the body's error
	}{
		{name: "object", body: goodEvent, events: 1},
		{name: "object with whitespace", body: "\n\t " + goodEvent + "\n", events: 1},
		{name: "array", body: "[" + goodEvent + "," + goodEvent + "]", events: 2},
		{name: "ndjson", body: goodEvent + "\n\n" + goodEvent + "\n", ndjson: true, events: 2},
		{name: "objects without ndjson header", body: goodEvent + "\n" + goodEvent, events: 2},
		{name: "fractional seconds and offset", body: `{"service":"s","kind":"k","source":"x","occurred_at":"2026-11-23T03:10:41.123+01:00"}`, events: 1},
		{name: "escaped timestamp", body: `{"service":"s","kind":"k","source":"x","occurred_at":"2026-11-23T02:10:41\u005a"}`, events: 1},
		{name: "null attribute", body: `{"service":"s","kind":"k","source":"x","occurred_at":"2026-11-23T02:10:41Z","attributes":{"a":null}}`, events: 1},
		{name: "null attributes", body: `{"service":"s","kind":"k","source":"x","occurred_at":"2026-11-23T02:10:41Z","attributes":null}`, events: 1},
		{name: "empty", body: "", err: noctuary.EInvalid},
		{name: "empty array", body: "[]", err: noctuary.EInvalid},
		{name: "array in ndjson", body: "[" + goodEvent + "]", ndjson: true, events: 1, problems: map[int]string{0: "must be a JSON object, not an array"}},
		{name: "missing fields", body: `{}`, events: 1, problems: map[int]string{0: "service is required"}},
		{name: "bad service key", body: `{"service":"check out","kind":"k","source":"x","occurred_at":"2026-11-23T02:10:41Z"}`, events: 1, problems: map[int]string{0: "may hold only"}},
		{name: "occurred_at missing", body: `{"service":"s","kind":"k","source":"x"}`, events: 1, problems: map[int]string{0: "occurred_at is required"}},
		{name: "occurred_at null", body: `{"service":"s","kind":"k","source":"x","occurred_at":null}`, events: 1, problems: map[int]string{0: "occurred_at is required"}},
		{name: "occurred_at a number", body: `{"service":"s","kind":"k","source":"x","occurred_at":1700000000}`, events: 1, problems: map[int]string{0: "RFC 3339"}},
		{name: "occurred_at not RFC 3339", body: `{"service":"s","kind":"k","source":"x","occurred_at":"2026-11-23 02:10:41"}`, events: 1, problems: map[int]string{0: "RFC 3339"}},
		{name: "occurred_at in the future", body: `{"service":"s","kind":"k","source":"x","occurred_at":"2026-11-25T02:10:41Z"}`, events: 1, problems: map[int]string{0: "in the future"}},
		{name: "attribute bool", body: `{"service":"s","kind":"k","source":"x","occurred_at":"2026-11-23T02:10:41Z","attributes":{"ok":"y","canary":true}}`, events: 1, problems: map[int]string{0: `attribute "canary" must be a string, not a boolean`}},
		{name: "attribute array", body: `{"service":"s","kind":"k","source":"x","occurred_at":"2026-11-23T02:10:41Z","attributes":{"pods":["a"]}}`, events: 1, problems: map[int]string{0: `attribute "pods" must be a string, not an array`}},
		{name: "attributes a list", body: `{"service":"s","kind":"k","source":"x","occurred_at":"2026-11-23T02:10:41Z","attributes":["a"]}`, events: 1, problems: map[int]string{0: "attributes must be an object of string values, not an array"}},
		{name: "kind a bool", body: `{"service":"s","kind":true,"source":"x","occurred_at":"2026-11-23T02:10:41Z"}`, events: 1, problems: map[int]string{0: "kind must be a string, not a bool"}},
		{name: "unknown field", body: `{"service":"s","kind":"k","source":"x","occurred_at":"2026-11-23T02:10:41Z","sevrity":"high"}`, events: 1, problems: map[int]string{0: `unknown field "sevrity"`}},
		{name: "link not http", body: `{"service":"s","kind":"k","source":"x","occurred_at":"2026-11-23T02:10:41Z","link":"ftp://x"}`, events: 1, problems: map[int]string{0: "link must be"}},
		{name: "numbers in an array", body: `[1, ` + goodEvent + `, "x"]`, events: 3, problems: map[int]string{0: "not a number", 2: "not a string"}},
		{name: "ndjson bad line", body: goodEvent + "\n" + `{"service":5}` + "\n" + goodEvent, ndjson: true, events: 3, problems: map[int]string{1: "service must be a string"}},
		{name: "syntax error", body: goodEvent + "\n{oops}", err: noctuary.EInvalid, problems: map[int]string{1: "not valid JSON"}},
		{name: "truncated array", body: "[" + goodEvent + ",", err: noctuary.EInvalid, problems: map[int]string{1: "ends in the middle of event 1"}},
		{name: "unterminated array", body: "[", err: noctuary.EInvalid, problems: map[int]string{0: "ends in the middle of event 0"}},
		{name: "array without commas", body: "[" + goodEvent + " " + goodEvent + "]", err: noctuary.EInvalid},
		{name: "trailing comma", body: "[" + goodEvent + ",]", err: noctuary.EInvalid, problems: map[int]string{1: "not valid JSON"}},
		{name: "case-insensitive key", body: `{"Service":"s","kind":"k","source":"x","occurred_at":"2026-11-23T02:10:41Z"}`, events: 1},
		{name: "escaped summary", body: `{"service":"s","kind":"k","source":"x","occurred_at":"2026-11-23T02:10:41Z","summary":"a\"b"}`, events: 1},
		{name: "repeated field", body: `{"service":"s","kind":"k","source":"x","occurred_at":"2026-11-23T02:10:41Z","kind":"deploy"}`, events: 1},
		{name: "truncated object", body: goodEvent[:40], err: noctuary.EInvalid, problems: map[int]string{0: "ends in the middle of event 0"}},
		{name: "data after the array", body: "[" + goodEvent + "] 1", err: noctuary.EInvalid},
		{name: "two arrays", body: "[" + goodEvent + "][" + goodEvent + "]", err: noctuary.EInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := decodeEvents(tt.body, tt.ndjson, decodeNow, 0)
			if code := noctuary.ErrorCode(err); code != tt.err {
				t.Fatalf("error = %v (code %q), want code %q", err, code, tt.err)
			}
			if tt.err == "" && len(b.events) != tt.events {
				t.Fatalf("%d events, want %d", len(b.events), tt.events)
			}
			if len(b.problems) != len(tt.problems) {
				t.Fatalf("problems = %+v, want %v", b.problems, tt.problems)
			}
			for _, p := range b.problems {
				if want, ok := tt.problems[p.Index]; !ok || !strings.Contains(p.Error, want) {
					t.Errorf("problem %d = %q, want it to contain %q", p.Index, p.Error, want)
				}
			}
		})
	}
}

func TestDecodeEventsFields(t *testing.T) {
	b, err := decodeEvents(goodEvent, false, decodeNow, 0)
	if err != nil || len(b.problems) > 0 {
		t.Fatalf("decoding: %v %+v", err, b.problems)
	}
	want := noctuary.ContextEvent{
		ID: "argo-7781", Service: "checkout", Kind: "deploy", Source: "argocd",
		OccurredAt: time.Date(2026, 11, 23, 2, 10, 41, 0, time.UTC), Summary: "checkout rolled out sha=a4f2c1",
		Attributes: map[string]string{"sha": "a4f2c1", "previous_sha": "f8b3e22"},
		Link:       "https://argocd.example/applications/checkout",
	}
	got := b.events[0]
	if got.ID != want.ID || got.Service != want.Service || got.Kind != want.Kind || got.Source != want.Source ||
		!got.OccurredAt.Equal(want.OccurredAt) || got.Summary != want.Summary || got.Link != want.Link ||
		len(got.Attributes) != 2 || got.Attributes["previous_sha"] != "f8b3e22" {
		t.Fatalf("event = %+v, want %+v", got, want)
	}
}

func TestDecodeEventsCount(t *testing.T) {
	line := `{"service":"s","kind":"k","source":"x","occurred_at":"2026-11-23T02:10:41Z"}` + "\n"
	b, err := decodeEvents(strings.Repeat(line, MaxBatchEvents), true, decodeNow, 0)
	if err != nil || len(b.events) != MaxBatchEvents {
		t.Fatalf("%d events: %v", len(b.events), err)
	}
	_, err = decodeEvents("["+strings.Repeat(strings.TrimSpace(line)+",", MaxBatchEvents)+strings.TrimSpace(line)+"]", false, decodeNow, 0)
	if noctuary.ErrorCode(err) != noctuary.ETooLarge {
		t.Fatalf("error = %v, want too_large", err)
	}
}

func TestLooksLikePagerDutyID(t *testing.T) {
	for s, want := range map[string]bool{
		"PABC123": true, "P1": true, "checkout": false, "PABC-123": false, "1ABC": false, "P": false, "Pabc": false, "": false,
	} {
		if got := looksLikePagerDutyID(s); got != want {
			t.Errorf("looksLikePagerDutyID(%q) = %v, want %v", s, got, want)
		}
	}
}

// FuzzDecodeEvents feeds arbitrary bodies to the events decoder; the seed
// corpus (object, array, NDJSON, bad items, invalid UTF-8) is in
// testdata/fuzz. Whatever it accepts is valid UTF-8 and validates.
func FuzzDecodeEvents(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte, ndjson bool) {
		b, err := decodeEvents(string(body), ndjson, decodeNow, 0)
		if err != nil {
			if noctuary.ErrorMessage(err) == "" || noctuary.ErrorCode(err) == noctuary.EInternal {
				t.Fatalf("error without a code or sentence: %v", err)
			}
			return
		}
		if len(b.events) == 0 || len(b.events) > MaxBatchEvents {
			t.Fatalf("%d events decoded without an error", len(b.events))
		}
		for _, p := range b.problems {
			if p.Index < 0 || p.Index >= len(b.events) || p.Error == "" {
				t.Fatalf("bad problem %+v of %d events", p, len(b.events))
			}
		}
		if len(b.problems) > 0 {
			return
		}
		if !utf8.Valid(body) {
			t.Fatalf("a body that is not UTF-8 was accepted: %q", body)
		}
		for i := range b.events {
			if err := b.events[i].Validate(decodeNow); err != nil {
				t.Fatalf("event %d was accepted but does not validate: %v", i, err)
			}
		}
	})
}
