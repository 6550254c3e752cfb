package store

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
)

// Integrations created live (the admin API): one hash,
// noctuary:v1:integrations:live, integration ID -> IntegrationRecord JSON
// (its webhook secrets sealed by package admin). One key, so that "one
// integration per environment" is checked and written atomically. The
// configuration file's integrations are not in it and win on a clash.
const keyLiveIntegrations = "noctuary:v1:integrations:live"

// CreateIntegration records a new live integration. It returns EConflict
// when the ID or the environment is taken, by the configuration or live.
func (s *Store) CreateIntegration(ctx context.Context, rec noctuary.IntegrationRecord) error {
	in := rec.Integration
	for _, c := range s.opt.Integrations {
		if c.ID == in.ID || c.Environment == in.Environment {
			return integrationTaken(in)
		}
	}
	if rec.CreatedAt.IsZero() {
		rec.CreatedAt = s.now()
	}
	b, err := encodeRecord(rec)
	if err != nil {
		return noctuary.Wrap(err, noctuary.EInvalid, "the integration cannot be encoded")
	}
	return s.liveTx(ctx, func(tx *redis.Tx, live map[string]noctuary.IntegrationRecord) error {
		for _, r := range live {
			if r.Integration.ID == in.ID || r.Integration.Environment == in.Environment {
				return integrationTaken(in)
			}
		}
		_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, keyLiveIntegrations, in.ID, b)
			return nil
		})
		return err
	})
}

func integrationTaken(in noctuary.Integration) error {
	return noctuary.Errorf(noctuary.EConflict, "an integration %s, or one for environment %s, exists already: each environment has exactly one", in.ID, in.Environment)
}

// IntegrationRecord returns the live integration id.
func (s *Store) IntegrationRecord(ctx context.Context, id string) (noctuary.IntegrationRecord, error) {
	var rec noctuary.IntegrationRecord
	b, err := s.rdb.HGet(ctx, keyLiveIntegrations, id).Bytes()
	switch {
	case isNil(err):
		return rec, notFound("integration %q is not known", id)
	case err != nil:
		return rec, unavailable(err)
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return rec, noctuary.Wrap(err, noctuary.EInternal, "a stored integration is corrupt")
	}
	withoutSecrets(&rec.Integration) // kept sealed, apart
	return rec, nil
}

// UpdateIntegrationRecord applies fn to the live integration id and writes
// the result atomically; an error from fn writes nothing.
func (s *Store) UpdateIntegrationRecord(ctx context.Context, id string, fn func(*noctuary.IntegrationRecord) error) (noctuary.IntegrationRecord, error) {
	var out noctuary.IntegrationRecord
	err := s.liveTx(ctx, func(tx *redis.Tx, live map[string]noctuary.IntegrationRecord) error {
		rec, ok := live[id]
		if !ok {
			return notFound("integration %q is not known", id)
		}
		if err := fn(&rec); err != nil {
			return err
		}
		rec.Integration.ID = id
		b, err := encodeRecord(rec)
		if err != nil {
			return err
		}
		out = rec
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, keyLiveIntegrations, id, b)
			return nil
		})
		return err
	})
	return out, err
}

// liveTx runs fn on the live integrations under WATCH, retrying when they
// change in between; fn's domain errors are returned as they are.
func (s *Store) liveTx(ctx context.Context, fn func(tx *redis.Tx, live map[string]noctuary.IntegrationRecord) error) error {
	for range maxTxAttempts {
		err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
			live, err := liveRecords(tx.HGetAll(ctx, keyLiveIntegrations).Result())
			if err != nil {
				return err
			}
			return fn(tx, live)
		}, keyLiveIntegrations)
		if !errors.Is(err, redis.TxFailedErr) {
			var domain *noctuary.Error
			if errors.As(err, &domain) {
				return err
			}
			return unavailable(err)
		}
	}
	return noctuary.Errorf(noctuary.EConflict, "the integrations kept changing; try again")
}

// liveIntegrations returns the live integrations, secrets left out.
func (s *Store) liveIntegrations(ctx context.Context) ([]noctuary.Integration, error) {
	live, err := liveRecords(s.rdb.HGetAll(ctx, keyLiveIntegrations).Result())
	if err != nil {
		return nil, unavailable(err)
	}
	out := make([]noctuary.Integration, 0, len(live))
	for _, r := range live {
		out = append(out, r.Integration)
	}
	return out, nil
}

func liveRecords(h map[string]string, err error) (map[string]noctuary.IntegrationRecord, error) {
	if err != nil {
		return nil, err
	}
	out := make(map[string]noctuary.IntegrationRecord, len(h))
	for id, v := range h {
		var rec noctuary.IntegrationRecord
		if json.Unmarshal([]byte(v), &rec) == nil {
			rec.Integration.ID = id
			withoutSecrets(&rec.Integration)
			out[id] = rec
		}
	}
	return out, nil
}

// encodeRecord is rec's JSON without the integration's clear secrets (a
// Secret encodes as "[redacted]"): they are kept sealed, apart.
func encodeRecord(rec noctuary.IntegrationRecord) ([]byte, error) {
	withoutSecrets(&rec.Integration)
	return json.Marshal(rec)
}

// withoutSecrets clears in's clear secrets: its PagerDuty keys (a live
// integration has no extra keys: only the configuration sets them) and
// webhook secrets. Stored, each would read back as "[redacted]".
func withoutSecrets(in *noctuary.Integration) {
	in.Token, in.ExtraTokens, in.WebhookSecrets = "", nil, nil
}
