package gemini

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/agent"
)

// TestPromptCarriesTheHeuristicsChoice: the model gets the candidates ranked
// and explained, and the heuristic's choice to confirm or overturn.
func TestPromptCarriesTheHeuristicsChoice(t *testing.T) {
	tf := noctuary.ContextEvent{ID: "tf", Service: "checkout", Kind: "terraform_apply", Source: "terraform",
		OccurredAt: at("02:12:00"), Summary: "Apply complete! Resources: 0 added, 0 changed, 0 destroyed."}
	f := &fakeGemini{answer: answerJSON(validAnswer())}
	e := startFake(t, f)
	req := seedRequest(testService(), tf)
	if _, err := e.Hypothesize(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	sent := decodeSent(t, f.requests()[0])
	p, err := buildPrompt(req)
	if err != nil {
		t.Fatal(err)
	}
	if p.contents[0].Parts[0].Text != sent.Contents[0].Parts[0].Text {
		t.Fatal("the prompt built is not the one sent")
	}
	d := dataOf(t, p)
	h := agent.Heuristic(req)
	if d.Heuristic.Cause != "s1" || d.Heuristic.Hypothesis != h.Hypothesis || d.Heuristic.Confidence != h.Confidence {
		t.Errorf("heuristic = %+v, want cause s1 and %q", d.Heuristic, h.Hypothesis)
	}
	reasons := map[string]string{}
	for _, s := range d.Signals {
		reasons[s.Kind] = strings.Join(s.Reasons, "; ")
	}
	if !strings.Contains(reasons["deploy"], "change before onset +0.48") ||
		!strings.Contains(reasons["terraform_apply"], "ranked below: it reported no changes -0.43") {
		t.Errorf("reasons = %q", reasons)
	}
	system := sent.SystemInstruction.Parts[0].Text
	for _, w := range []string{"confirm or overturn that choice", `verdict: "confirm"`, "cause_id"} {
		if !strings.Contains(system, w) {
			t.Errorf("system instruction lacks %q", w)
		}
	}
	props, _ := sent.GenerationConfig.ResponseSchema["properties"].(map[string]any)
	if props["verdict"] == nil || props["verdict_reason"] == nil || props["cause_id"] == nil {
		t.Errorf("schema lacks the verdict: %v", props)
	}
}

func TestVerdicts(t *testing.T) {
	overturn := validAnswer()
	overturn["verdict"], overturn["cause_id"], overturn["signal_ids"] = "overturn", "s3", []string{"s1", "s3"}
	overturn["verdict_reason"] = "The deadlock began before the OOMKill and matches the orders migration."
	overturn["action"], overturn["action_params"] = "", nil
	res := agent.Hypothesize(context.Background(), startFake(t, &fakeGemini{answer: answerJSON(overturn)}),
		seedRequest(testService()), 5*time.Second)
	if res.FallbackReason != "" || res.Cause == nil || res.Cause.Event.ID != "pg-1" || res.Signals[0].Event.ID != "pg-1" {
		t.Fatalf("overturn: %+v", res)
	}
	if want := "(overturns the heuristic's choice: The deadlock began before the OOMKill and matches the orders migration.)"; !strings.HasSuffix(res.Hypothesis, want) {
		t.Errorf("hypothesis = %q", res.Hypothesis)
	}
	res = agent.Hypothesize(context.Background(), startFake(t, &fakeGemini{answer: answerJSON(validAnswer())}),
		seedRequest(testService()), 5*time.Second)
	if res.Cause == nil || res.Cause.Event.ID != "argo-7781" || strings.Contains(res.Hypothesis, "overturn") {
		t.Errorf("confirm: %+v", res)
	}
}

// TestConfirmNoCause: when the heuristic blames nothing, confirming names
// no cause and the result has none.
func TestConfirmNoCause(t *testing.T) {
	onset := at("02:14:50")
	inc := noctuary.Incident{ID: "Q2", Title: "checkout 5xx", CreatedAt: onset}
	evs := []noctuary.ContextEvent{{ID: "err", Service: "checkout", Kind: "HighErrorRate", Source: "prometheus", OccurredAt: at("02:14:00")}}
	req := agent.Request{Incident: inc, Service: testService(), Onset: onset,
		Correlation: agent.Correlate(inc, onset, evs, agent.CorrelateOptions{Service: testService()})}
	a := validAnswer()
	a["cause_id"], a["signal_ids"], a["action"], a["action_params"] = "", []string{"s1"}, "", nil
	res := agent.Hypothesize(context.Background(), startFake(t, &fakeGemini{answer: answerJSON(a)}), req, 5*time.Second)
	if res.FallbackReason != "" || res.Cause != nil {
		t.Errorf("result = %+v", res)
	}
}

func TestInvalidVerdictsFallBack(t *testing.T) {
	with := func(kv ...any) string {
		a := validAnswer()
		for i := 0; i < len(kv); i += 2 {
			a[kv[i].(string)] = kv[i+1]
		}
		return answerJSON(a)
	}
	tests := []struct{ name, answer, reason string }{
		{"no verdict", with("verdict", ""), `verdict "" is neither confirm nor overturn`},
		{"unknown verdict", with("verdict", "maybe"), `verdict "maybe" is neither confirm nor overturn`},
		{"no reason", with("verdict_reason", " "), "empty verdict_reason"},
		{"confirms but names another cause", with("cause_id", "s3"), `confirms the heuristic's cause "s1" but names "s3"`},
		{"overturns but names the same cause", with("verdict", "overturn"), `overturns the heuristic's cause "s1" but names it again`},
		{"names a cause it does not cite", with("verdict", "overturn", "cause_id", "s2"), `names cause "s2" but does not cite it`},
		{"cites no signal", with("signal_ids", []string{}), "cites no signal"},
		{"names a cause never sent", with("verdict", "overturn", "cause_id", "s9", "signal_ids", []string{"s9"}), `cites signal "s9", which was not sent`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := startFake(t, &fakeGemini{answer: tt.answer})
			res := agent.Hypothesize(context.Background(), e, seedRequest(testService()), 5*time.Second)
			if res.Engine != noctuary.EngineHeuristic || !strings.Contains(res.FallbackReason, tt.reason) {
				t.Errorf("result = %s / %s, want fallback for %q", res.Engine, res.FallbackReason, tt.reason)
			}
			if res.Cause == nil || res.Cause.Event.ID != "argo-7781" {
				t.Errorf("fallback cause = %+v, want the heuristic's", res.Cause)
			}
		})
	}
}
