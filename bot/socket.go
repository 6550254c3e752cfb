package bot

import (
	"context"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/noctuary/noctuary"
)

// Socket Mode reconnection: exponential back-off with jitter between
// failed connections, from socketRetryMin up to socketRetryMax.
const (
	socketRetryMin = time.Second
	socketRetryMax = 5 * time.Minute
)

// errSocketConnecting is the health of Socket Mode before its first
// connection.
var errSocketConnecting = noctuary.Errorf(noctuary.EUnavailable, "Slack Socket Mode is connecting.")

// socketMode receives commands and interactions over Socket Mode and acks
// each envelope with the same answer the HTTP endpoints give. A failure,
// even a refused app token (invalid_auth), never stops the process: it is
// logged, reported by Health, and the connection is retried with back-off.
func (b *Bot) socketMode(ctx context.Context) error {
	retry := backoff.NewExponentialBackOff()
	retry.InitialInterval, retry.MaxInterval = socketRetryMin, socketRetryMax
	for {
		err := b.socketSession(ctx, retry.Reset)
		if ctx.Err() != nil {
			return nil
		}
		wait := retry.NextBackOff()
		b.setSocketHealth(noctuary.Errorf(noctuary.EUnavailable, "Slack Socket Mode is down (%v); retrying in %s. Webhooks and notes go on.", err, wait.Round(time.Second)))
		b.log.Error("Slack Socket Mode failed; slash commands and buttons wait, webhooks and notes go on",
			"error", err, "retry_in", wait)
		if sleep(ctx, wait) != nil {
			return nil
		}
	}
}

// socketSession runs one Socket Mode client until it fails or ctx ends;
// connected is called on each successful connection.
func (b *Bot) socketSession(ctx context.Context, connected func()) error {
	api := slack.New(b.opt.BotToken.Reveal(), slack.OptionAPIURL(b.opt.APIURL),
		slack.OptionAppLevelToken(b.opt.AppToken.Reveal()), slack.OptionHTTPClient(b.http))
	sm := socketmode.New(api)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- sm.RunContext(ctx) }()
	for {
		select {
		case <-ctx.Done():
			return <-done
		case err := <-done:
			return err
		case evt := <-sm.Events:
			if evt.Type == socketmode.EventTypeConnected {
				connected()
				b.setSocketHealth(nil)
			}
			b.socketEvent(ctx, sm, evt)
		}
	}
}

// Health is nil while Socket Mode is connected (or not used), else why not;
// /readyz and noctuary_component_up report it.
func (b *Bot) Health() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.socketErr
}

func (b *Bot) setSocketHealth(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.socketErr = err
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
