package agent_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/agent"
	"github.com/noctuary/noctuary/pd"
	"github.com/noctuary/noctuary/pd/pdtest"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// pdNotifiers hands the worker one real PagerDuty client.
type pdNotifiers struct{ c *pd.Client }

func (p pdNotifiers) Notifier(context.Context, string) (agent.Notifier, error) { return p.c, nil }

// workerEnv is a worker on a real redis-server and a real pd client (one
// attempt per call, so each delivery meets one canned failure) against the
// fake PagerDuty.
type workerEnv struct {
	store *store.Store
	pd    *pdtest.Server
	stop  func()
}

func startWorker(t *testing.T) *workerEnv {
	t.Helper()
	return startWorkerWith(t, nil)
}

// startWorkerWith is startWorker with options changed by change (given the
// real PagerDuty client).
func startWorkerWith(t *testing.T, change func(*agent.WorkerOptions, *pd.Client)) *workerEnv {
	t.Helper()
	fake := pdtest.New(t, "tok")
	integ := noctuary.Integration{ID: "default", Environment: "default", Direction: noctuary.DirectionBidirectional,
		Token: "tok", WebhookSecrets: []noctuary.Secret{"w"}, From: "n@example.com", APIURL: fake.URL}
	s := storetest.Open(t, "redis", store.Options{Integrations: []noctuary.Integration{integ}})
	svc := noctuary.Service{Key: "checkout", Environment: "default", PagerDutyServiceIDs: []string{"PCHECKOUT"},
		Enabled: true, Mode: noctuary.ModeReadOnly, LLM: true}
	if err := s.PutService(context.Background(), svc); err != nil {
		t.Fatal(err)
	}
	client, err := pd.NewClient(integ, pd.ClientOptions{MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	opt := agent.WorkerOptions{
		Queue: s, State: s, Notifiers: pdNotifiers{client}, Render: pd.RenderNote,
		ClaimIdle: 100 * time.Millisecond, Block: 50 * time.Millisecond, Grace: time.Second,
		RetryBase: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond,
	}
	if change != nil {
		change(&opt, client)
	}
	w := agent.NewWorker(opt)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	e := &workerEnv{store: s, pd: fake}
	e.stop = func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("the worker did not stop within 5s of its context ending")
		}
	}
	t.Cleanup(e.stop)
	return e
}

