package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
)

// TestGeminiDownOrSlowNotesOnTime: with Gemini answering 500 to everything,
// or never answering, every incident of a small burst gets its note within
// NOCTUARY_LLM_TIMEOUT and a margin of its webhook, written by the heuristic
// engine, once; Gemini is asked once per incident, and each fallback is
// counted under its reason.
func TestGeminiDownOrSlowNotesOnTime(t *testing.T) {
	t.Parallel()
	const llmTimeout, margin, incidents = time.Second, 4 * time.Second, 4
	for _, tc := range []struct {
		name, reason string
		hang         bool
	}{{"500", "error", false}, {"hang", "timeout", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var asked atomic.Int64
			release := make(chan struct{})
			gemini := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !strings.HasSuffix(r.URL.Path, ":generateContent") {
					http.NotFound(w, r)
					return
				}
				asked.Add(1)
				if tc.hang {
					select {
					case <-r.Context().Done():
					case <-release:
					}
					return
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = w.Write([]byte(`{"error":{"code":500,"message":"Internal error encountered.","status":"INTERNAL"}}`))
			}))
			t.Cleanup(func() {
				close(release)
				gemini.Close()
			})
			e := newEnv(t, func(c *config.Config) {
				c.Gemini.APIKey, c.Gemini.BaseURL, c.Gemini.Model = "gemini-key", gemini.URL, "gemini-test-model"
				c.LLMTimeout = llmTimeout
			})
			at := onsetAt()
			e.sendEvents(seedEvents(at, "gd-")...)
			sent := map[string]time.Time{}
			for i := range incidents {
				id := fmt.Sprintf("QGD%d", i)
				sent[id] = time.Now()
				e.sendWebhook(webhook("EV-"+id, noctuary.EventIncidentTriggered, id, "PCHECKOUT", at))
			}
			for id, at := range sent {
				note := e.waitNotes(id, 1, llmTimeout+margin-time.Since(at))[0]
				if took := note.CreatedAt.Sub(at); took > llmTimeout+margin {
					t.Errorf("%s noted %s after its webhook, want within %s", id, took, llmTimeout+margin)
				}
				mustContain(t, note.Content, "Deploy sha=a4f2c1", "Engine: heuristic")
			}
			e.waitPendingZero(5 * time.Second)
			for id := range sent {
				if n := len(e.pd.Notes(id)); n != 1 {
					t.Errorf("%s has %d notes, want 1", id, n)
				}
			}
			if n := asked.Load(); n != incidents {
				t.Errorf("Gemini was asked %d times for %d incidents, want once each", n, incidents)
			}
			e.waitMetric(incidents, "noctuary_llm_fallbacks_total", `reason="`+tc.reason+`"`)
		})
	}
}
