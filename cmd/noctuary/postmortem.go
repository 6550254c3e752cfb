package main

import (
	"context"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/agent/gemini"
	"github.com/noctuary/noctuary/bot"
	"github.com/noctuary/noctuary/pd"
	"github.com/noctuary/noctuary/postmortem"
	"github.com/noctuary/noctuary/store"
)

// newPostmortems builds the postmortem drafts: the store, the note through
// the environment's PagerDuty key, the Slack thread through slack, and
// Gemini's narrative when a key is configured (bounded by
// NOCTUARY_LLM_TIMEOUT, the template's draft otherwise).
func (m *Main) newPostmortems(ctx context.Context, s *store.Store, pager *pagerDuty, pauser postmortem.Pauser, slack postmortem.Slack) (*postmortem.Service, error) {
	cfg := m.Config
	d := postmortem.Drafter{Timeout: cfg.LLMTimeout}
	if !cfg.Gemini.APIKey.IsZero() {
		g, err := gemini.New(ctx, gemini.Config{APIKey: cfg.Gemini.APIKey, Model: cfg.Gemini.Model, BaseURL: cfg.Gemini.BaseURL, Timeout: cfg.LLMTimeout})
		if err != nil {
			return nil, err
		}
		d.Narrator = g
	}
	return postmortem.New(postmortem.Options{
		Store: s, Notes: draftNotes{pager}, Slack: slack, Pauser: pauser, Drafter: d,
		RenderNote: pd.RenderPostmortemNote, PublicURL: cfg.PublicURL, Logger: m.Logger,
	}), nil
}

// draftNotes posts a draft's note with an integration's key (the triage
// note's way: once, looked for first when an attempt may have posted it).
type draftNotes struct{ p *pagerDuty }

// PostNote posts p, or refuses with EForbidden where nothing may be
// written (no key, inbound-only).
func (d draftNotes) PostNote(ctx context.Context, integrationID string, p noctuary.NotePost) (string, error) {
	n, err := d.p.Notifier(ctx, integrationID)
	if err != nil {
		return "", err
	}
	if n == nil {
		return "", noctuary.Errorf(noctuary.EForbidden, "integration %s writes nothing to PagerDuty (no key, or inbound-only)", integrationID)
	}
	return n.PostNote(ctx, p)
}

// draftPoster posts drafts in Slack through the bot, once it is built: the
// bot regenerates drafts, and drafts are posted through the bot.
type draftPoster struct{ bot *bot.Bot }

// PostPostmortem queues the draft's Slack post; without Slack, nothing.
func (d *draftPoster) PostPostmortem(ctx context.Context, p noctuary.Postmortem) error {
	if d.bot == nil {
		return nil
	}
	return d.bot.PostPostmortem(ctx, p)
}
