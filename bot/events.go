package bot

import (
	"cmp"
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/bot/blocks"
)

// jobMention answers an @noctuary mention.
const jobMention = "mention"

// mentionJob is an app_mention, as needed to answer it.
type mentionJob struct {
	Channel  string `json:"channel"`
	TS       string `json:"ts"`
	ThreadTS string `json:"thread_ts,omitempty"`
	User     string `json:"user"`
}

// notAnIncidentThread answers a mention outside an incident's thread.
const notAnIncidentThread = "Mention me in the thread of an incident's Noctuary message and I will say why I think what I think: the hypothesis and the signals behind it."

// EventsHandler serves POST /slack/events, the Events API: url_verification
// is answered with its challenge; an app_mention is queued for the job
// worker, which answers in the thread with the triage's reasoning.
func (b *Bot) EventsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !b.verify(w, r) {
			return
		}
		body, _ := io.ReadAll(r.Body) // verify left it in memory
		ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
		if err != nil {
			writeError(w, http.StatusBadRequest, noctuary.EInvalid, "the Events API payload is malformed")
			return
		}
		if ev.Type == slackevents.URLVerification {
			var c slackevents.ChallengeResponse
			_ = json.Unmarshal(body, &c)
			writeJSON(w, http.StatusOK, map[string]string{"challenge": c.Challenge})
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), answerTimeout)
		defer cancel()
		if err := b.callback(ctx, ev); err != nil {
			// Slack retries a delivery that fails.
			b.log.Error("Slack event not queued", "error", err)
			writeError(w, http.StatusServiceUnavailable, noctuary.EUnavailable, "Noctuary cannot take this event now")
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// callback queues the answer to an app_mention of a person, once per event
// (Slack retries deliveries); other events are ignored.
func (b *Bot) callback(ctx context.Context, ev slackevents.EventsAPIEvent) error {
	m, ok := ev.InnerEvent.Data.(*slackevents.AppMentionEvent)
	if !ok || m.BotID != "" || m.Channel == "" || m.TimeStamp == "" {
		return nil
	}
	if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok && cb.EventID != "" {
		first, err := b.opt.Store.FirstSlackRequest(ctx, "event:"+cb.EventID, replayWindow)
		if err != nil || !first {
			return err
		}
	}
	return b.enqueue(ctx, job{Kind: jobMention, Mention: &mentionJob{Channel: m.Channel, TS: m.TimeStamp, ThreadTS: m.ThreadTimeStamp, User: m.User}})
}

// answerMention answers in the mention's thread: the reasoning of the
// incident's triage when the thread is an incident's message, else how to
// ask. A retried job answers once.
func (b *Bot) answerMention(ctx context.Context, m mentionJob) error {
	incidentID := ""
	if m.ThreadTS != "" {
		var err error
		if incidentID, err = b.opt.Store.SlackThread(ctx, m.Channel, m.ThreadTS); err != nil {
			return err
		}
	}
	if incidentID == "" {
		return b.dir.call(ctx, func() error {
			_, _, err := b.api.PostMessageContext(ctx, m.Channel, slack.MsgOptionText(notAnIncidentThread, false),
				slack.MsgOptionTS(cmp.Or(m.ThreadTS, m.TS)))
			return err
		})
	}
	return b.withRecord(ctx, incidentID, func(r *record) error {
		text := "There is no triage of this incident yet; I will post it here when there is."
		if r.Triage.ID != "" {
			text = blocks.Reasoning(r.Triage)
		}
		if slackID(m.User, "UW") {
			text = mention(m.User) + " " + text
		}
		return b.sayOnce(ctx, r, "mention:"+m.TS, text)
	})
}
