package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
)

// TestPostmortemGeminiNarrative: with Gemini configured, the draft of a
// resolved incident carries the model's narrative, escaped, after the
// facts; a model that does not answer within NOCTUARY_LLM_TIMEOUT leaves
// the template's draft, delivered all the same.
func TestPostmortemGeminiNarrative(t *testing.T) {
	t.Parallel()
	const llmTimeout = time.Second
	for _, tc := range []struct {
		name                string
		hang                bool
		writer, fallback    string
		wantIn, wantMissing []string
	}{
		{name: "answers", writer: "gemini-test-model",
			wantIn:      []string{"## Narrative", "_Written by gemini-test-model from the facts above", "Checkout failed after a deploy. ‹\\!channel›", "## Analysis"},
			wantMissing: []string{"<!channel>"}},
		{name: "hangs", hang: true, writer: "template", fallback: "the model did not answer within 1s", wantMissing: []string{"## Narrative"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			release := make(chan struct{})
			gemini := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				if !strings.Contains(string(body), "narrative section") {
					// The triage: Gemini fails, the heuristic writes the note.
					w.WriteHeader(http.StatusInternalServerError)
					return
				}
				if tc.hang {
					select {
					case <-r.Context().Done():
					case <-release:
					}
					return
				}
				answer, _ := json.Marshal(map[string]string{"narrative": "Checkout failed after a deploy. <!channel>\n\nA rollback fixed it."})
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(map[string]any{"candidates": []any{map[string]any{
					"content": map[string]any{"role": "model", "parts": []any{map[string]any{"text": string(answer)}}}, "finishReason": "STOP"}}})
			}))
			t.Cleanup(func() {
				close(release)
				gemini.Close()
			})
			e := newEnv(t, func(c *config.Config) {
				c.Gemini.APIKey, c.Gemini.BaseURL, c.Gemini.Model = "gemini-key", gemini.URL, "gemini-test-model"
				c.LLMTimeout = llmTimeout
			})
			id := "QPMGEMINI" + strings.ToUpper(tc.name)
			at := onsetAt()
			e.sendEvents(seedEvents(at, id+"-")...)
			e.sendWebhook(webhook("EV-"+id, noctuary.EventIncidentTriggered, id, "PCHECKOUT", at))
			e.waitNotes(id, 1, 10*time.Second)
			sent := time.Now()
			e.sendWebhook(lifecycleWebhook("EV-"+id+"-R", noctuary.EventIncidentResolved, id, "resolved", "Alice Example", at, time.Now().UTC().Truncate(time.Second)))
			waitFor(t, 10*time.Second, "the postmortem note", func() bool { return len(postmortemNotes(e.pd, id)) == 1 })
			if took := time.Since(sent); took > llmTimeout+4*time.Second {
				t.Errorf("the draft took %s, want within the LLM timeout and a margin", took)
			}
			// The draft is marked delivered once its note is posted and its
			// Slack job queued: just after the note.
			var p noctuary.Postmortem
			waitFor(t, 5*time.Second, "the draft marked delivered", func() bool {
				e.getJSON("/api/v1/incidents/"+id+"/postmortem", &p)
				return p.Delivered
			})
			if p.Writer != tc.writer || p.NarrativeFallback != tc.fallback || !p.Delivered {
				t.Errorf("writer %q, fallback %q, delivered %t; want %q, %q", p.Writer, p.NarrativeFallback, p.Delivered, tc.writer, tc.fallback)
			}
			mustContain(t, p.Markdown, append([]string{"## Timeline (UTC)", "Incident resolved", "## Action items"}, tc.wantIn...)...)
			for _, s := range tc.wantMissing {
				if strings.Contains(p.Markdown, s) {
					t.Errorf("the draft holds %q", s)
				}
			}
			if tc.writer != "template" {
				if i, j := strings.Index(p.Markdown, "## Hypothesis"), strings.Index(p.Markdown, "## Narrative"); i < 0 || j < i {
					t.Error("the narrative does not come after the facts")
				}
			}
		})
	}
}
