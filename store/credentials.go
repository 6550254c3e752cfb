package store

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
)

// Credentials: what each integration's PagerDuty credential may do, since
// when each of its secrets is in use, and the rotation reminders sent.
const (
	prefixCredReport  = "noctuary:v1:credential:report:"
	prefixSecretSince = "noctuary:v1:credential:since:"
	prefixReminder    = "noctuary:v1:credential:reminder:"
)

// sinceScript returns since when the secret of fingerprint ARGV[1] is in
// use: ARGV[2] (now, ms) when it differs from the one recorded.
// KEYS[1] the record (hash fp, since).
var sinceScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'fp') ~= ARGV[1] then
  redis.call('HSET', KEYS[1], 'fp', ARGV[1], 'since', ARGV[2])
end
return redis.call('HGET', KEYS[1], 'since')
`)

// SetCredentialReport keeps what the integration's credential may do.
func (s *Store) SetCredentialReport(ctx context.Context, integrationID string, r noctuary.CredentialReport) error {
	data, err := json.Marshal(r)
	if err != nil {
		return noctuary.Wrap(err, noctuary.EInternal, "cannot encode a credential report")
	}
	return unavailable(s.rdb.Set(ctx, prefixCredReport+integrationID, data, 0).Err())
}

// CredentialReport returns the integration's last credential report, nil
// when there is none.
func (s *Store) CredentialReport(ctx context.Context, integrationID string) (*noctuary.CredentialReport, error) {
	data, err := s.rdb.Get(ctx, prefixCredReport+integrationID).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, unavailable(err)
	}
	var r noctuary.CredentialReport
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, nil // written by another version: as if never checked
	}
	return &r, nil
}

// SecretSince returns since when the integration's secret of kind (a
// noctuary.Credential* kind) is in use: when its fingerprint (a hash, never
// the secret) was first seen, now if it is new.
func (s *Store) SecretSince(ctx context.Context, integrationID, kind, fingerprint string, now time.Time) (time.Time, error) {
	v, err := sinceScript.Run(ctx, s.rdb, []string{prefixSecretSince + integrationID + ":" + kind}, fingerprint, msID(now)).Text()
	if err != nil {
		return time.Time{}, unavailable(err)
	}
	ms, _ := strconv.ParseInt(v, 10, 64)
	return time.UnixMilli(ms).UTC(), nil
}

// ClaimReminder records that the reminder named key is being sent, once
// across replicas: it returns false when it already was. The mark expires
// after ttl.
func (s *Store) ClaimReminder(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ok, err := s.rdb.SetNX(ctx, prefixReminder+key, "1", ttl).Result()
	return ok, unavailable(err)
}

// ReleaseReminder forgets a claimed reminder that could not be sent, so
// that the next round sends it.
func (s *Store) ReleaseReminder(ctx context.Context, key string) error {
	return unavailable(s.rdb.Del(ctx, prefixReminder+key).Err())
}
