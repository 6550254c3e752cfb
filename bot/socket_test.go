package bot

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/bot/blocks"
)

type ackRecorder struct{ acks []socketmode.Response }

func (a *ackRecorder) Ack(req socketmode.Request, payload ...any) error {
	r := socketmode.Response{EnvelopeID: req.EnvelopeID}
	if len(payload) > 0 {
		r.Payload = payload[0]
	}
	a.acks = append(a.acks, r)
	return nil
}

func TestSocketEventDispatch(t *testing.T) {
	h := posted(t, checkout(noctuary.ModeAction))
	acks := &ackRecorder{}
	ctx := context.Background()
	events := []socketmode.Event{
		{Type: socketmode.EventTypeHello, Request: &socketmode.Request{Type: "hello"}},
		{Type: socketmode.EventTypeSlashCommand, Request: &socketmode.Request{EnvelopeID: "e1"},
			Data: slack.SlashCommand{Command: SlashCommand, Text: "mode checkout action", UserID: "U0BOB"}},
		{Type: socketmode.EventTypeInteractive, Request: &socketmode.Request{EnvelopeID: "e2"},
			Data: slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, User: slack.User{ID: "U0BOB"},
				ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{{
					ActionID: blocks.ActionRight, Value: "tri-1", BlockID: "noctuary_actions:Q1ABCDEF"}}}}},
		{Type: socketmode.EventTypeInteractive, Request: &socketmode.Request{EnvelopeID: "e3"},
			Data: slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: "U0BOB"},
				View: slack.View{CallbackID: rotateCallback, PrivateMetadata: "prod"}}},
	}
	for _, e := range events {
		h.bot.socketEvent(ctx, acks, e)
	}
	if len(acks.acks) != 3 {
		t.Fatalf("acks = %+v, want one per envelope (hello is not acked)", acks.acks)
	}
	if r, ok := acks.acks[0].Payload.(reply); !ok || !strings.HasPrefix(r.Text, "Only Noctuary's Slack admins may run `/noctuary mode`") {
		t.Errorf("slash command ack = %+v", acks.acks[0])
	}
	if acks.acks[1].EnvelopeID != "e2" || acks.acks[1].Payload != nil {
		t.Errorf("block action ack = %+v, want an empty ack", acks.acks[1])
	}
	if r, ok := acks.acks[2].Payload.(*slack.ViewSubmissionResponse); !ok || r.ResponseAction != slack.RAErrors {
		t.Errorf("view submission ack = %+v", acks.acks[2])
	}
	h.drain()
	if got := h.verdicts(); got != (noctuary.Verdicts{Right: 1}) {
		t.Errorf("the click was not carried out: %+v", got)
	}
	if audit := h.audit(); len(audit) != 1 || audit[0] != "U0BOB triage.feedback checkout right engine=heuristic triage=tri-1" {
		t.Errorf("audit log %q, want the feedback only (the refused command changed nothing)", audit)
	}
}

func TestSocketClickNotQueuedIsNotAcked(t *testing.T) {
	h := posted(t, checkout(noctuary.ModeAction))
	if err := h.store.Close(); err != nil { // Redis is gone: the click cannot be queued
		t.Fatal(err)
	}
	acks := &ackRecorder{}
	h.bot.socketEvent(context.Background(), acks, socketmode.Event{Type: socketmode.EventTypeInteractive,
		Request: &socketmode.Request{EnvelopeID: "e1"},
		Data: slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, User: slack.User{ID: "U0BOB"},
			ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{{
				ActionID: blocks.ActionRight, Value: "tri-1", BlockID: "noctuary_actions:Q1ABCDEF"}}}}})
	if len(acks.acks) != 0 {
		t.Errorf("acks = %+v: Slack would tell the user the click worked", acks.acks)
	}
}

// TestSocketModeOverWebsocket runs Run against a fake Slack that opens a
// Socket Mode connection and sends a slash command envelope.
func TestSocketModeOverWebsocket(t *testing.T) {
	h := newHarness(t, "embedded")
	h.bot.opt.AppToken = "xapp-1-test"
	h.bot.block = 10 * time.Millisecond // Run stops within one round
	ackc := make(chan []byte, 1)
	upgrader := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	h.slack.ws = func(w http.ResponseWriter, r *http.Request) {
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		cmd, _ := json.Marshal(slack.SlashCommand{Command: SlashCommand, Text: "help", UserID: "U0BOB"})
		_ = conn.WriteJSON(map[string]any{"type": "hello", "num_connections": 1})
		_ = conn.WriteJSON(map[string]any{"type": "slash_commands", "envelope_id": "env-1",
			"accepts_response_payload": true, "payload": json.RawMessage(cmd)})
		_, msg, err := conn.ReadMessage()
		if err == nil {
			ackc <- msg
		}
		_, _, _ = conn.ReadMessage() // hold the connection until the client leaves
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.bot.Run(ctx) }()
	var ack struct {
		EnvelopeID string `json:"envelope_id"`
		Payload    reply  `json:"payload"`
	}
	if err := json.Unmarshal(<-ackc, &ack); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
	if ack.EnvelopeID != "env-1" || !strings.HasPrefix(ack.Payload.Text, "*Noctuary* commands") {
		t.Errorf("ack = %+v", ack)
	}
}
