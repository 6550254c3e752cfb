package eval

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestNaive(t *testing.T) {
	onset := time.Now()
	from := onset.Add(-30 * time.Minute)
	ev := func(id, kind string, at time.Duration) noctuary.ContextEvent {
		return noctuary.ContextEvent{ID: id, Kind: kind, OccurredAt: onset.Add(at)}
	}
	tests := []struct {
		name   string
		events []noctuary.ContextEvent
		want   string
	}{
		{"latest change wins", []noctuary.ContextEvent{ev("a", "deploy", -20*time.Minute), ev("b", "config_change", -5*time.Minute)}, "b"},
		{"failure signals are not changes", []noctuary.ContextEvent{ev("a", "deploy", -20*time.Minute), ev("b", "OOMKilled", -1*time.Minute)}, "a"},
		{"changes after onset do not count", []noctuary.ContextEvent{ev("a", "deploy", -20*time.Minute), ev("b", "deploy", time.Minute)}, "a"},
		{"changes before the window do not count", []noctuary.ContextEvent{ev("a", "deploy", -31*time.Minute)}, NoCause},
		{"same instant: first listed", []noctuary.ContextEvent{ev("a", "deploy", -time.Minute), ev("b", "deploy", -time.Minute)}, "a"},
		{"nothing", nil, NoCause},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := naive(tt.events, onset, from); got != tt.want {
				t.Fatalf("naive = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRunScopeAndHonesty: events of services outside the scope are not
// seen, and a scenario without context is right only as "none".
func TestRunScopeAndHonesty(t *testing.T) {
	src := strings.NewReplacer("service: checkout, kind", "service: mailer, kind", "cause: d1", "cause: none").
		Replace(okScenario)
	sc, err := Parse([]byte(strings.Replace(src, "services: [", "services: [{key: mailer}, ", 1)))
	if err != nil {
		t.Fatal(err)
	}
	o := Run(context.Background(), sc, time.Now()).Outcomes[0]
	if o.Got != NoCause || o.Naive != NoCause || !o.Right() || o.Dishonest {
		t.Fatalf("outcome %+v", o)
	}
}

func TestRunNamesCause(t *testing.T) {
	sc, err := Parse([]byte(okScenario))
	if err != nil {
		t.Fatal(err)
	}
	sc[0].Expect.Mentions = []string{"no-such-word"}
	o := Run(context.Background(), sc, time.Now()).Outcomes[0]
	if o.Got != "d1" || o.Naive != "d1" || o.Right() || len(o.Missing) != 1 {
		t.Fatalf("outcome %+v: want d1 named but the mention missing", o)
	}
}

func TestCalibrationBands(t *testing.T) {
	r := Report{Outcomes: []Outcome{
		{Expected: "a", Got: "a", Confidence: 1},
		{Expected: "a", Got: "b", Confidence: 0.95},
		{Expected: NoCause, Got: NoCause, Confidence: 0.1},
		{Expected: "a", Got: "a", Confidence: 0.6},
	}}
	got := r.Calibration()
	want := []struct{ n, right int }{{1, 1}, {0, 0}, {0, 0}, {1, 1}, {2, 1}}
	for i, w := range want {
		if got[i].N != w.n || got[i].Right != w.right {
			t.Fatalf("band %d = %+v, want n=%d right=%d", i, got[i], w.n, w.right)
		}
	}
	if a := r.Total().Accuracy(); a != 0.75 {
		t.Fatalf("accuracy %v, want 0.75", a)
	}
}
