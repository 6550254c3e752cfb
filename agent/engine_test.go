package agent

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// fakeEngine answers with res/err, or blocks until release is closed.
type fakeEngine struct {
	res    Result
	err    error
	block  chan struct{}
	honour bool // return when ctx is done
	calls  atomic.Int32
}

func (f *fakeEngine) Name() string { return "fake-model" }

func (f *fakeEngine) Hypothesize(ctx context.Context, req Request) (Result, error) {
	f.calls.Add(1)
	if f.block != nil {
		select {
		case <-f.block:
		case <-ctx.Done():
			if f.honour {
				return Result{}, ctx.Err()
			}
			<-f.block
		}
	}
	return f.res, f.err
}

func goodResult() Result {
	return Result{Engine: "fake-model", Hypothesis: "The deploy did it", Confidence: 0.8,
		Recommendation: noctuary.Recommendation{Text: "Roll back", Action: "rollback", Params: map[string]string{"sha": "f8b3e22"}}}
}

func TestHypothesize(t *testing.T) {
	withResult := func(mut func(*Result)) *fakeEngine {
		r := goodResult()
		mut(&r)
		return &fakeEngine{res: r}
	}
	tests := []struct {
		name     string
		engine   *fakeEngine
		reason   string // "" = primary's answer used
		wantCall bool
	}{
		{"valid answer is used", &fakeEngine{res: goodResult()}, "", true},
		{"engine error", &fakeEngine{err: errors.New("429 RESOURCE_EXHAUSTED")}, "fake-model: 429 RESOURCE_EXHAUSTED", true},
		{"timeout honoured by engine", &fakeEngine{block: make(chan struct{}), honour: true}, "fake-model timed out after 50ms", true},
		{"timeout ignored by engine", &fakeEngine{block: make(chan struct{})}, "fake-model timed out after 50ms", true},
		{"confidence out of range", withResult(func(r *Result) { r.Confidence = 1.7 }),
			"fake-model answer invalid: confidence 1.7 is outside [0, 1]", true},
		{"empty hypothesis", withResult(func(r *Result) { r.Hypothesis = " " }), "fake-model answer invalid: empty hypothesis", true},
		{"empty recommendation", withResult(func(r *Result) { r.Recommendation.Text = "" }),
			"fake-model answer invalid: empty recommendation", true},
		{"undeclared action", withResult(func(r *Result) { r.Recommendation.Action = "drop-database" }),
			`fake-model answer invalid: action "drop-database" is not declared for service checkout`, true},
		{"undeclared param", withResult(func(r *Result) { r.Recommendation.Params["force"] = "yes" }),
			`fake-model answer invalid: action rollback has no param "force"`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.engine.block != nil {
				t.Cleanup(func() { close(tt.engine.block) })
			}
			// Only the timeout cases wait for the deadline; the others get a
			// generous one, so that a loaded machine cannot turn them into
			// timeouts.
			timeout := 10 * time.Second
			if tt.engine.block != nil {
				timeout = 50 * time.Millisecond
			}
			res := Hypothesize(context.Background(), tt.engine, request(seedService(), seedEvents()...), timeout)
			if got := tt.engine.calls.Load() > 0; got != tt.wantCall {
				t.Errorf("engine called = %v", got)
			}
			if res.FallbackReason != tt.reason {
				t.Errorf("FallbackReason = %q, want %q", res.FallbackReason, tt.reason)
			}
			if tt.reason != "" && (res.Engine != "heuristic" || res.Hypothesis != "Deploy sha=a4f2c1 rolled out 4 minutes before onset") {
				t.Errorf("fallback = %+v", res)
			}
			if tt.reason == "" && (res.Engine != "fake-model" || !res.Recommendation.Destructive) {
				t.Errorf("answer = %+v (Destructive must come from the declared action)", res)
			}
		})
	}
}

func TestHypothesizeSkipsPrimary(t *testing.T) {
	noLLM := seedService()
	noLLM.LLM = false
	tests := []struct {
		name string
		req  Request
	}{
		{"service opted out of the LLM", request(noLLM, seedEvents()...)},
		{"no signals", request(seedService())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeEngine{res: goodResult()}
			res := Hypothesize(context.Background(), f, tt.req, time.Second)
			if f.calls.Load() != 0 || res.Engine != "heuristic" || res.FallbackReason != "" {
				t.Errorf("calls = %d, result = %+v", f.calls.Load(), res)
			}
		})
	}
	if res := Hypothesize(context.Background(), nil, request(seedService(), seedEvents()...), 0); res.Engine != "heuristic" {
		t.Errorf("nil primary: %+v", res)
	}
}

func TestHypothesizeParentCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := &fakeEngine{block: make(chan struct{}), honour: true}
	defer close(f.block)
	res := Hypothesize(ctx, f, request(seedService(), seedEvents()...), time.Minute)
	if res.Engine != "heuristic" || !strings.Contains(res.FallbackReason, "context canceled") {
		t.Errorf("result = %+v", res)
	}
}

func TestCheckAction(t *testing.T) {
	svc := seedService()
	tests := []struct {
		name, action string
		params       map[string]string
		err          string
	}{
		{"none", "", nil, ""},
		{"declared with params", "rollback", map[string]string{"sha": "f8b3e22"}, ""},
		{"declared without params", "flush-cache", nil, ""},
		{"params without action", "", map[string]string{"sha": "1"}, "params given without an action"},
		{"undeclared", "drop-database", nil, `action "drop-database" is not declared for service checkout`},
		{"missing param", "rollback", nil, "action rollback needs param sha"},
		{"extra param", "flush-cache", map[string]string{"all": "1"}, `action flush-cache has no param "all"`},
		{"empty value", "rollback", map[string]string{"sha": " "}, "param sha must be 4 to 64 hex digits"},
		{"control character", "rollback", map[string]string{"sha": "a\nb"}, "param sha must be 4 to 64 hex digits"},
		{"too long", "rollback", map[string]string{"sha": strings.Repeat("a", 65)}, "param sha must be 4 to 64 hex digits"},
		{"free text as sha", "rollback", map[string]string{"sha": "rm -rf / ; restart db"}, "param sha must be 4 to 64 hex digits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CheckAction(svc, tt.action, tt.params)
			if got := errString(err); got != tt.err {
				t.Errorf("err = %q, want %q", got, tt.err)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
