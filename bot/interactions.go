package bot

import (
	"context"
	"strings"

	"github.com/slack-go/slack"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/bot/blocks"
)

// interact answers one interaction payload. Clicks are queued as jobs; the
// answer (nil: an empty 200) is what Slack needs within 3 s.
func (b *Bot) interact(ctx context.Context, cb slack.InteractionCallback) (any, error) {
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		return nil, b.queueClicks(ctx, cb)
	case slack.InteractionTypeViewSubmission:
		switch cb.View.CallbackID {
		case rotateCallback:
			return b.submitRotation(ctx, cb), nil
		case missCallback:
			return b.submitMiss(ctx, cb), nil
		}
	}
	return nil, nil
}

// queueClicks queues a job per button of ours that was clicked; "wrong"
// also opens the form asking what the cause was.
func (b *Bot) queueClicks(ctx context.Context, cb slack.InteractionCallback) error {
	for _, a := range cb.ActionCallback.BlockActions {
		if !ourAction(a.ActionID) {
			continue
		}
		c := click{
			ActionID: a.ActionID, Value: a.Value, IncidentID: incidentOfBlock(a.BlockID),
			UserID: cb.User.ID, UserName: userName(cb.User), ResponseURL: cb.ResponseURL,
		}
		if err := b.enqueue(ctx, job{Kind: jobClick, Click: &c}); err != nil {
			return err
		}
		if a.ActionID == blocks.ActionWrong {
			b.openMissForm(ctx, a.Value, cb.TriggerID)
		}
	}
	return nil
}

func ourAction(id string) bool {
	switch id {
	case blocks.ActionApprove, blocks.ActionApply, blocks.ActionAcknowledge, blocks.ActionRight, blocks.ActionWrong:
		return true
	}
	return false
}

// incidentOfBlock reads the incident ID from the actions block's ID.
func incidentOfBlock(blockID string) string {
	id, _ := strings.CutPrefix(blockID, blocks.ActionsBlockPrefix)
	return id
}

func userName(u slack.User) string {
	if u.Name != "" {
		return u.Name
	}
	return u.Profile.RealName
}

// say answers the clicking user with an ephemeral message (response_url).
func (b *Bot) say(ctx context.Context, c click, text string) error {
	if c.ResponseURL == "" {
		return nil
	}
	err := slack.PostWebhookCustomHTTPContext(ctx, c.ResponseURL, b.http, &slack.WebhookMessage{
		ResponseType: slack.ResponseTypeEphemeral, Text: text,
	})
	if err != nil {
		return noctuary.Wrap(err, noctuary.EUnavailable, "cannot answer through Slack's response_url")
	}
	return nil
}