func (e *workerEnv) enqueue(t *testing.T, incidentID string) {
	t.Helper()
	ev := noctuary.WebhookEvent{ID: "EV-" + incidentID, Type: noctuary.EventIncidentTriggered, Integration: "default",
		OccurredAt: time.Now().UTC(), ReceivedAt: time.Now().UTC(),
		Incident: noctuary.Incident{ID: incidentID, Title: "checkout down", Status: "triggered", CreatedAt: time.Now().UTC(),
			Service: noctuary.Reference{ID: "PCHECKOUT"}}}
	if _, err := e.store.EnqueueWebhook(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond for up to 15s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *workerEnv) lengths(t *testing.T) map[string]int64 {
	lens, err := e.store.StreamLengths(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return lens
}

// TestOutageIsRetriedUntilPagerDutyAccepts: 503s over more deliveries than
// MaxDeliveries are transient; the entry is never dead-lettered and the note
// is posted once PagerDuty accepts (docs/architecture.md, "Timing and retries").
func TestOutageIsRetriedUntilPagerDutyAccepts(t *testing.T) {
	e := startWorker(t)
	for range 8 {
		e.pd.FailNext(pdtest.Failure{Status: http.StatusServiceUnavailable})
	}
	e.enqueue(t, "QOUTAGE")
	waitFor(t, "the note", func() bool { return len(e.pd.Notes("QOUTAGE")) == 1 })
	waitFor(t, "the ack", func() bool { return e.lengths(t)["webhooks_pending"] == 0 })
	if lens := e.lengths(t); lens["webhooks_dead"] != 0 {
		t.Fatalf("dead-lettered during a transient outage: %v", lens)
	}
	if n := len(e.pd.Notes("QOUTAGE")); n != 1 {
		t.Fatalf("%d notes, want 1", n)
	}
}

// TestPermanentFailureIsDeadLettered: PagerDuty refusing the note (400) on
// every delivery moves the entry to the dead-letter stream on its 5th
// delivery, with the error; nothing is posted.
func TestPermanentFailureIsDeadLettered(t *testing.T) {
	e := startWorker(t)
	for range 50 {
		e.pd.FailNext(pdtest.Failure{Status: http.StatusBadRequest})
	}
	e.enqueue(t, "QREFUSED")
	waitFor(t, "the dead letter", func() bool {
		lens := e.lengths(t)
		return lens["webhooks_dead"] == 1 && lens["webhooks_pending"] == 0
	})
	dead, err := e.store.DeadWebhooks(context.Background(), 10)
	if err != nil || len(dead) != 1 {
		t.Fatalf("dead = %+v, %v", dead, err)
	}
	if !strings.Contains(dead[0].Reason, "failed on delivery 5") || dead[0].Event.Incident.ID != "QREFUSED" {
		t.Fatalf("dead letter = %+v", dead[0])
	}
	if n := len(e.pd.Notes("")); n != 0 {
		t.Fatalf("%d notes posted", n)
	}
}

// blockingLLM answers confidently, but only once the test releases it.
type blockingLLM struct {
	called  chan struct{}
	release chan struct{}
}

func (blockingLLM) Name() string { return "fake-llm" }

func (b blockingLLM) Hypothesize(ctx context.Context, req agent.Request) (agent.Result, error) {
	select {
	case b.called <- struct{}{}:
	default:
	}
	select {
	case <-b.release:
	case <-ctx.Done():
		return agent.Result{}, ctx.Err()
	}
	return agent.Result{Hypothesis: "the deploy did it", Confidence: 0.99,
		Recommendation: noctuary.Recommendation{Text: "roll back"}}, nil
}

// TestNoAutoAcknowledgeOnceAcknowledged: an engineer acknowledges the
// incident while the LLM thinks; the worker must not acknowledge it again
// on the strength of the incident's state when the triage began. Without
// the engineer, it does.
func TestNoAutoAcknowledgeOnceAcknowledged(t *testing.T) {
	for _, meanwhile := range []string{"nothing", "an engineer acknowledges", "a newer triage takes over"} {
		t.Run(meanwhile, func(t *testing.T) { testAutoAck(t, meanwhile) })
	}
}

// testAutoAck triages an incident of a service that auto-acknowledges, with
// something happening while the LLM thinks: only with nothing happening
// does Noctuary acknowledge.
func testAutoAck(t *testing.T, meanwhile string) {
	ctx := context.Background()
	fake := pdtest.New(t, "tok")
	integ := noctuary.Integration{ID: "default", Environment: "default", Direction: noctuary.DirectionBidirectional,
		Token: "tok", WebhookSecrets: []noctuary.Secret{"w"}, From: "n@example.com", APIURL: fake.URL}
	s := storetest.Open(t, "redis", store.Options{Integrations: []noctuary.Integration{integ}})
	threshold := 0.5
	svc := noctuary.Service{Key: "checkout", Environment: "default", PagerDutyServiceIDs: []string{"PCHECKOUT"},
		Enabled: true, Mode: noctuary.ModeAction, LLM: true, AutoAcknowledge: &threshold}
	if err := s.PutService(ctx, svc); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if _, _, err := s.AddEvents(ctx, []noctuary.ContextEvent{{Service: "checkout", Kind: "deploy", Source: "argocd",
		OccurredAt: now.Add(-4 * time.Minute), Summary: "checkout rolled out sha=a4f2c1"}}); err != nil {
		t.Fatal(err)
	}
	client, err := pd.NewClient(integ, pd.ClientOptions{MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	llm := blockingLLM{called: make(chan struct{}, 1), release: make(chan struct{})}
	w := agent.NewWorker(agent.WorkerOptions{
		Queue: s, State: s, Notifiers: pdNotifiers{client}, Render: pd.RenderNote, LLM: llm, LLMTimeout: 10 * time.Second,
		ClaimIdle: time.Minute, Block: 50 * time.Millisecond, Grace: time.Second,
	})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(runCtx) }()
	t.Cleanup(func() { cancel(); <-done })

	inc := noctuary.Incident{ID: "QACKED", Title: "checkout down", Status: "triggered", CreatedAt: now,
		Service: noctuary.Reference{ID: "PCHECKOUT"}}
	trig := noctuary.WebhookEvent{ID: "EV-T", Type: noctuary.EventIncidentTriggered, Integration: "default",
		OccurredAt: now, ReceivedAt: now, Incident: inc}
	if _, err := s.EnqueueWebhook(ctx, trig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-llm.called:
	case <-time.After(10 * time.Second):
		t.Fatal("the LLM was not asked")
	}
	switch meanwhile {
	case "an engineer acknowledges":
		acked := inc
		acked.Status = "acknowledged"
		ack := noctuary.WebhookEvent{ID: "EV-A", Type: noctuary.EventIncidentAcknowledged, Integration: "default",
			OccurredAt: now.Add(time.Second), ReceivedAt: now.Add(time.Second), Incident: acked}
		if _, err := s.EnqueueWebhook(ctx, ack); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the acknowledgement to be recorded", func() bool {
			st, err := s.IncidentState(ctx, "QACKED")
			return err == nil && st.Incident.Status == "acknowledged"
		})
	case "a newer triage takes over": // resolved and reopened: still triggered, another onset
		newer := noctuary.Triage{ID: "tr_reopened", Integration: "default", Service: "checkout", Incident: inc,
			Onset: now.Add(time.Minute), Engine: noctuary.EngineHeuristic}
		if err := s.SaveTriage(ctx, newer); err != nil {
			t.Fatal(err)
		}
	}
	close(llm.release)
	waitFor(t, "both webhooks handled", func() bool {
		lens, err := s.StreamLengths(ctx)
		return err == nil && lens["webhooks"] == 0 && lens["webhooks_pending"] == 0
	})
	if n := len(fake.Notes("QACKED")); n != 1 {
		t.Fatalf("%d notes, want 1", n)
	}
	if acks := fake.Acks(); meanwhile != "nothing" && len(acks) != 0 {
		t.Fatalf("Noctuary acknowledged although %s: %v", meanwhile, acks)
	} else if meanwhile == "nothing" && len(acks) != 1 {
		t.Fatalf("acks = %v, want one auto-acknowledgement", acks)
	}
}

// failingTriageRead is the store with Triage (the "already done?" check)
// unavailable.
type failingTriageRead struct {
	*store.Store
	calls atomic.Int32
}

func (f *failingTriageRead) Triage(context.Context, string) (noctuary.Triage, error) {
	f.calls.Add(1)
	return noctuary.Triage{}, noctuary.Errorf(noctuary.EUnavailable, "the store is unavailable")
}

// TestUnreadableTriageIsNotRedone: when the worker cannot tell whether the
// triage was already done, it leaves the event pending rather than triage
// (LLM, Slack mirror, PagerDuty) again.
func TestUnreadableTriageIsNotRedone(t *testing.T) {
	fake := pdtest.New(t, "tok")
	integ := noctuary.Integration{ID: "default", Environment: "default", Direction: noctuary.DirectionBidirectional,
		Token: "tok", WebhookSecrets: []noctuary.Secret{"w"}, From: "n@example.com", APIURL: fake.URL}
	s := storetest.Open(t, "redis", store.Options{Integrations: []noctuary.Integration{integ}})
	svc := noctuary.Service{Key: "checkout", Environment: "default", PagerDutyServiceIDs: []string{"PCHECKOUT"},
		Enabled: true, Mode: noctuary.ModeReadOnly}
	if err := s.PutService(context.Background(), svc); err != nil {
		t.Fatal(err)
	}
	client, err := pd.NewClient(integ, pd.ClientOptions{MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	state := &failingTriageRead{Store: s}
	w := agent.NewWorker(agent.WorkerOptions{
		Queue: s, State: state, Notifiers: pdNotifiers{client}, Render: pd.RenderNote,
		ClaimIdle: time.Minute, Block: 50 * time.Millisecond, Grace: time.Second,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	e := &workerEnv{store: s, pd: fake}
	e.enqueue(t, "QUNSURE")
	waitFor(t, "the triage check", func() bool { return state.calls.Load() > 0 })
	time.Sleep(300 * time.Millisecond)
	if n := fake.Requests(); n != 0 {
		t.Fatalf("%d PagerDuty requests though the worker could not tell whether the note was posted", n)
	}
	if lens := e.lengths(t); lens["webhooks_pending"] != 1 {
		t.Fatalf("lengths = %v, want the event pending", lens)
	}
}
