package bot

import (
	"context"
	"strings"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/bot/blocks"
)

// Reviewer builds the rollout review and renders it for Slack (package
// review satisfies it).
type Reviewer interface {
	Review(ctx context.Context) (noctuary.Review, error)
	SlackText(r noctuary.Review) string
}

// reviewLimit bounds the review shown in Slack; the drift comes first.
const reviewLimit = 3000

func (b *Bot) review(ctx context.Context, _ request) (string, error) {
	if b.opt.Review == nil {
		return "The rollout review is not available on this server.", nil
	}
	r, err := b.opt.Review.Review(ctx)
	if err != nil {
		return "", err
	}
	text := b.opt.Review.SlackText(r)
	if len(text) > reviewLimit {
		text = blocks.Truncate(text, reviewLimit-120) + "\n_The whole review: `noctuary review` or `GET /api/v1/review`._"
	}
	return strings.TrimSpace(text), nil
}
