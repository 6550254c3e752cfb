package main

import (
	"context"

	"github.com/noctuary/noctuary/agent"
	"github.com/noctuary/noctuary/agent/gemini"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
)

// newLLM returns the Gemini engine when a key is configured, else nil (the
// heuristic engine writes every hypothesis).
func newLLM(ctx context.Context, cfg *config.Config) (agent.Engine, error) {
	if cfg.Gemini.APIKey.IsZero() {
		return nil, nil
	}
	return gemini.New(ctx, gemini.Config{APIKey: cfg.Gemini.APIKey, Model: cfg.Gemini.Model, BaseURL: cfg.Gemini.BaseURL,
		Timeout: cfg.LLMTimeout})
}
