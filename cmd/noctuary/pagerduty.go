package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/agent"
	"github.com/noctuary/noctuary/pd"
)

// callBound bounds a PagerDuty call once its first request had its budget:
// PagerDuty asking to wait longer (Retry-After) ends the attempt, and a
// triage's note then waits in the queue, its retry time kept in Redis,
// instead of holding a worker.
const callBound = 10 * time.Second

// integrations is what the PagerDuty client factory needs of the store.
type integrations interface {
	Integration(ctx context.Context, id string) (noctuary.Integration, error)
}

// keySource gives the key an integration uses now: the rotated one if any
// (admin.Admin), with the previous one as a fallback until the new one has
// worked once.
type keySource interface {
	Tokens(ctx context.Context, integrationID string) (current, previous noctuary.Secret, pending bool, err error)
	ConfirmToken(ctx context.Context, integrationID string, used noctuary.Secret) error
}

// keyInUse is what keySource.Tokens says of an integration's key, read
// once a call.
type keyInUse struct {
	current, previous noctuary.Secret
	pending           bool
}

// pagerDuty gives each integration PagerDuty clients scoped to its own key
// (docs/architecture.md, "Safety") and adapts them to what the worker (agent.Notifiers), the
// approvals (Notes, OnCall) and key rotation (admin.KeyChecker) need.
type pagerDuty struct {
	store   integrations
	keys    keySource
	limiter pd.Limiter
	budget  int // requests per minute per key
	burst   int // of which at once; 0: half
	logger  *slog.Logger
	metrics *pd.Metrics
	// now is the clock of OAuth token renewal and credential reports.
	now func() time.Time

	mu      sync.Mutex
	clients map[string]*pd.Client // by integration ID and key fingerprint
}

// Notifier returns the integration's note writer, or nil (dry run: notes are
// logged and kept) when it has no PagerDuty key or is inbound-only.
func (p *pagerDuty) Notifier(ctx context.Context, integrationID string) (agent.Notifier, error) {
	integ, key, err := p.current(ctx, integrationID)
	if err != nil || (key.current.IsZero() && integ.OAuth == nil) || integ.Direction == noctuary.DirectionInbound {
		return nil, err
	}
	return notifier{p: p, integration: integrationID}, nil
}

// AddNote writes a timeline note (approvals).
func (p *pagerDuty) AddNote(ctx context.Context, integrationID, incidentID, content string) error {
	return p.do(ctx, integrationID, func(c *pd.Client) error {
		_, err := c.AddNote(ctx, incidentID, content)
		return err
	})
}

// Acknowledge acknowledges an incident (approvals, auto-acknowledge).
func (p *pagerDuty) Acknowledge(ctx context.Context, integrationID, incidentID string) error {
	return p.do(ctx, integrationID, func(c *pd.Client) error { return c.Acknowledge(ctx, incidentID) })
}

// OnCallEmails lists who is on call for an escalation policy (approvals).
func (p *pagerDuty) OnCallEmails(ctx context.Context, integrationID, escalationPolicyID string) ([]string, error) {
	var emails []string
	err := p.do(ctx, integrationID, func(c *pd.Client) (err error) {
		emails, err = c.OnCallEmails(ctx, escalationPolicyID)
		return err
	})
	return emails, err
}

// CheckKey validates a new key against PagerDuty before a rotation. It
// checks that key alone: a rotation replaces only the main key, and the
// report that follows it checks the extra keys.
func (p *pagerDuty) CheckKey(ctx context.Context, integ noctuary.Integration, token noctuary.Secret) error {
	integ.ExtraTokens = nil
	c, err := p.client(integ, token)
	if err != nil {
		return err
	}
	return c.CheckKey(ctx)
}

// current returns the integration and its key, from one read of the key
// record.
func (p *pagerDuty) current(ctx context.Context, integrationID string) (noctuary.Integration, keyInUse, error) {
	integ, err := p.store.Integration(ctx, integrationID)
	if err != nil {
		return integ, keyInUse{}, err
	}
	var k keyInUse
	k.current, k.previous, k.pending, err = p.keys.Tokens(ctx, integrationID)
	return integ, k, err
}

