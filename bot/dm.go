package bot

import (
	"context"

	"github.com/slack-go/slack"

	"github.com/noctuary/noctuary"
)

// jobDM sends a direct message to a user (rotation reminders).
const jobDM = "dm"

// dmJob is a direct message to send.
type dmJob struct {
	User string `json:"user"`
	Text string `json:"text"`
}

// DirectMessage queues text as a direct message to the Slack user userID
// (the app's messages tab with the user); the durable job queue sends it,
// retrying while Slack fails.
func (b *Bot) DirectMessage(ctx context.Context, userID, text string) error {
	if !slackID(userID, "UW") {
		return noctuary.Errorf(noctuary.EInvalid, "%q is not a Slack user ID", clip(userID))
	}
	return b.enqueue(ctx, job{Kind: jobDM, DM: &dmJob{User: userID, Text: text}})
}

// sendDM posts a queued direct message: chat.postMessage to the user's ID
// opens the app's conversation with the user.
func (b *Bot) sendDM(ctx context.Context, m dmJob) error {
	return b.dir.call(ctx, func() error {
		_, _, err := b.api.PostMessageContext(ctx, m.User, slack.MsgOptionText(m.Text, false))
		return err
	})
}
