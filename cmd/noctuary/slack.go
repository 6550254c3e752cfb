package main

import (
	"encoding/json"
	"html/template"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/admin"
	"github.com/noctuary/noctuary/agent/actions"
	"github.com/noctuary/noctuary/approvals"
	"github.com/noctuary/noctuary/bot"
	"github.com/noctuary/noctuary/bot/blocks"
	"github.com/noctuary/noctuary/dashboard/slackview"
	"github.com/noctuary/noctuary/store"
)

// newBot builds the Slack bot and the approvals behind its buttons; nil when
// no Slack bot token is configured (Noctuary then posts PagerDuty notes only).
func (m *Main) newBot(s *store.Store, adm *admin.Admin, pager *pagerDuty, rollout bot.Reviewer, drafts bot.Postmortems) (*bot.Bot, error) {
	cfg := m.Config
	if cfg.Slack.BotToken.IsZero() {
		return nil, nil
	}
	decisions := approvals.New(approvals.Options{
		Store:     s,
		Runner:    actions.New(actions.Options{Logger: m.Logger, Metrics: actions.NewMetrics(m.Registry)}),
		Notes:     pager,
		OnCall:    pager,
		Directory: bot.NewDirectory(cfg.Slack.BotToken, cfg.Slack.APIURL, bot.CallTimeout(cfg.ClaimIdle)),
		TTL:       cfg.ApprovalTTL,
		Logger:    m.Logger,
	})
	return bot.New(bot.Options{
		BotToken: cfg.Slack.BotToken, SigningSecret: cfg.Slack.SigningSecret, AppToken: cfg.Slack.AppToken,
		APIURL: cfg.Slack.APIURL, Admins: cfg.Slack.Admins,
		Store: s, Admin: adm, Approvals: decisions, Review: rollout, Postmortems: drafts, ClaimIdle: cfg.ClaimIdle, Logger: m.Logger,
		Metrics: bot.NewMetrics(m.Registry), Now: m.Now,
	})
}

// slackPreview renders an incident's Slack message for the admin API, from
// the same blocks the bot posts, with or without a Slack workspace.
func slackPreview(t noctuary.Triage, st noctuary.IncidentState, approvals []noctuary.Approval, paused bool) any {
	return blocks.Preview(t, st, approvals, paused)
}

// slackPreviewHTML renders an incident's Slack message for the dashboard:
// the blocks of slackPreview, as the JSON posted, turned into HTML.
func slackPreviewHTML(t noctuary.Triage, st noctuary.IncidentState, approvals []noctuary.Approval, paused bool) (template.HTML, error) {
	b, err := json.Marshal(slackPreview(t, st, approvals, paused))
	if err != nil {
		return "", err
	}
	return slackview.Render(b)
}
