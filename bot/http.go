package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/slack-go/slack"

	"github.com/noctuary/noctuary"
)

const (
	// maxBody bounds a Slack request body.
	maxBody = 1 << 20
	// answerTimeout keeps every answer within Slack's 3 s.
	answerTimeout = 2500 * time.Millisecond
	// replayWindow is how long an accepted request's signature is
	// remembered: Slack's signatures carry no nonce, and a timestamp is
	// accepted up to 5 minutes either side of now.
	replayWindow = 10 * time.Minute
)

// CommandsHandler serves POST /slack/commands: the /noctuary slash command,
// answered with an ephemeral message in the response.
func (b *Bot) CommandsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !b.verify(w, r) {
			return
		}
		sc, err := slack.SlashCommandParse(r)
		if err != nil {
			writeError(w, http.StatusBadRequest, noctuary.EInvalid, "the slash command request is malformed")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), answerTimeout)
		defer cancel()
		writeJSON(w, http.StatusOK, b.command(ctx, sc))
	})
}

// InteractionsHandler serves POST /slack/interactions: button clicks (queued
// for the job worker) and modal submissions.
func (b *Bot) InteractionsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !b.verify(w, r) {
			return
		}
		cb, err := slack.InteractionCallbackParse(r)
		if err != nil {
			writeError(w, http.StatusBadRequest, noctuary.EInvalid, "the interaction payload is malformed")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), answerTimeout)
		defer cancel()
		answer, err := b.interact(ctx, cb)
		if err != nil {
			b.log.Error("Slack interaction not queued", "error", err)
			writeError(w, http.StatusServiceUnavailable, noctuary.EUnavailable, "Noctuary cannot take this request now; try again")
			return
		}
		if answer == nil {
			w.WriteHeader(http.StatusOK)
			return
		}
		writeJSON(w, http.StatusOK, answer)
	})
}

// verify checks Slack's request signature and timestamp (5 minutes) and that
// the request is not a replay, then restores the body for the form parsers.
// It answers 401 (or 413, or 503) itself, and a replay with an empty 200.
func (b *Bot) verify(w http.ResponseWriter, r *http.Request) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		writeError(w, http.StatusRequestEntityTooLarge, noctuary.ETooLarge, "the request body is larger than 1 MiB")
		return false
	}
	if err == nil {
		err = checkSignature(r.Header, body, b.opt.SigningSecret)
	}
	if err != nil {
		b.log.Debug("Slack request rejected", "error", err)
		writeError(w, http.StatusUnauthorized, noctuary.EUnauthorized,
			"the Slack request signature is missing, invalid or older than 5 minutes")
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return b.firstTime(w, r)
}

// firstTime remembers the request's signature for replayWindow; a replay is
// answered 200 with no effect, and a store failure 503 (Slack tells the
// user), so that nothing runs unchecked.
func (b *Bot) firstTime(w http.ResponseWriter, r *http.Request) bool {
	ctx, cancel := context.WithTimeout(r.Context(), answerTimeout)
	defer cancel()
	first, err := b.opt.Store.FirstSlackRequest(ctx, r.Header.Get("X-Slack-Signature"), replayWindow)
	switch {
	case err != nil:
		b.log.Error("cannot check a Slack request for replay", "error", err)
		writeError(w, http.StatusServiceUnavailable, noctuary.EUnavailable, "Noctuary cannot take this request now; try again")
	case !first:
		b.log.Warn("replayed Slack request ignored", "path", r.URL.Path)
		w.WriteHeader(http.StatusOK)
	}
	return err == nil && first
}

func checkSignature(h http.Header, body []byte, secret noctuary.Secret) error {
	sv, err := slack.NewSecretsVerifier(h, secret.Reveal())
	if err != nil {
		return err
	}
	if _, err := sv.Write(body); err != nil {
		return err
	}
	return sv.Ensure()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]string{"error": msg, "code": code})
}
