package agent_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/agent"
	"github.com/noctuary/noctuary/pd"
	"github.com/noctuary/noctuary/pd/pdtest"
)

// withMetrics starts the worker with metrics the test reads.
func withMetrics(m *agent.Metrics) func(*agent.WorkerOptions, *pd.Client) {
	return func(o *agent.WorkerOptions, _ *pd.Client) { o.Metrics = m }
}

// notPosted reads noctuary_notes_not_posted_total{code}.
func notPosted(t *testing.T, m *agent.Metrics, code string) float64 {
	t.Helper()
	var d dto.Metric
	if err := m.NotesNotPosted.WithLabelValues(code).Write(&d); err != nil {
		t.Fatal(err)
	}
	return d.GetCounter().GetValue()
}

// triageOf returns the stored triage of an incident.
func (e *workerEnv) triageOf(t *testing.T, incidentID string) noctuary.Triage {
	t.Helper()
	ctx := context.Background()
	st, err := e.store.IncidentState(ctx, incidentID)
	if err != nil || st.TriageID == "" {
		return noctuary.Triage{}
	}
	tr, err := e.store.Triage(ctx, st.TriageID)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestRefusedNoteDeadLetteredAuditedThenReplayed: PagerDuty refuses every
// note to the incident (403, the keys' user may not see it). Each of the 5
// deliveries is counted by code; the triage keeps why its note is not
// posted, the last one saying it is dead-lettered, and that is audited
// with the reason. Replayed once PagerDuty accepts, the note is posted
// once and the triage no longer says it is missing.
func TestRefusedNoteDeadLetteredAuditedThenReplayed(t *testing.T) {
	m := agent.NewMetrics(nil)
	e := startWorkerWith(t, withMetrics(m))
	e.pd.Hide("QHIDDEN")
	e.enqueue(t, "QHIDDEN")
	waitFor(t, "the dead letter", func() bool {
		lens := e.lengths(t)
		return lens["webhooks_dead"] == 1 && lens["webhooks_pending"] == 0
	})
	if n := notPosted(t, m, noctuary.EForbidden); n != 5 {
		t.Errorf("noctuary_notes_not_posted_total{code=forbidden} = %v, want 5 (one a delivery)", n)
	}
	tr := e.triageOf(t, "QHIDDEN")
	f := tr.NoteFailure
	if !tr.Undelivered || f == nil || f.Code != noctuary.EForbidden || f.Next != noctuary.NoteDeadLettered ||
		f.Delivery != 5 || f.Deliveries != 5 || !strings.Contains(f.Reason, "(403)") || strings.Contains(f.Reason, "tok") || f.Unsure {
		t.Fatalf("triage %+v, note failure %+v; want undelivered, forbidden, dead-lettered on delivery 5 of 5, with PagerDuty's 403, surely not posted", tr, f)
	}
	entries, err := e.store.AuditEntries(context.Background(), "checkout", 10)
	if err != nil {
		t.Fatal(err)
	}
	var dead []noctuary.AuditEntry
	for _, a := range entries {
		if a.Action == "triage.note" {
			dead = append(dead, a)
		}
	}
	if len(dead) != 1 || dead[0].Result != "dead_lettered" || dead[0].Details["reason"] != f.Reason ||
		dead[0].Details["code"] != noctuary.EForbidden || dead[0].Details["triage_id"] != tr.ID || dead[0].Incident != "QHIDDEN" {
		t.Fatalf("triage.note audit entries %+v; want one, dead_lettered, with the reason", dead)
	}

	e.pd.Unhide("QHIDDEN")
	if n, err := e.store.ReplayDeadWebhooks(context.Background()); err != nil || n != 1 {
		t.Fatalf("replayed %d, %v", n, err)
	}
	waitFor(t, "the replayed note", func() bool { return e.lengths(t)["webhooks_pending"] == 0 && len(e.pd.Notes("QHIDDEN")) == 1 })
	waitFor(t, "the delivered triage", func() bool { return !e.triageOf(t, "QHIDDEN").Undelivered })
	if tr := e.triageOf(t, "QHIDDEN"); tr.NoteFailure != nil || tr.NoteID == "" {
		t.Errorf("delivered triage still says why its note is missing: %+v", tr.NoteFailure)
	}
	if n := len(e.pd.Notes("QHIDDEN")); n != 1 {
		t.Errorf("%d notes, want 1", n)
	}
}

// TestOutageKeepsItsFirstFailure: while PagerDuty answers 503, every
// failed attempt is counted, but a retry that fails as the one before
// writes nothing (nor mirrors anything): the triage keeps the first
// failure, "retried" and counting no delivery. Once PagerDuty accepts, the
// note is posted once and the failure is gone.
func TestOutageKeepsItsFirstFailure(t *testing.T) {
	m := agent.NewMetrics(nil)
	e := startWorkerWith(t, withMetrics(m))
	for range 50 {
		e.pd.FailNext(pdtest.Failure{Status: http.StatusServiceUnavailable})
	}
	e.enqueue(t, "QDOWN")
	var first *noctuary.NoteFailure
	waitFor(t, "the first failure kept", func() bool { first = e.triageOf(t, "QDOWN").NoteFailure; return first != nil })
	seen := notPosted(t, m, noctuary.EUnavailable)
	waitFor(t, "3 more failed attempts", func() bool {
		return notPosted(t, m, noctuary.EUnavailable) >= seen+3
	})
	if f := e.triageOf(t, "QDOWN").NoteFailure; f == nil || !f.At.Equal(first.At) || f.Next != noctuary.NoteRetried || f.Delivery != 0 || !f.Unsure {
		t.Fatalf("note failure %+v after more failed retries; want the first one (%+v), retried, unsure (a 503 may have posted)", f, first)
	}
	e.pd.ClearFailures()
	waitFor(t, "the note", func() bool { return len(e.pd.Notes("QDOWN")) == 1 && e.lengths(t)["webhooks_pending"] == 0 })
	if tr := e.triageOf(t, "QDOWN"); tr.NoteFailure != nil || tr.Undelivered {
		t.Errorf("delivered triage %+v still says why its note is missing", tr.NoteFailure)
	}
}
