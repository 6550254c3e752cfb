package gemini

import (
	"maps"
	"slices"
	"strings"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/agent"
	"google.golang.org/genai"
)

// more is one further suggestion of the model's answer, after the main one.
type more struct {
	Text         string            `json:"text"`
	Reason       string            `json:"reason"`
	SignalIDs    []string          `json:"signal_ids"`
	Action       string            `json:"action"`
	ActionParams map[string]string `json:"action_params"`
}

// keptMore returns the further suggestions that pass: a sentence of text
// and of reason, at least one cited signal, all among those sent (ids), no
// action but a declared one with exactly its declared params, and not the
// main suggestion's step again; at most noctuary.MaxSuggestions-1 of them.
// The others are dropped: the model may propose, never act, and nothing is
// suggested without a cited signal.
func keptMore(ms []more, a answer, ids []string, svc noctuary.Service) []more {
	var out []more
	seen := []more{{Text: a.Suggestion, Action: a.Action, ActionParams: a.ActionParams}}
	for _, m := range ms {
		if len(out) == noctuary.MaxSuggestions-1 {
			break
		}
		var err error
		if m.Text, err = sentence("suggestion", m.Text, maxSuggestionLen); err != nil {
			continue
		}
		if m.Reason, err = sentence("reason", m.Reason, maxReasonLen); err != nil {
			continue
		}
		if m.SignalIDs, err = citedIDs(m.SignalIDs, ids); err != nil {
			continue
		}
		m.Action = strings.TrimSpace(m.Action)
		if len(m.ActionParams) == 0 {
			m.ActionParams = nil
		}
		if _, err := agent.CheckAction(svc, m.Action, m.ActionParams); err != nil {
			continue
		}
		if slices.ContainsFunc(seen, func(s more) bool { return sameStep(s, m) }) {
			continue
		}
		seen = append(seen, m)
		out = append(out, m)
	}
	return out
}

// sameStep reports whether a and b suggest the same declared action with
// the same params, or, without actions, the same text.
func sameStep(a, b more) bool {
	if a.Action != "" || b.Action != "" {
		return a.Action == b.Action && maps.Equal(a.ActionParams, b.ActionParams)
	}
	return a.Text == b.Text
}

// suggestions are the result's ranked suggestions: the main one (the
// recommendation, why the model confirmed or overturned the heuristic, and
// its cited signals), then the further ones kept.
func (a answer) suggestions(req agent.Request, ids []string, rec noctuary.Recommendation, cited []string) []noctuary.Suggestion {
	out := []noctuary.Suggestion{{Recommendation: rec, Reason: a.VerdictReason, Evidence: evidence(req, ids, cited)}}
	for _, m := range a.More {
		spec, _ := req.Service.Action(m.Action)
		out = append(out, noctuary.Suggestion{
			Recommendation: noctuary.Recommendation{Text: m.Text, Action: m.Action, Params: m.ActionParams,
				Destructive: m.Action != "" && spec.Destructive},
			Reason: m.Reason, Evidence: evidence(req, ids, m.SignalIDs),
		})
	}
	return out
}

// evidence is that of the signals cited (ids sent, validated), at most
// noctuary.MaxSuggestionEvidence.
func evidence(req agent.Request, ids, cited []string) []noctuary.Evidence {
	var out []noctuary.Evidence
	for _, id := range cited[:min(len(cited), noctuary.MaxSuggestionEvidence)] {
		out = append(out, noctuary.EvidenceOf(req.Correlation.Signals[slices.Index(ids, id)].Event))
	}
	return out
}

// moreSchema describes more_suggestions: params as the main action's.
func moreSchema(params *genai.Schema) *genai.Schema {
	str := func(desc string) *genai.Schema { return &genai.Schema{Type: genai.TypeString, Description: desc} }
	item := &genai.Schema{
		Type: genai.TypeObject,
		Properties: map[string]*genai.Schema{
			"text":       str("One or two sentences: another thing the engineer could do."),
			"reason":     str("One sentence: why, naming the evidence."),
			"signal_ids": {Type: genai.TypeArray, Items: str("A signal id from the data, e.g. s1."), MinItems: genai.Ptr[int64](1)},
			"action":     str(`A declared action name, or "".`),
		},
		Required:         []string{"text", "reason", "signal_ids", "action"},
		PropertyOrdering: []string{"text", "reason", "signal_ids", "action", "action_params"},
	}
	if params != nil {
		item.Properties["action_params"] = params
	}
	return &genai.Schema{Type: genai.TypeArray, Items: item, MaxItems: genai.Ptr[int64](noctuary.MaxSuggestions - 1)}
}