// do runs call with the integration's current key. When a freshly rotated
// key is refused (401, or 403: a read-only key, or its user lacks a
// permission), it retries with the previous one; when it works, the
// rotation is confirmed. The key record is read once, before the call: the
// previous key to fall back to is the one the rotation of the call's key
// replaced, and a call confirms only the pending rotation whose key it
// used: not a rotation made meanwhile (whose key it did not use), whether
// its own key was a pending rotation's or not.
func (p *pagerDuty) do(ctx context.Context, integrationID string, call func(*pd.Client) error) error {
	integ, key, err := p.current(ctx, integrationID)
	if err != nil {
		return err
	}
	if key.pending {
		// Until a rotated main key has worked once, calls go with it
		// alone: one that an extra key answered would confirm it unseen.
		integ.ExtraTokens = nil
	}
	c, err := p.client(integ, key.current)
	if err != nil {
		return err
	}
	err = call(c)
	if integ.OAuth != nil { // an app's tokens: no rotated key to fall back from or confirm
		return err
	}
	if code := noctuary.ErrorCode(err); code == noctuary.EUnauthorized || code == noctuary.EForbidden {
		// PagerDuty did nothing. A 403 too: a rotated key may be
		// read-only, which its check (a read) cannot tell.
		if key.pending {
			p.logger.Warn("the rotated PagerDuty key was refused; using the previous key", "integration", integrationID, "code", code)
			if c, cerr := p.client(integ, key.previous); cerr == nil {
				return call(c)
			}
		}
		return err
	}
	if err == nil && key.pending { // confirm only the rotated key this call used
		if cerr := p.keys.ConfirmToken(ctx, integrationID, key.current); cerr != nil {
			p.logger.Warn("recording that the PagerDuty key works failed", "integration", integrationID, "error", cerr)
		}
	}
	return err
}

// client returns a cached client for the integration and key (with the
// integration's extra keys), or for its OAuth app (whose client keeps its
// token).
func (p *pagerDuty) client(integ noctuary.Integration, token noctuary.Secret) (*pd.Client, error) {
	secret := "key:" + token.Reveal()
	for _, extra := range integ.ExtraTokens {
		secret += "\x00" + extra.Reveal()
	}
	if app := integ.OAuth; app != nil {
		secret = "oauth:" + app.ClientID + "\x00" + app.ClientSecret.Reveal() + "\x00" + app.AccountScope() + "\x00" + app.TokenURL
	}
	sum := sha256.Sum256([]byte(secret))
	key := integ.ID + "/" + hex.EncodeToString(sum[:8])
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.clients[key]; ok {
		return c, nil
	}
	integ.Token = token
	c, err := pd.NewClient(integ, pd.ClientOptions{Limiter: p.limiter, RequestsPerMinute: p.budget, Burst: p.burst,
		MaxWait: callBound, Logger: p.logger, Metrics: p.metrics, Now: p.now})
	if err != nil {
		return nil, err
	}
	if p.clients == nil {
		p.clients = map[string]*pd.Client{}
	}
	p.clients[key] = c
	return c, nil
}

// notifier is one integration's agent.Notifier.
type notifier struct {
	p           *pagerDuty
	integration string
}

// PostNote posts the triage's note once (see pd.Client.PostNote).
func (n notifier) PostNote(ctx context.Context, p noctuary.NotePost) (string, error) {
	var id string
	err := n.p.do(ctx, n.integration, func(c *pd.Client) (err error) {
		id, err = c.PostNote(ctx, p)
		return err
	})
	return id, err
}

// Acknowledge acknowledges the incident.
func (n notifier) Acknowledge(ctx context.Context, incidentID string) error {
	return n.p.Acknowledge(ctx, n.integration, incidentID)
}
