package noctuary

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// denseSignals is a ranked window of n signals (highest score first) over
// the 30 minutes before onset, of 3 classes, 7 kinds, 4 sources and 2
// services, with realistic text.
func denseSignals(n int, onset time.Time) []Signal {
	kinds := []string{"deploy", "OOMKilled", "deadlock", "config_change", "scale", "HighLatency", "note"}
	classes := []Class{ClassChange, ClassFailure, ClassFailure, ClassChange, ClassChange, ClassFailure, ClassInfo}
	sigs := make([]Signal, n)
	for i := range sigs {
		k := i % len(kinds)
		sigs[i] = Signal{
			Event: ContextEvent{ID: fmt.Sprintf("ev-%05d", i), Service: []string{"checkout", "postgres-main"}[i%2],
				Kind: kinds[k], Source: []string{"argocd", "kubernetes", "postgres", "launchdarkly"}[i%4],
				OccurredAt: onset.Add(-time.Duration(i%1800) * time.Second), Summary: "checkout rolled out sha=a4f2c1 to 12 pods in eu-west-1",
				Attributes: map[string]string{"sha": fmt.Sprintf("%07x", i), "previous_sha": "f8b3e22"},
				Link:       "https://argocd.example/applications/checkout"},
			Class: classes[k], Score: float64(n-i) / float64(n),
			Reasons: []string{"change before onset +0.48", "near onset +0.21", "followed by 3 failure signal(s) +0.36"},
		}
	}
	return sigs
}

func jsonSize(t *testing.T, v any) int {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return len(b)
}

// TestCompactKeepsWhatIsShown: of a 3,000-signal window, a compacted triage
// keeps the cited and the 10 highest-scoring signals, counts them all, shows
// the same in the note and Slack (TopSignals), stays under 10 KB, and
// compacting again changes nothing.
func TestCompactKeepsWhatIsShown(t *testing.T) {
	onset := time.Now().UTC().Truncate(time.Second)
	full := denseSignals(3000, onset)
	// The hypothesis rests on two low-ranked signals, moved first (as an
	// engine does), then the rest in rank order.
	engine := append([]Signal{full[2500], full[2999]}, full[:2500]...)
	engine = append(engine, full[2501:2999]...)
	tr := Triage{ID: "tr_1", Incident: Incident{ID: "Q1"}, Signals: engine, Cited: 2, Note: strings.Repeat("n", 1700)}

	c := tr.Compact()
	if len(c.Signals) != 12 || c.Cited != 2 || c.Signals[0].Event.ID != "ev-02500" || c.Signals[1].Event.ID != "ev-02999" {
		t.Fatalf("kept %d signals (cited %d) starting %v; want the 2 cited then the 10 highest-scoring", len(c.Signals), c.Cited, c.Signals[0].Event.ID)
	}
	for _, n := range []int{8, 10} {
		if got, want := TopSignals(c.Signals, n), TopSignals(engine, n); !reflect.DeepEqual(got, want) {
			t.Errorf("TopSignals(%d) differs after compaction:\n got %v\nwant %v", n, ids(got), ids(want))
		}
	}
	w := c.Window
	if w == nil || w.Signals != 3000 || c.SignalTotal() != 3000 || w.ByClass[ClassFailure] != 3*3000/7+1 {
		t.Errorf("counts = %+v, want 3000 signals of which 1286 failures", w)
	}
	if len(w.Kinds) != MaxCountedNames || w.Kinds[0] != (NameCount{"OOMKilled", 429}) || len(w.Services) != 2 || len(w.Sources) != 4 {
		t.Errorf("kinds %v sources %v services %v", w.Kinds, w.Sources, w.Services)
	}
	n := jsonSize(t, c)
	t.Logf("3,000 signals: %d bytes of JSON", n)
	if n > 10_000 {
		t.Errorf("compacted triage is %d bytes of JSON, want ≤ 10,000", n)
	}
	if again := c.Compact(); !reflect.DeepEqual(again, c) {
		t.Errorf("compacting twice changed the triage")
	}
}

func ids(sigs []Signal) []string {
	var out []string
	for _, s := range sigs {
		out = append(out, s.Event.ID)
	}
	return out
}

