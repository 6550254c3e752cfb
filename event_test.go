package noctuary_test

import (
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

func TestContextEventValidate(t *testing.T) {
	now := time.Date(2026, 11, 23, 2, 20, 0, 0, time.UTC)
	valid := func() noctuary.ContextEvent {
		return noctuary.ContextEvent{
			ID: "argo-7781", Service: "checkout", Kind: "deploy", Source: "argocd",
			OccurredAt: now.Add(-10 * time.Minute), Summary: "checkout rolled out sha=a4f2c1",
			Attributes: map[string]string{"sha": "a4f2c1"}, Link: "https://argocd.example/applications/checkout",
		}
	}
	tests := []struct {
		name   string
		change func(*noctuary.ContextEvent)
		want   string // "" = valid; else a substring of the error
	}{
		{"valid", func(*noctuary.ContextEvent) {}, ""},
		{"pagerduty service id", func(e *noctuary.ContextEvent) { e.Service = "PABC123" }, ""},
		{"no id is fine", func(e *noctuary.ContextEvent) { e.ID = "" }, ""},
		{"missing service", func(e *noctuary.ContextEvent) { e.Service = "" }, "service is required"},
		{"blank kind", func(e *noctuary.ContextEvent) { e.Kind = "  " }, "kind is required"},
		{"missing source", func(e *noctuary.ContextEvent) { e.Source = "" }, "source is required"},
		{"missing time", func(e *noctuary.ContextEvent) { e.OccurredAt = time.Time{} }, "occurred_at is required"},
		{"far future", func(e *noctuary.ContextEvent) { e.OccurredAt = now.Add(25 * time.Hour) }, "in the future"},
		{"near future ok", func(e *noctuary.ContextEvent) { e.OccurredAt = now.Add(23 * time.Hour) }, ""},
		{"service chars", func(e *noctuary.ContextEvent) { e.Service = "check out" }, "may hold only"},
		{"long summary", func(e *noctuary.ContextEvent) { e.Summary = strings.Repeat("x", 1001) }, "summary is 1001 bytes"},
		{"long id", func(e *noctuary.ContextEvent) { e.ID = strings.Repeat("x", 201) }, "id is 201 bytes"},
		{"bad utf8", func(e *noctuary.ContextEvent) { e.Summary = "\xff" }, "not valid UTF-8"},
		{"relative link", func(e *noctuary.ContextEvent) { e.Link = "/apps/checkout" }, "absolute http(s) URL"},
		{"javascript link", func(e *noctuary.ContextEvent) { e.Link = "javascript:alert(1)" }, "absolute http(s) URL"},
		{"empty attribute key", func(e *noctuary.ContextEvent) { e.Attributes = map[string]string{"": "x"} }, "attribute key"},
		{"long attribute", func(e *noctuary.ContextEvent) { e.Attributes = map[string]string{"k": strings.Repeat("v", 1025)} }, `attribute "k"`},
		{"too many attributes", func(e *noctuary.ContextEvent) {
			e.Attributes = map[string]string{}
			for i := 0; i < 51; i++ {
				e.Attributes[strings.Repeat("k", i+1)] = "v"
			}
		}, "at most 50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := valid()
			tt.change(&e)
			err := e.Validate(now)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
			if noctuary.ErrorCode(err) != noctuary.EInvalid {
				t.Fatalf("code = %q, want invalid", noctuary.ErrorCode(err))
			}
		})
	}
}
