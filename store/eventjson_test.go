package store

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// stdJSON is the reference: encoding/json without HTML escaping.
func stdJSON(t testing.TB, ev *noctuary.ContextEvent) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func TestAppendEvent(t *testing.T) {
	at := time.Date(2026, 11, 23, 2, 10, 41, 123456789, time.FixedZone("x", 3600))
	cases := map[string]noctuary.ContextEvent{
		"minimal": {Service: "checkout", Kind: "deploy", Source: "argocd", OccurredAt: at.UTC()},
		"full": {ID: "argo-7781", Service: "checkout", Kind: "deploy", Source: "argocd", OccurredAt: at,
			Summary: `rolled "out" <a&b> \ done`, Link: "https://argocd.example/a?b=c&d",
			Attributes: map[string]string{"sha": "a4f2c1", "previous_sha": "f8b3e22", "": "", "é": "\u2028\u2029"}},
		"controls":        {Service: "s", Kind: "\b\f\n\r\t\x00\x1f\x7f", Source: "s", OccurredAt: at},
		"invalid utf8":    {Service: "s", Kind: "a\xffb\xc3", Source: "\xe2\x80", OccurredAt: at},
		"many attributes": {Service: "s", Kind: "k", Source: "s", OccurredAt: at, Attributes: manyAttributes(40)},
	}
	for name, ev := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := appendEvent(nil, &ev)
			if err != nil {
				t.Fatal(err)
			}
			if want := stdJSON(t, &ev); !bytes.Equal(got, want) {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
	if _, err := appendEvent(nil, &noctuary.ContextEvent{OccurredAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}); err == nil {
		t.Error("a year past 9999 encoded")
	}
}

func manyAttributes(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[string(rune('A'+i))+"k"] = string(rune('a' + i))
	}
	return m
}

// FuzzAppendEvent checks appendEvent against encoding/json on arbitrary
// strings: events come from untrusted sources.
func FuzzAppendEvent(f *testing.F) {
	f.Add("argo-7781", "deploy", `rolled "out" <b>`, "sha", "a4f2c1", int64(1795400000))
	f.Add("", "\x00\xff\u2028", "\\", "", "\xc3", int64(-1))
	f.Fuzz(func(t *testing.T, id, kind, summary, key, value string, sec int64) {
		ev := noctuary.ContextEvent{ID: id, Service: "s", Kind: kind, Source: "src", Summary: summary,
			OccurredAt: time.Unix(sec%253402300799, 0).UTC(), Attributes: map[string]string{key: value}}
		got, err := appendEvent(nil, &ev)
		if err != nil {
			return // out of RFC 3339's range, as for encoding/json
		}
		if want := stdJSON(t, &ev); !bytes.Equal(got, want) {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	})
}