// TestCompactBoundsUntrustedText: every untrusted string that is stored is
// bounded and marked where cut; whatever each event holds (every field at
// its ingest limit), the stored triage stays under 10 KB.
func TestCompactBoundsUntrustedText(t *testing.T) {
	big := func(i int) Signal {
		attrs := map[string]string{}
		for a := range MaxAttributes {
			attrs[fmt.Sprintf("%02d%s", a, strings.Repeat("k", MaxAttributeKeyLen-2))] = strings.Repeat("é", MaxAttributeValueLen/2)
		}
		return Signal{Class: ClassChange, Score: float64(100 - i), Event: ContextEvent{
			ID: fmt.Sprintf("%03d%s", i, strings.Repeat("i", MaxEventIDLen-3)), Service: strings.Repeat("s", MaxServiceKeyLen),
			Kind: strings.Repeat("K", MaxKindLen), Source: strings.Repeat("S", MaxSourceLen), Summary: strings.Repeat("ü", MaxSummaryLen/2),
			Link: "https://x.example/" + strings.Repeat("l", MaxLinkLen-18), Attributes: attrs},
			Reasons: []string{"symptom match (" + strings.Repeat("token, ", 100) + ") +0.15", "a", "b", "c", "d", "e", "f", "g"},
		}
	}
	one := Triage{ID: "tr_2", Incident: Incident{ID: "Q2", Title: strings.Repeat("t", 4000)}, Signals: []Signal{big(0)}, Cited: 1}
	c := one.Compact()
	s := c.Signals[0]
	e := s.Event
	tests := []struct {
		name string
		ok   bool
	}{
		{"summary cut to 400 bytes with the mark", len(e.Summary) <= 400 && strings.HasSuffix(e.Summary, TruncationMark) && strings.HasPrefix(e.Summary, "üüü")},
		{"link dropped", e.Link == ""},
		{"8 attributes kept, cut", len(e.Attributes) == 8 && strings.HasSuffix(e.Attributes["00"+strings.Repeat("k", 62)], TruncationMark)},
		{"6 reasons kept, cut", len(s.Reasons) == 6 && len(s.Reasons[0]) <= 160 && strings.HasSuffix(s.Reasons[0], TruncationMark)},
		{"title cut", len(c.Incident.Title) <= 256 && strings.HasSuffix(c.Incident.Title, TruncationMark)},
		{"Trimmed says what", strings.Contains(strings.Join(s.Trimmed, "; "), "summary cut from 1000 bytes") &&
			strings.Contains(strings.Join(s.Trimmed, "; "), "link of 2048 bytes dropped") &&
			strings.Contains(strings.Join(s.Trimmed, "; "), "8 of 50 attributes kept")},
		{"the ID is kept whole", e.ID == one.Signals[0].Event.ID},
	}
	for _, tt := range tests {
		if !tt.ok {
			t.Errorf("%s: got %+v", tt.name, s)
		}
	}
	var bigs, many []Signal
	for i := range 20 {
		bigs = append(bigs, big(i))
	}
	for i := range 500 {
		many = append(many, bigs[i%20])
	}
	worst := Triage{ID: "tr_3", Incident: Incident{ID: "Q3", Title: strings.Repeat("t", 4000)}, Signals: many, Cited: 10,
		Hypothesis: strings.Repeat("h", 400), Recommendation: Recommendation{Text: strings.Repeat("r", 500)}, Note: strings.Repeat("n", 1700)}
	wc := worst.Compact()
	n := jsonSize(t, wc)
	t.Logf("worst case: %d bytes, %d signals kept", n, len(wc.Signals))
	if n > 10_000 || len(wc.Signals) == 0 || wc.SignalTotal() != 500 {
		t.Errorf("worst case: %d bytes of JSON, %d signals kept of %d; want ≤ 10,000 bytes, some kept", n, len(wc.Signals), wc.SignalTotal())
	}
	if !strings.Contains(strings.Join(wc.Signals[0].Trimmed, "; "), "attributes dropped to fit") {
		t.Errorf("over budget, attributes are dropped first and said: %v", wc.Signals[0].Trimmed)
	}
}

// TestCompactOldShape: a triage stored before compaction (every signal, no
// counts, no Cited) decodes, and compacts to the counts of all its signals.
func TestCompactOldShape(t *testing.T) {
	old := Triage{ID: "tr_4", Incident: Incident{ID: "Q4"}, Signals: denseSignals(40, time.Now().UTC())}
	raw, err := json.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), `"window"`) || strings.Contains(string(raw), `"cited"`) {
		t.Fatalf("the old shape has no window or cited: %s", raw[:200])
	}
	var got Triage
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if got.SignalTotal() != 40 {
		t.Errorf("SignalTotal of the old shape = %d, want 40", got.SignalTotal())
	}
	c := got.Compact()
	if c.SignalTotal() != 40 || len(c.Signals) != MaxRankedSignals || c.Signals[0].Event.ID != "ev-00000" {
		t.Errorf("compacted old shape: total %d, %d kept", c.SignalTotal(), len(c.Signals))
	}
	if !reflect.DeepEqual(TopSignals(c.Signals, 8), TopSignals(old.Signals, 8)) {
		t.Errorf("the old shape shows other signals once compacted")
	}
}

// TestTopSignals: the n highest-scoring, in time order; ties in score go to
// the earlier in the list, ties in time keep the list's order.
func TestTopSignals(t *testing.T) {
	at := time.Now().UTC()
	sig := func(id string, score float64, sec int) Signal {
		return Signal{Score: score, Event: ContextEvent{ID: id, OccurredAt: at.Add(time.Duration(sec) * time.Second)}}
	}
	sigs := []Signal{sig("a", 0.9, 30), sig("b", 0.5, 10), sig("c", 0.5, 10), sig("d", 0.5, 5), sig("e", 0.1, 0)}
	tests := []struct {
		n    int
		want string
	}{
		{1, "a"},
		{2, "b a"},
		{3, "b c a"},
		{4, "d b c a"},
		{9, "e d b c a"},
		{0, ""},
	}
	for _, tt := range tests {
		if got := strings.Join(ids(TopSignals(sigs, tt.n)), " "); got != tt.want {
			t.Errorf("TopSignals(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
