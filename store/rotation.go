package store

import (
	"context"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
)

// Rotated PagerDuty keys: noctuary:v1:apikey:<integration id> is a hash of
// first_seen and rotated_at (unix ms), current and previous (opaque bytes:
// keys encrypted by package admin; the store never sees a plaintext key) and
// pending ("1" until the current key has worked once). The global kill
// switch is the string noctuary:v1:paused.
const (
	prefixAPIKey = "noctuary:v1:apikey:"
	keyPaused    = "noctuary:v1:paused"
)

func keyAPIKey(integrationID string) string { return prefixAPIKey + integrationID }

// keyRecordScript returns the record, setting first_seen if missing.
// KEYS[1] the record; ARGV[1] now (ms).
var keyRecordScript = redis.NewScript(`
redis.call('HSETNX', KEYS[1], 'first_seen', ARGV[1])
return redis.call('HGETALL', KEYS[1])
`)

// rotateScript makes ARGV[1] the current key. The previous key is the last
// confirmed one: a rotation on top of an unconfirmed one keeps it.
// KEYS[1] the record; ARGV[1] ciphertext, ARGV[2] now (ms).
var rotateScript = redis.NewScript(`
redis.call('HSETNX', KEYS[1], 'first_seen', ARGV[2])
if redis.call('HGET', KEYS[1], 'pending') ~= '1' then
  local cur = redis.call('HGET', KEYS[1], 'current')
  if cur then redis.call('HSET', KEYS[1], 'previous', cur) else redis.call('HDEL', KEYS[1], 'previous') end
end
redis.call('HSET', KEYS[1], 'current', ARGV[1], 'rotated_at', ARGV[2], 'pending', '1')
return redis.call('HGETALL', KEYS[1])
`)

// confirmScript marks the current key as working and forgets the previous,
// if the current key is still the one that worked.
// KEYS[1] the record; ARGV[1] the ciphertext of the key that worked.
// Returns 1 when a pending key was confirmed.
var confirmScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'pending') ~= '1' or redis.call('HGET', KEYS[1], 'current') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'pending', '0')
redis.call('HDEL', KEYS[1], 'previous')
return 1
`)

// Integrations returns the configured integrations, secrets included, and
// the live ones without their secrets, sorted by ID.
func (s *Store) Integrations(ctx context.Context) ([]noctuary.Integration, error) {
	live, err := s.liveIntegrations(ctx)
	if err != nil {
		return nil, err
	}
	out := append(slices.Clone(s.opt.Integrations), live...)
	slices.SortFunc(out, func(a, b noctuary.Integration) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// KeyRecord returns the key record of an integration, recording now as the
// time its key was first seen if there is none.
func (s *Store) KeyRecord(ctx context.Context, integrationID string) (noctuary.KeyRecord, error) {
	l, err := keyRecordScript.Run(ctx, s.rdb, []string{keyAPIKey(integrationID)}, msID(s.now())).Slice()
	if err != nil {
		return noctuary.KeyRecord{}, unavailable(err)
	}
	return parseKeyRecord(pairs(l)), nil
}

// RotateKey makes ciphertext (an encrypted key) the integration's current,
// pending key, keeping the last confirmed key as the previous one.
func (s *Store) RotateKey(ctx context.Context, integrationID string, ciphertext []byte) (noctuary.KeyRecord, error) {
	if len(ciphertext) == 0 {
		return noctuary.KeyRecord{}, noctuary.Errorf(noctuary.EInvalid, "the rotated key is empty")
	}
	l, err := rotateScript.Run(ctx, s.rdb, []string{keyAPIKey(integrationID)}, ciphertext, msID(s.now())).Slice()
	if err != nil {
		return noctuary.KeyRecord{}, unavailable(err)
	}
	return parseKeyRecord(pairs(l)), nil
}

// ConfirmKey marks the integration's current key as having worked, and
// forgets the previous one, if the current key is still ciphertext (the
// key that worked: a rotation since is not confirmed by it). It reports
// whether a pending key was confirmed.
func (s *Store) ConfirmKey(ctx context.Context, integrationID string, ciphertext []byte) (bool, error) {
	n, err := confirmScript.Run(ctx, s.rdb, []string{keyAPIKey(integrationID)}, ciphertext).Int()
	if err != nil {
		return false, unavailable(err)
	}
	return n == 1, nil
}

func parseKeyRecord(h map[string]string) noctuary.KeyRecord {
	r := noctuary.KeyRecord{FirstSeen: msTime(h["first_seen"]), RotatedAt: msTime(h["rotated_at"]), Pending: h["pending"] == "1"}
	if c := h["current"]; c != "" {
		r.Current = []byte(c)
	}
	if p := h["previous"]; p != "" {
		r.Previous = []byte(p)
	}
	return r
}

// GlobalPaused reports whether the global kill switch is on.
func (s *Store) GlobalPaused(ctx context.Context) (bool, error) {
	n, err := s.rdb.Exists(ctx, keyPaused).Result()
	if err != nil {
		return false, unavailable(err)
	}
	return n == 1, nil
}

// SetGlobalPaused turns the global kill switch on or off. A paused Noctuary
// writes nothing to PagerDuty and runs no action; triage goes on.
func (s *Store) SetGlobalPaused(ctx context.Context, paused bool) error {
	if paused {
		return unavailable(s.rdb.Set(ctx, keyPaused, "1", 0).Err())
	}
	return unavailable(s.rdb.Del(ctx, keyPaused).Err())
}
