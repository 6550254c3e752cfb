package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/noctuary/noctuary"
)

// Keys of the dashboard's sessions and of the integrations' last webhooks.
const (
	prefixSession = "noctuary:v1:dashboard:session:"
	keyWebhookAt  = "noctuary:v1:integrations:webhook-at"
)

// keySession keys a session by the SHA-256 of its ID: what Redis holds
// cannot be replayed as a cookie.
func keySession(id string) string {
	sum := sha256.Sum256([]byte(id))
	return prefixSession + hex.EncodeToString(sum[:])
}

// PutSession keeps a dashboard session for ttl, every replica seeing it:
// its CSRF token under its ID's digest.
func (s *Store) PutSession(ctx context.Context, id, csrf string, ttl time.Duration) error {
	if id == "" || csrf == "" || ttl <= 0 {
		return noctuary.Errorf(noctuary.EInvalid, "a session needs an ID, a CSRF token and a lifetime")
	}
	return unavailable(s.rdb.Set(ctx, keySession(id), csrf, ttl).Err())
}

// Session returns the CSRF token of session id; ENotFound once it expired,
// was deleted or never was.
func (s *Store) Session(ctx context.Context, id string) (string, error) {
	csrf, err := s.rdb.Get(ctx, keySession(id)).Result()
	if isNil(err) {
		return "", noctuary.Errorf(noctuary.ENotFound, "the session has ended; sign in again")
	}
	return csrf, unavailable(err)
}

// DeleteSession ends session id (signing out).
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	return unavailable(s.rdb.Del(ctx, keySession(id)).Err())
}

// MarkWebhook records that a webhook signed for integration arrived at at.
func (s *Store) MarkWebhook(ctx context.Context, integration string, at time.Time) error {
	return unavailable(s.rdb.HSet(ctx, keyWebhookAt, integration, at.UnixMilli()).Err())
}

// WebhookTimes returns when each integration's last signed webhook arrived
// (as MarkWebhook recorded it); an integration without one is absent.
func (s *Store) WebhookTimes(ctx context.Context) (map[string]time.Time, error) {
	all, err := s.rdb.HGetAll(ctx, keyWebhookAt).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	out := make(map[string]time.Time, len(all))
	for id, ms := range all {
		if n, err := strconv.ParseInt(ms, 10, 64); err == nil {
			out[id] = time.UnixMilli(n).UTC()
		}
	}
	return out, nil
}
