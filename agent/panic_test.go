package agent_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/agent"
	"github.com/noctuary/noctuary/pd"
)

// panickingLLM panics on every question, as a bug meeting an odd answer would.
type panickingLLM struct{}

func (panickingLLM) Name() string { return "fake-llm" }

func (panickingLLM) Hypothesize(context.Context, agent.Request) (agent.Result, error) {
	var m map[string]int
	m["boom"]++ // assignment to a nil map
	return agent.Result{}, nil
}

// poisonedNotifiers panics writing the note of one incident, and writes the
// others through the real PagerDuty client.
type poisonedNotifiers struct {
	c        *pd.Client
	incident string
}

func (p poisonedNotifiers) Notifier(context.Context, string) (agent.Notifier, error) { return p, nil }

func (p poisonedNotifiers) PostNote(ctx context.Context, n noctuary.NotePost) (string, error) {
	if n.IncidentID == p.incident {
		var notes []string
		return notes[3], nil // index out of range
	}
	return p.c.PostNote(ctx, n)
}

func (p poisonedNotifiers) Acknowledge(ctx context.Context, incidentID string) error {
	return p.c.Acknowledge(ctx, incidentID)
}

// TestPanicsDoNotTakeTheWorkerDown: an entry whose triage panics is retried,
// dead-lettered on its 5th delivery with the panic as reason, and the worker
// goes on triaging; an LLM that panics counts as a failed LLM (the heuristic's
// note is posted).
func TestPanicsDoNotTakeTheWorkerDown(t *testing.T) {
	e := startWorkerWith(t, func(o *agent.WorkerOptions, c *pd.Client) {
		o.Notifiers = poisonedNotifiers{c: c, incident: "QPOISON"}
		o.LLM = panickingLLM{}
	})
	if _, _, err := e.store.AddEvents(context.Background(), []noctuary.ContextEvent{{Service: "checkout", Kind: "deploy",
		Source: "argocd", OccurredAt: time.Now().UTC().Add(-time.Minute), Summary: "checkout rolled out sha=a4f2c1"}}); err != nil {
		t.Fatal(err)
	}
	e.enqueue(t, "QPOISON")
	waitFor(t, "the dead letter", func() bool { return e.lengths(t)["webhooks_dead"] == 1 })
	dead, err := e.store.DeadWebhooks(context.Background(), 10)
	if err != nil || len(dead) != 1 {
		t.Fatalf("dead = %+v, %v", dead, err)
	}
	if !strings.Contains(dead[0].Reason, "failed on delivery 5") || !strings.Contains(dead[0].Reason, "panicked") {
		t.Errorf("dead letter reason = %q", dead[0].Reason)
	}
	e.enqueue(t, "QHEALTHY")
	waitFor(t, "the note after the panics", func() bool { return len(e.pd.Notes("QHEALTHY")) == 1 })
	if note := e.pd.Notes("QHEALTHY")[0].Content; !strings.Contains(note, noctuary.EngineHeuristic) {
		t.Errorf("note after a panicking LLM:\n%s", note)
	}
}
