package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/bot/blocks"
)

// The key rotation modal.
const (
	rotateCallback = "noctuary_rotate"
	rotateBlock    = "key"
	rotateInput    = "token"
	// submitTimeout keeps a view_submission answer within Slack's 3 s.
	submitTimeout = 2500 * time.Millisecond
	// maxEnvLen bounds an environment name (it travels in private_metadata).
	maxEnvLen = 100
)

func (b *Bot) rotate(ctx context.Context, r request) (string, error) {
	env := r.args[0]
	if !noctuary.ValidServiceKey(env) || len(env) > maxEnvLen {
		return "", noctuary.Errorf(noctuary.EInvalid, "%q is not an environment name", clip(env))
	}
	if r.triggerID == "" {
		return "", noctuary.Errorf(noctuary.EInvalid, "Slack sent no trigger to open the form with; run the command again")
	}
	err := b.dir.call(ctx, func() error {
		_, err := b.api.OpenViewContext(ctx, r.triggerID, rotateModal(env))
		return err
	})
	if err != nil {
		return "", noctuary.Wrap(err, noctuary.EUnavailable, "Slack did not open the key rotation form.")
	}
	return fmt.Sprintf("Paste the new PagerDuty key for `%s` in the form.", env), nil
}

func rotateModal(env string) slack.ModalViewRequest {
	input := slack.NewPlainTextInputBlockElement(plain("a PagerDuty REST API key"), rotateInput)
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: rotateCallback, PrivateMetadata: env,
		Title: plain("Rotate PagerDuty key"), Submit: plain("Rotate"), Close: plain("Cancel"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(mrkdwn(fmt.Sprintf("The new key of environment `%s` is checked against PagerDuty "+
				"before it replaces the current one, which is kept until the new key has worked once.", env)), nil, nil),
			slack.NewInputBlock(rotateBlock, plain("New PagerDuty API key"), nil, input),
		}},
	}
}

// submitRotation handles the rotation modal's view_submission: errors go
// back into the modal, success replaces it with a confirmation.
func (b *Bot) submitRotation(ctx context.Context, cb slack.InteractionCallback) *slack.ViewSubmissionResponse {
	if !b.isAdmin(cb.User.ID) {
		return formError(b.adminsOnly("rotate"))
	}
	env := cb.View.PrivateMetadata
	var token string
	if cb.View.State != nil {
		token = strings.TrimSpace(cb.View.State.Values[rotateBlock][rotateInput].Value)
	}
	if token == "" {
		return formError("Paste the new key.")
	}
	ctx, cancel := context.WithTimeout(ctx, submitTimeout)
	defer cancel()
	if err := b.opt.Admin.RotateKey(ctx, actor(cb.User.ID), env, noctuary.Secret(token)); err != nil {
		if ctx.Err() != nil {
			return formError("PagerDuty did not answer in time; try again.")
		}
		return formError(b.errorText(err, "key rotation"))
	}
	return slack.NewUpdateViewSubmissionResponse(&slack.ModalViewRequest{
		Type: slack.VTModal, Title: plain("Rotate PagerDuty key"), Close: plain("Done"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(mrkdwn(fmt.Sprintf(
			"PagerDuty accepted the new key of `%s`; it is in use now. The old key is kept until the new one has worked once.",
			env)), nil, nil)}},
	})
}

// formError shows msg under the key input (Slack allows 150 characters).
func formError(msg string) *slack.ViewSubmissionResponse {
	return slack.NewErrorsViewSubmissionResponse(map[string]string{rotateBlock: blocks.Truncate(msg, 150)})
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}
