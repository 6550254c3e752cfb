package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
	"github.com/noctuary/noctuary/pd/pdtest"
)

// TestSeedScenarioNote: the deploy, deadlock and OOMKill of docs/architecture.md, "The note" produce
// its note on the PagerDuty incident, once, quickly.
func TestSeedScenarioNote(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	at := onsetAt()
	e.sendEvents(seedEvents(at, "seed-")...)
	e.sendWebhook(webhook("EV-SEED", noctuary.EventIncidentTriggered, "QSEED", "PCHECKOUT", at))
	notes := e.waitNotes("QSEED", 1, 10*time.Second)
	note := notes[0].Content
	mustContain(t, note,
		"Noctuary Context",
		"Hypothesis: Deploy sha=a4f2c1 rolled out 4 minutes before onset (confidence: ",
		"Recent signals: deploy (argocd, "+hhmmss(at.Add(-4*time.Minute-9*time.Second))+"), deadlock (postgres, "+hhmmss(at.Add(-17*time.Second))+"), OOMKilled (kubernetes, "+hhmmss(at.Add(-9*time.Second))+")",
		"Recommended action: Rollback to sha=f8b3e22",
		"heuristic",
		"UTC",
	)
	if notes[0].From != "noctuary@example.com" {
		t.Errorf("From = %q", notes[0].From)
	}
	e.waitPendingZero(5 * time.Second)
	st, err := e.main.Store.IncidentState(context.Background(), "QSEED")
	if err != nil || st.TriageID == "" || !strings.Contains(note, st.TriageID) {
		t.Fatalf("the note's footer must carry the triage ID %q (state %+v, %v)", st.TriageID, st, err)
	}
	if len(e.pd.Notes("QSEED")) != 1 {
		t.Fatalf("%d notes, want exactly 1", len(e.pd.Notes("QSEED")))
	}
}

// TestNoContextNote: no ContextEvents → the note says so honestly.
func TestNoContextNote(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.sendWebhook(webhook("EV-EMPTY", noctuary.EventIncidentTriggered, "QEMPTY", "PCHECKOUT", onsetAt()))
	note := e.waitNotes("QEMPTY", 1, 10*time.Second)[0].Content
	mustContain(t, note, "Noctuary Context", "not available", "Recommended action: ")
}

// TestNotEnabledServiceGetsNoNote: the event is acknowledged and no note is written.
func TestNotEnabledServiceGetsNoNote(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.sendWebhook(webhook("EV-PAY", noctuary.EventIncidentTriggered, "QPAY", "PPAYMENTS", onsetAt()))
	e.sendWebhook(webhook("EV-UNKNOWN", noctuary.EventIncidentTriggered, "QUNKNOWN", "PNOBODY", onsetAt()))
	e.waitPendingZero(5 * time.Second)
	if n := len(e.pd.Notes("")); n != 0 {
		t.Fatalf("%d notes written for services that are not enabled", n)
	}
}

// TestRateLimitedThenAccepted: PagerDuty answers 429 with Retry-After, then
// accepts: exactly one note.
func TestRateLimitedThenAccepted(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.pd.FailNext(pdtest.Failure{Status: http.StatusTooManyRequests, RetryAfter: "1"}, pdtest.Failure{Status: http.StatusInternalServerError})
	e.sendWebhook(webhook("EV-429", noctuary.EventIncidentTriggered, "Q429", "PCHECKOUT", onsetAt()))
	e.waitNotes("Q429", 1, 15*time.Second)
	e.waitPendingZero(5 * time.Second)
	if n := len(e.pd.Notes("Q429")); n != 1 {
		t.Fatalf("%d notes, want 1", n)
	}
}

// TestCrashBetweenPostAndAck: the worker dies after PagerDuty stored the note
// but before it heard back (so before XACK). A restarted worker reclaims the
// entry, finds the note carrying the triage ID, and posts nothing more.
func TestCrashBetweenPostAndAck(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	stored := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	e.pd.OnNote(func(pdtest.Note) {
		once.Do(func() { close(stored) })
		<-release // PagerDuty has the note; the answer never reaches the dying worker
	})
	e.sendWebhook(webhook("EV-CRASH", noctuary.EventIncidentTriggered, "QCRASH", "PCHECKOUT", onsetAt()))
	select {
	case <-stored:
	case <-time.After(10 * time.Second):
		t.Fatal("the note never reached PagerDuty")
	}
	go func() { _ = e.main.Close() }() // the "crash": shutdown with a short grace
	time.Sleep(2 * e.cfg.ShutdownGrace)
	e.pd.OnNote(nil)
	close(release)
	lens, err := e.main.Store.StreamLengths(context.Background())
	if err == nil && lens["webhooks_pending"] == 0 {
		t.Fatal("the entry was acknowledged although the worker never heard PagerDuty's answer")
	}
	restarted := e.start(e.cfg)
	e.main = restarted
	e.waitPendingZero(10 * time.Second)
	if n := len(e.pd.Notes("QCRASH")); n != 1 {
		t.Fatalf("%d notes after the restart, want exactly 1", n)
	}
}

// TestTwoWorkersOneNote: two replicas receive the same incident (two
// subscriptions, distinct event IDs) at once; one note is posted.
func TestTwoWorkersOneNote(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	second := e.start(e.cfg)
	at := onsetAt()
	e.sendEvents(seedEvents(at, "two-")...)
	a := webhook("EV-TWO-A", noctuary.EventIncidentTriggered, "QTWO", "PCHECKOUT", at)
	b := webhook("EV-TWO-B", noctuary.EventIncidentTriggered, "QTWO", "PCHECKOUT", at)
	e.sendWebhook(a)
	other := &env{t: t, url: "http://" + second.Addr}
	other.sendWebhook(b)
	e.waitNotes("QTWO", 1, 10*time.Second)
	e.waitPendingZero(10 * time.Second)
	if n := len(e.pd.Notes("QTWO")); n != 1 {
		t.Fatalf("%d notes, want 1", n)
	}
}

