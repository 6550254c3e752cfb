package gemini

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/agent"
)

const (
	testKey   = "test-key-123"
	testModel = "test-model"
)

// fakeGemini speaks the Gemini API's generateContent REST shape.
type fakeGemini struct {
	t      *testing.T
	answer string // the model's text
	// respond, when set, writes the model's text from the request body.
	respond func(body []byte) string
	finish  string // finishReason, default STOP
	status  int    // non-200: an API error with errStatus
	errSt   string
	slow    bool // wait until the client gives up
	mu      sync.Mutex
	bodies  [][]byte
}

func (f *fakeGemini) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1beta/models/"+testModel+":generateContent" {
		f.t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
	}
	if got := r.Header.Get("x-goog-api-key"); got != testKey {
		f.t.Errorf("x-goog-api-key = %q", got)
	}
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.bodies = append(f.bodies, body)
	f.mu.Unlock()
	if f.slow {
		<-r.Context().Done()
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if f.status != 0 {
		w.WriteHeader(f.status)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
			"code": f.status, "message": "Resource has been exhausted (e.g. check quota).", "status": f.errSt}})
		return
	}
	finish, text := f.finish, f.answer
	if finish == "" {
		finish = "STOP"
	}
	if f.respond != nil {
		text = f.respond(body)
	}
	_ = json.NewEncoder(w).Encode(map[string]any{
		"candidates": []any{map[string]any{
			"content":      map[string]any{"role": "model", "parts": []any{map[string]any{"text": text}}},
			"finishReason": finish, "index": 0}},
		"usageMetadata": map[string]any{"promptTokenCount": 100, "candidatesTokenCount": 20, "totalTokenCount": 120},
		"modelVersion":  testModel, "responseId": "r-1"})
}

func (f *fakeGemini) requests() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]byte(nil), f.bodies...)
}

// sentRequest is the part of a generateContent body the tests look at.
type sentRequest struct {
	Contents []struct {
		Role  string `json:"role"`
		Parts []struct {
			Text string `json:"text"`
		} `json:"parts"`
	} `json:"contents"`
	SystemInstruction struct {
		Parts []struct {
			Text string `json:"text"`
		} `json:"parts"`
	} `json:"systemInstruction"`
	GenerationConfig struct {
		ResponseMIMEType string         `json:"responseMimeType"`
		ResponseSchema   map[string]any `json:"responseSchema"`
	} `json:"generationConfig"`
}

func decodeSent(t *testing.T, body []byte) sentRequest {
	t.Helper()
	var r sentRequest
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("request body: %v", err)
	}
	if len(r.Contents) != 1 || len(r.Contents[0].Parts) != 1 || len(r.SystemInstruction.Parts) != 1 {
		t.Fatalf("request shape: %s", body)
	}
	return r
}

func startFake(t *testing.T, f *fakeGemini) *Engine {
	t.Helper()
	f.t = t
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	e, err := New(context.Background(), Config{APIKey: testKey, Model: testModel, BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func at(hms string) time.Time {
	t, err := time.Parse(time.DateTime, "2026-11-23 "+hms)
	if err != nil {
		panic(err)
	}
	return t
}

func testService() noctuary.Service {
	return noctuary.Service{Key: "checkout", Environment: "prod", Enabled: true, Mode: noctuary.ModeAction, LLM: true,
		Actions: []noctuary.ActionSpec{
			{Name: "rollback", Description: "Roll the service back to a previous sha.", Destructive: true, Params: []string{"sha"}},
			{Name: "flush-cache", Description: "Flush the checkout page cache."},
		}}
}

// seedRequest is the design's example: deploy, deadlock, OOMKill, plus extra events.
func seedRequest(svc noctuary.Service, extra ...noctuary.ContextEvent) agent.Request {
	onset := at("02:14:50")
	inc := noctuary.Incident{ID: "Q1SEED", Title: "checkout 5xx rate high", CreatedAt: onset, Urgency: "high"}
	evs := append([]noctuary.ContextEvent{
		{ID: "argo-7781", Service: "checkout", Kind: "deploy", Source: "argocd", OccurredAt: at("02:10:41"),
			Summary: "checkout rolled out sha=a4f2c1", Attributes: map[string]string{"sha": "a4f2c1", "previous_sha": "f8b3e22"}},
		{ID: "pg-1", Service: "postgres-main", Kind: "deadlock", Source: "postgres", OccurredAt: at("02:14:33"),
			Summary: "deadlock detected on relation orders"},
		{ID: "k8s-1", Service: "checkout", Kind: "OOMKill", Source: "kubernetes", OccurredAt: at("02:14:41"),
			Summary: "checkout-7d9f container killed"},
	}, extra...)
	return agent.Request{Incident: inc, Service: svc, Onset: onset,
		Correlation: agent.Correlate(inc, onset, evs, agent.CorrelateOptions{})}
}

func answerJSON(a map[string]any) string {
	b, _ := json.Marshal(a)
	return string(b)
}

func validAnswer() map[string]any {
	return map[string]any{"verdict": "confirm", "verdict_reason": "The OOMKill and the deadlock follow the deploy.", "cause_id": "s1",
		"hypothesis": "Deploy sha=a4f2c1 exhausted memory and locks", "confidence": 0.9,
		"signal_ids": []string{"s1", "s3"}, "action": "rollback", "action_params": map[string]string{"sha": "f8b3e22"},
		"suggestion": "Roll back to sha=f8b3e22 and watch the OOMKills stop."}
}
