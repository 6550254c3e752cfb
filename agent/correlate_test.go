package agent

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

func ids(c Correlation) []string {
	var out []string
	for _, s := range c.Signals {
		out = append(out, s.Event.ID)
	}
	return out
}

func TestCorrelateSeed(t *testing.T) {
	c := Correlate(seedIncident(), seedOnset, seedEvents(), CorrelateOptions{})
	if got, want := ids(c), []string{"argo-7781", "k8s-1", "pg-1"}; !slices.Equal(got, want) {
		t.Fatalf("ranking = %v, want %v", got, want)
	}
	if !c.From.Equal(at("01:44:50")) || !c.To.Equal(at("02:19:50")) || c.Window() != DefaultWindow {
		t.Errorf("window = [%s, %s]", c.From, c.To)
	}
	top := c.Signals[0]
	if top.Class != noctuary.ClassChange || top.Score < 0.9 {
		t.Errorf("top = %+v", top)
	}
	want := []string{"change before onset +0.48", "4m9s before onset +0.22", "followed by 2 failure signal(s) +0.24"}
	if !slices.Equal(top.Reasons, want) {
		t.Errorf("reasons = %q, want %q", top.Reasons, want)
	}
}

func TestCorrelate(t *testing.T) {
	deploy := func(id, hms, summary string) noctuary.ContextEvent {
		return event(id, "checkout", "deploy", "argocd", hms, summary, nil)
	}
	tests := []struct {
		name   string
		title  string
		events []noctuary.ContextEvent
		want   []string
	}{
		{"recent deploy beats older config change", "checkout 5xx", []noctuary.ContextEvent{
			event("cfg", "checkout", "config_change", "consul", "01:49:50", "payment timeout 5s", nil),
			deploy("dep", "02:12:50", "checkout rolled out sha=1"),
		}, []string{"dep", "cfg"}},
		{"information ranks below changes and failures", "checkout 5xx", []noctuary.ContextEvent{
			event("info", "checkout", "heartbeat", "cron", "02:14:49", "nightly report", nil),
			event("oom", "checkout", "OOMKilled", "kubernetes", "02:14:00", "", nil),
			deploy("dep", "01:50:00", "rolled out"),
		}, []string{"dep", "oom", "info"}},
		{"outside the window is excluded", "checkout 5xx", []noctuary.ContextEvent{
			deploy("early", "01:44:49", "too early"),
			deploy("first", "01:44:50", "window start"),
			deploy("last", "02:19:50", "window end"),
			deploy("late", "02:19:51", "too late"),
		}, []string{"first", "last"}},
		{"change after onset ranks below failures", "checkout 5xx", []noctuary.ContextEvent{
			deploy("after", "02:15:00", "hotfix"),
			event("err", "checkout", "error_rate", "prometheus", "02:10:00", "", nil),
		}, []string{"err", "after"}},
		{"symptom match decides between two deploys", "checkout 5xx rate high", []noctuary.ContextEvent{
			deploy("css", "02:10:00", "checkout sha=c55 restyle buttons"),
			deploy("pgx", "02:10:00", "checkout sha=d06 bump pgx pool for orders"),
			event("dl", "postgres-main", "deadlock", "postgres", "02:13:00", "deadlock on relation orders (pgx pool)", nil),
		}, []string{"pgx", "css", "dl"}},
		{"failures after a change boost it", "checkout 5xx", []noctuary.ContextEvent{
			deploy("quiet", "02:12:00", "rolled out sha=1"),
			deploy("noisy", "02:05:00", "rolled out sha=2"),
			event("e1", "checkout", "CrashLoopBackOff", "kubernetes", "02:06:00", "", nil),
			event("e2", "checkout", "5xx", "envoy", "02:07:00", "", nil),
		}, []string{"noisy", "quiet", "e2", "e1"}},
		{"ties are broken by time then fields", "", []noctuary.ContextEvent{
			event("b", "checkout", "note", "x", "02:00:00", "", nil),
			event("a", "checkout", "note", "x", "02:00:00", "", nil),
		}, []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := noctuary.Incident{Title: tt.title}
			got := ids(Correlate(inc, seedOnset, tt.events, CorrelateOptions{}))
			if !slices.Equal(got, tt.want) {
				t.Errorf("ranking = %v, want %v", got, tt.want)
			}
			rev := slices.Clone(tt.events)
			slices.Reverse(rev)
			if again := ids(Correlate(inc, seedOnset, rev, CorrelateOptions{})); !slices.Equal(again, got) {
				t.Errorf("ranking depends on input order: %v vs %v", again, got)
			}
		})
	}
}

func TestCorrelateSymptomReason(t *testing.T) {
	evs := []noctuary.ContextEvent{
		event("dep", "checkout", "deploy", "argocd", "02:10:00", "checkout: bump pgx pool", map[string]string{"component": "orders-db"}),
		event("dl", "postgres-main", "deadlock", "postgres", "02:13:00", "deadlock in pgx", map[string]string{"table": "orders"}),
	}
	c := Correlate(noctuary.Incident{Title: "checkout orders failing"}, seedOnset, evs, CorrelateOptions{})
	reasons := strings.Join(c.Signals[0].Reasons, "; ")
	if !strings.Contains(reasons, "symptom match (orders, pgx) +0.10") {
		t.Errorf("reasons = %s", reasons)
	}
}

func TestCorrelateOptions(t *testing.T) {
	evs := []noctuary.ContextEvent{event("old", "checkout", "deploy", "argocd", "01:30:00", "", nil)}
	if c := Correlate(noctuary.Incident{}, seedOnset, evs, CorrelateOptions{}); len(c.Signals) != 0 {
		t.Errorf("default window kept %v", ids(c))
	}
	c := Correlate(noctuary.Incident{}, seedOnset, evs, CorrelateOptions{Window: time.Hour, After: time.Minute})
	if len(c.Signals) != 1 || !c.To.Equal(seedOnset.Add(time.Minute)) {
		t.Errorf("45m window: %v to %s", ids(c), c.To)
	}
}
