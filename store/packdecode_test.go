package store

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// FuzzAppendPack checks the pack decoder against encoding/json: for any
// member, appendPack returns what encoding/json decodes from its JSON array,
// or an error when encoding/json has one. Seeds are in
// testdata/fuzz/FuzzAppendPack.
func FuzzAppendPack(f *testing.F) {
	f.Fuzz(func(t *testing.T, pack string) {
		got, err := appendPack(nil, pack)
		var want []noctuary.ContextEvent
		werr := json.Unmarshal([]byte(pack[max(strings.IndexByte(pack, '['), 0):]), &want)
		if (err == nil) != (werr == nil) {
			t.Fatalf("appendPack error %v; encoding/json error %v", err, werr)
		}
		if err != nil {
			return
		}
		if len(got) != len(want) {
			t.Fatalf("appendPack: %d events; encoding/json: %d", len(got), len(want))
		}
		for i := range got {
			if !sameEvent(t, got[i], want[i]) {
				t.Fatalf("event %d: appendPack %+v; encoding/json %+v", i, got[i], want[i])
			}
		}
	})
}

// sameEvent compares events by their stored encoding.
func sameEvent(t *testing.T, a, b noctuary.ContextEvent) bool {
	ja, erra := appendEvent(nil, &a)
	jb, errb := appendEvent(nil, &b)
	if erra != nil || errb != nil {
		t.Fatalf("cannot encode: %v, %v", erra, errb)
	}
	return string(ja) == string(jb)
}

// TestAppendPackRoundTrip decodes what appendEvent encodes, through the
// scanner or, when a string needed escaping, encoding/json.
func TestAppendPackRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 23, 2, 10, 41, 123456789, time.UTC)
	evs := []noctuary.ContextEvent{
		{ID: "argo-7781", Service: "checkout", Kind: "deploy", Source: "argocd", OccurredAt: at, Summary: "rolled out",
			Attributes: map[string]string{"sha": "a4f2c1", "é": "ü"}, Link: "https://argocd.example/a?b=c&d"},
		{Service: "checkout", Kind: "oom", Source: "k8s", OccurredAt: at.Add(time.Second)},
		{Service: "checkout", Kind: "deploy", Source: "argocd", OccurredAt: at, Summary: `rolled "out"` + "\n"},
	}
	for name, pack := range map[string][]noctuary.ContextEvent{"plain": evs[:2], "escaped": evs} {
		t.Run(name, func(t *testing.T) {
			member := []byte("k3x[")
			for i := range pack {
				if i > 0 {
					member = append(member, ',')
				}
				var err error
				if member, err = appendEvent(member, &pack[i]); err != nil {
					t.Fatal(err)
				}
			}
			got, err := appendPack(nil, string(append(member, ']')))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(pack) {
				t.Fatalf("got %d events, want %d", len(got), len(pack))
			}
			for i := range got {
				if !sameEvent(t, got[i], pack[i]) {
					t.Errorf("event %d: got %+v, want %+v", i, got[i], pack[i])
				}
			}
		})
	}
}

func TestSortByTime(t *testing.T) {
	base := time.Now()
	var evs []noctuary.ContextEvent
	for i, d := range []time.Duration{5, -3, 5, 0, time.Hour, -time.Hour, 1, 2} {
		evs = append(evs, noctuary.ContextEvent{ID: string(rune('a' + i)), OccurredAt: base.Add(d)})
	}
	got := sortByTime(slices.Clone(evs))
	if len(got) != len(evs) || !slices.IsSortedFunc(got, func(a, b noctuary.ContextEvent) int { return a.OccurredAt.Compare(b.OccurredAt) }) {
		t.Fatalf("not sorted: %v", got)
	}
	ids := func(evs []noctuary.ContextEvent) []string {
		var out []string
		for _, ev := range evs {
			out = append(out, ev.ID)
		}
		return slices.Sorted(slices.Values(out))
	}
	if !slices.Equal(ids(got), ids(evs)) {
		t.Errorf("events changed: %v, want %v", ids(got), ids(evs))
	}
}
