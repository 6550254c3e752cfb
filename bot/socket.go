package bot

import (
	"context"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// socketMode receives commands and interactions over Socket Mode and acks
// each envelope with the same answer the HTTP endpoints give.
func (b *Bot) socketMode(ctx context.Context) error {
	api := slack.New(b.opt.BotToken.Reveal(), slack.OptionAPIURL(b.opt.APIURL),
		slack.OptionAppLevelToken(b.opt.AppToken.Reveal()))
	sm := socketmode.New(api)
	done := make(chan error, 1)
	go func() { done <- sm.RunContext(ctx) }()
	for {
		select {
		case <-ctx.Done():
			return <-done
		case err := <-done:
			return err
		case evt := <-sm.Events:
			b.socketEvent(ctx, sm, evt)
		}
	}
}

// acker acknowledges a Socket Mode envelope.
type acker interface {
	Ack(req socketmode.Request, payload ...any) error
}

// socketEvent dispatches one Socket Mode event to the shared command and
// interaction logic.
func (b *Bot) socketEvent(ctx context.Context, sm acker, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive, socketmode.EventTypeEventsAPI:
	default:
		b.log.Debug("Socket Mode", "event", evt.Type)
		return
	}
	if evt.Request == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, answerTimeout)
	defer cancel()
	var answer any
	switch data := evt.Data.(type) {
	case slack.SlashCommand:
		answer = b.command(ctx, data)
	case slack.InteractionCallback:
		var err error
		if answer, err = b.interact(ctx, data); err != nil {
			// No ack: Slack tells the user it failed, as the HTTP 503 does.
			b.log.Error("Slack interaction not queued", "error", err)
			return
		}
	}
	var err error
	if answer == nil {
		err = sm.Ack(*evt.Request)
	} else {
		err = sm.Ack(*evt.Request, answer)
	}
	if err != nil {
		b.log.Warn("Socket Mode ack failed", "type", evt.Type, "error", err)
	}
}
