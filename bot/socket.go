package bot

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/url"
	"regexp"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
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
	link := &socketLink{b: b, retry: retry}
	for {
		err := b.socketSession(ctx, link)
		if ctx.Err() != nil {
			return nil
		}
		wait := retry.NextBackOff()
		link.down(ctx, slog.LevelError, err, wait)
		if sleep(ctx, wait) != nil {
			return nil
		}
	}
}

// socketSession runs one Socket Mode client until it fails or ctx ends.
// slack-go reconnects by itself after a lost connection or a failed dial;
// link follows those ups and downs.
func (b *Bot) socketSession(ctx context.Context, link *socketLink) error {
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
			if !link.event(ctx, evt) {
				b.socketEvent(ctx, sm, evt)
			}
		}
	}
}

// socketLink follows Socket Mode's connection across slack-go's own
// reconnections and socketMode's retries: it sets Health on every change,
// and logs once per change rather than once per retry. Only socketMode's
// goroutine uses it.
type socketLink struct {
	b      *Bot
	retry  *backoff.ExponentialBackOff
	up     bool  // connected
	warned bool  // a failure was logged since the last connection
	lost   error // the last read error of the current connection
}

// event follows a connection event; it reports whether evt was one.
func (l *socketLink) event(ctx context.Context, evt socketmode.Event) bool {
	switch evt.Type {
	case socketmode.EventTypeConnected, socketmode.EventTypeHello:
		l.connected()
	case socketmode.EventTypeConnecting, socketmode.EventTypeDisconnect:
		if l.up { // a connection that was up is gone; slack-go reconnects
			l.down(ctx, slog.LevelWarn, cmp.Or(l.lost, errSocketClosed), 0)
		}
	case socketmode.EventTypeConnectionError:
		if e, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
			l.down(ctx, slog.LevelWarn, e.ErrorObj, e.Backoff)
		}
	case socketmode.EventTypeInvalidAuth:
		l.down(ctx, slog.LevelError, errSocketInvalidAuth, 0)
	case socketmode.EventTypeIncomingError:
		if e, ok := evt.Data.(*slack.IncomingEventError); ok {
			l.lost = e.ErrorObj // a broken connection is followed by connecting
			l.b.log.Debug("Socket Mode read failed", "error", redactURLs(e.ErrorObj))
		}
	default:
		return false
	}
	return true
}

// Causes of a Socket Mode outage that slack-go reports without an error.
var (
	errSocketClosed      = errors.New("the connection closed")
	errSocketInvalidAuth = errors.New("invalid_auth")
)

// connected marks Socket Mode up, logging it if it was not.
func (l *socketLink) connected() {
	if !l.up {
		l.b.log.Info("Slack Socket Mode connected")
	}
	l.up, l.warned, l.lost = true, false, nil
	l.retry.Reset()
	l.b.setSocketHealth(nil)
}

// down marks Socket Mode down for cause, to be retried in retryIn (0: at
// once). Only the first failure since the last connection is logged at
// level; the retries that follow are logged at Debug.
func (l *socketLink) down(ctx context.Context, level slog.Level, cause error, retryIn time.Duration) {
	why, next := redactURLs(cause), "reconnecting"
	if retryIn > 0 {
		next = "retrying in " + roundWait(retryIn).String()
	}
	l.b.setSocketHealth(noctuary.Errorf(noctuary.EUnavailable,
		"Slack Socket Mode is down (%s); %s. Webhooks and notes go on.", why, next))
	if l.warned {
		level = slog.LevelDebug
	}
	l.b.log.Log(ctx, level, "Slack Socket Mode is down; slash commands and buttons wait, webhooks and notes go on",
		"error", why, "retry_in", retryIn)
	l.up, l.warned = false, true
}

// roundWait rounds a back-off for people: to the second, or to 100 ms
// below one.
func roundWait(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}

// urlText is a URL within an error's text.
var urlText = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>]+`)

// redactURLs is err's text with each URL cut to its scheme and host: the
// Socket Mode URL carries a connection ticket, a secret, and a failed
// dial's error may quote it.
func redactURLs(err error) string {
	return urlText.ReplaceAllStringFunc(err.Error(), func(s string) string {
		if u, perr := url.Parse(s); perr == nil && u.Host != "" {
			return u.Scheme + "://" + u.Host
		}
		return "[URL]"
	})
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
	case slackevents.EventsAPIEvent:
		if err := b.callback(ctx, data); err != nil {
			b.log.Error("Slack event not queued", "error", err) // no ack: Slack redelivers it
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
