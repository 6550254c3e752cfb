// Package gemini is the LLM hypothesis engine: it sends an incident and its
// masked, ranked signals to a Gemini model as delimited data, and decodes the
// model's structured answer as untrusted input, validating every field.
// Callers use it through agent.Hypothesize, which falls back to the heuristic
// engine when it errs, times out or answers something invalid.
package gemini

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/agent"
	"google.golang.org/genai"
)

// DefaultModel is the model used when Config.Model is empty.
const DefaultModel = "gemini-2.5-flash"

// Config configures the engine.
type Config struct {
	APIKey noctuary.Secret
	// Model defaults to DefaultModel.
	Model string
	// BaseURL defaults to Google's Gemini API endpoint.
	BaseURL string
	// Timeout bounds each request (default DefaultTimeout); the worker
	// gives up sooner, at NOCTUARY_LLM_TIMEOUT, and posts the heuristic's.
	Timeout time.Duration
}

// DefaultTimeout bounds a request when Config.Timeout is not set.
const DefaultTimeout = time.Minute

// Engine asks a Gemini model for a hypothesis. It makes one attempt per
// triage: retries would only delay the heuristic fallback.
type Engine struct {
	client *genai.Client
	model  string
}

// New returns an engine for the Gemini API. It does not contact the API.
func New(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.APIKey.IsZero() {
		return nil, noctuary.Errorf(noctuary.EInvalid, "the Gemini API key is empty; set NOCTUARY_GEMINI_API_KEY or leave Gemini off")
	}
	if cfg.Model == "" {
		cfg.Model = DefaultModel
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	client, err := genai.NewClient(ctx, &genai.ClientConfig{
		APIKey:      cfg.APIKey.Reveal(),
		Backend:     genai.BackendGeminiAPI,
		HTTPOptions: genai.HTTPOptions{BaseURL: cfg.BaseURL, APIVersion: "v1beta", Timeout: &cfg.Timeout},
		HTTPClient:  &http.Client{Timeout: cfg.Timeout},
	})
	if err != nil {
		return nil, noctuary.Wrap(err, noctuary.EInvalid, "the Gemini client could not be created; check NOCTUARY_GEMINI_BASE_URL")
	}
	return &Engine{client: client, model: cfg.Model}, nil
}

// Name returns the model name, written in the note's footer.
func (e *Engine) Name() string { return e.model }

// Hypothesize asks the model about req. It refuses, sending nothing, when the
// service opted out of the LLM. Errors from the API, blocked or truncated
// answers and answers that fail validation are returned as errors.
func (e *Engine) Hypothesize(ctx context.Context, req agent.Request) (agent.Result, error) {
	if !req.Service.LLM {
		return agent.Result{}, noctuary.Errorf(noctuary.EForbidden, "service %s opted out of the LLM (llm: false)", req.Service.Key)
	}
	p, err := buildPrompt(req)
	if err != nil {
		return agent.Result{}, fmt.Errorf("building the prompt: %w", err)
	}
	resp, err := e.client.Models.GenerateContent(ctx, e.model, p.contents, p.config)
	if err != nil {
		return agent.Result{}, apiError(err)
	}
	text, err := answerText(resp)
	if err != nil {
		return agent.Result{}, err
	}
	a, err := decodeAnswer(text, p.ids, p.cause, req.Service)
	if err != nil {
		return agent.Result{}, err
	}
	return a.result(e.model, req, p.ids), nil
}

// shortError is an API error with a short message; a 429 is an
// agent.ErrRateLimited.
type shortError struct {
	code int
	msg  string
}

func (e shortError) Error() string { return e.msg }

func (e shortError) Unwrap() error {
	if e.code == http.StatusTooManyRequests {
		return agent.ErrRateLimited
	}
	return nil
}

// apiError shortens the SDK's API errors to "429 RESOURCE_EXHAUSTED: <message>".
func apiError(err error) error {
	var ae genai.APIError
	if errors.As(err, &ae) {
		msg := strings.Join(strings.Fields(ae.Message), " ")
		if len(msg) > 160 {
			msg = msg[:160] + "…"
		}
		return shortError{code: ae.Code, msg: fmt.Sprintf("%d %s: %s", ae.Code, ae.Status, msg)}
	}
	return err
}