// TestReopenedIncidentTriagedAgain: a reopened incident gets a second note.
func TestReopenedIncidentTriagedAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	at := onsetAt()
	e.sendWebhook(webhook("EV-R1", noctuary.EventIncidentTriggered, "QREOPEN", "PCHECKOUT", at.Add(-10*time.Minute)))
	e.waitNotes("QREOPEN", 1, 10*time.Second)
	reopened := webhook("EV-R2", noctuary.EventIncidentReopened, "QREOPEN", "PCHECKOUT", at.Add(-10*time.Minute))
	reopened = []byte(strings.Replace(string(reopened), `"status":"triggered"`, `"status":"triggered","reopened_at":"`+at.Format(time.RFC3339)+`"`, 1))
	e.sendWebhook(reopened)
	e.waitNotes("QREOPEN", 2, 10*time.Second)
}

// fakeGemini answers generateContent after delay with status and text.
func fakeGemini(t *testing.T, delay time.Duration, status int, text string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, ":generateContent") || r.Header.Get("x-goog-api-key") == "" {
			http.Error(w, `{"error":{"code":400,"message":"bad request","status":"INVALID_ARGUMENT"}}`, http.StatusBadRequest)
			return
		}
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if status != http.StatusOK {
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"error":{"code":429,"message":"Resource has been exhausted","status":"RESOURCE_EXHAUSTED"}}`))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"candidates": []any{map[string]any{
				"content":      map[string]any{"role": "model", "parts": []any{map[string]any{"text": text}}},
				"finishReason": "STOP", "index": 0,
			}},
			"modelVersion": "gemini-test",
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestGeminiFallsBackToHeuristic: slow, failing or invalid LLM answers give
// the heuristic note within the LLM deadline; a valid one is used.
func TestGeminiFallsBackToHeuristic(t *testing.T) {
	t.Parallel()
	valid := `{"verdict":"confirm","verdict_reason":"The OOMKills follow the deploy.","cause_id":"s1",` +
		`"hypothesis":"The deploy of sha=a4f2c1 exhausted checkout's memory","confidence":0.8,"signal_ids":["s1"],"action":"","action_params":{},"suggestion":"Roll back to f8b3e22"}`
	tests := []struct {
		name       string
		delay      time.Duration
		status     int
		text       string
		wantEngine string
		wantText   string
	}{
		{"slow", 5 * time.Second, http.StatusOK, valid, "heuristic", "Deploy sha=a4f2c1"},
		{"429", 0, http.StatusTooManyRequests, "", "heuristic", "Deploy sha=a4f2c1"},
		{"invalid JSON", 0, http.StatusOK, `{"hypothesis": `, "heuristic", "Deploy sha=a4f2c1"},
		{"undeclared action", 0, http.StatusOK, strings.Replace(valid, `"action":""`, `"action":"drop-database"`, 1), "heuristic", "Deploy sha=a4f2c1"},
		{"valid", 0, http.StatusOK, valid, "gemini-test-model", "exhausted checkout's memory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := fakeGemini(t, tt.delay, tt.status, tt.text)
			e := newEnv(t, func(c *config.Config) {
				c.Gemini.APIKey, c.Gemini.BaseURL, c.Gemini.Model = "gemini-key", g.URL, "gemini-test-model"
				c.LLMTimeout = 500 * time.Millisecond
			})
			at := onsetAt()
			e.sendEvents(seedEvents(at, "g-")...)
			start := time.Now()
			e.sendWebhook(webhook("EV-G", noctuary.EventIncidentTriggered, "QGEM", "PCHECKOUT", at))
			note := e.waitNotes("QGEM", 1, 10*time.Second)[0].Content
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("note took %s; the LLM deadline is 500ms", took)
			}
			mustContain(t, note, tt.wantText, tt.wantEngine)
		})
	}
}

// TestPoisonEntryDeadLettered: an entry that fails permanently (PagerDuty
// refuses it with a 400) moves to noctuary:webhooks:dead on its 5th delivery; replaying it once PagerDuty
// accepts again posts the note.
func TestPoisonEntryDeadLettered(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for range 20 {
		e.pd.FailNext(pdtest.Failure{Status: http.StatusBadRequest})
	}
	e.sendWebhook(webhook("EV-POISON", noctuary.EventIncidentTriggered, "QPOISON", "PCHECKOUT", onsetAt()))
	deadline := time.Now().Add(20 * time.Second)
	for {
		lens, err := e.main.Store.StreamLengths(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if lens["webhooks_dead"] == 1 && lens["webhooks_pending"] == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not dead-lettered: %v", lens)
		}
		time.Sleep(50 * time.Millisecond)
	}
	dead, err := e.main.Store.DeadWebhooks(context.Background(), 10)
	if err != nil || len(dead) != 1 || !strings.Contains(dead[0].Reason, "failed on delivery 5") {
		t.Fatalf("dead = %+v, %v", dead, err)
	}
	e.pd.ClearFailures()
	var out bytes.Buffer
	if err := replayDead(context.Background(), e.cfg, slog.New(slog.DiscardHandler), &out); err != nil ||
		!strings.Contains(out.String(), "replayed 1 dead-lettered webhook event(s)") {
		t.Fatalf("noctuary replay-dead: %v\n%s", err, out.String())
	}
	e.waitNotes("QPOISON", 1, 10*time.Second)
	e.waitPendingZero(5 * time.Second)
}
