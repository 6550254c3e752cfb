package agent_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/agent"
	"github.com/noctuary/noctuary/pd"
)

// dyingNotifiers posts through the real PagerDuty client, then dies (a
// panic) once, right after PagerDuty took the note: before the worker could
// keep the triage as delivered and clear its posting mark.
type dyingNotifiers struct {
	c    *pd.Client
	died *atomic.Bool
}

func (d dyingNotifiers) Notifier(context.Context, string) (agent.Notifier, error) { return d, nil }

func (d dyingNotifiers) PostNote(ctx context.Context, p noctuary.NotePost) (string, error) {
	id, err := d.c.PostNote(ctx, p)
	if err == nil && d.died.CompareAndSwap(false, true) {
		panic("the process dies after PagerDuty took the note")
	}
	return id, err
}

func (d dyingNotifiers) Acknowledge(ctx context.Context, incidentID string) error {
	return d.c.Acknowledge(ctx, incidentID)
}

// TestFirstAttemptIsOneRequest: a note posted at the first attempt costs one
// PagerDuty request, no "is it there already?" look-up.
func TestFirstAttemptIsOneRequest(t *testing.T) {
	e := startWorker(t)
	if err := e.store.MarkSeeded(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.enqueue(t, "QONE")
	waitFor(t, "the note", func() bool { return len(e.pd.Notes("QONE")) == 1 && e.lengths(t)["webhooks"] == 0 })
	if n := e.pd.Requests(); n != 1 {
		t.Fatalf("%d PagerDuty requests for one note, want 1", n)
	}
}

// TestDiedBetweenPostAndMarkClear: the worker dies after PagerDuty took the
// note and before the triage was kept as delivered (its posting mark still
// set). The retry finds the note carrying the triage ID instead of posting
// a second one: one POST, then one look-up.
func TestDiedBetweenPostAndMarkClear(t *testing.T) {
	var died atomic.Bool
	e := startWorkerWith(t, func(o *agent.WorkerOptions, c *pd.Client) {
		o.Notifiers = dyingNotifiers{c: c, died: &died}
	})
	if err := e.store.MarkSeeded(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.enqueue(t, "QDIED")
	waitFor(t, "the retry to finish", func() bool { return died.Load() && e.lengths(t)["webhooks"] == 0 })
	if n := len(e.pd.Notes("QDIED")); n != 1 {
		t.Fatalf("%d notes, want exactly 1", n)
	}
	if n := e.pd.Requests(); n != 2 {
		t.Errorf("%d PagerDuty requests, want 2 (the POST, then the retry's look-up)", n)
	}
	tr, err := e.store.Triage(context.Background(), mustTriageID(t, e, "QDIED"))
	if err != nil || tr.Undelivered || tr.NoteID != e.pd.Notes("QDIED")[0].ID {
		t.Fatalf("triage after the retry: %+v, %v; want delivered with the note's ID", tr, err)
	}
}

// mustTriageID returns the triage ID the incident's state names.
func mustTriageID(t *testing.T, e *workerEnv, incidentID string) string {
	t.Helper()
	st, err := e.store.IncidentState(context.Background(), incidentID)
	if err != nil || st.TriageID == "" {
		t.Fatalf("incident state %+v, %v", st, err)
	}
	return st.TriageID
}
