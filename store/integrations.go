package store

import (
	"context"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
)

// recordIntegrations writes the non-secret fields of the configured
// integrations to Redis, keeping fields already there.
func (s *Store) recordIntegrations(ctx context.Context) error {
	if len(s.opt.Integrations) == 0 {
		return nil
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, in := range s.opt.Integrations {
			k := keyIntegration(in.ID)
			p.HSetNX(ctx, k, "environment", in.Environment)
			p.HSetNX(ctx, k, "direction", string(in.Direction))
			p.HSetNX(ctx, k, "from", in.From)
			p.HSetNX(ctx, k, "api_url", in.APIURL)
		}
		return nil
	})
	return unavailable(err)
}

// Integration returns integration id: a configured one, secrets included,
// or a live one (CreateIntegration) without its secrets, which only
// package admin can open.
func (s *Store) Integration(ctx context.Context, id string) (noctuary.Integration, error) {
	if in, ok := s.integrations[id]; ok {
		return in, nil
	}
	rec, err := s.IntegrationRecord(ctx, id)
	if noctuary.ErrorCode(err) == noctuary.ENotFound {
		return noctuary.Integration{}, notFound("integration %q is not configured", id)
	}
	return rec.Integration, err
}

// IntegrationForEnvironment returns the integration of environment env
// (there is exactly one per environment), configured or live.
func (s *Store) IntegrationForEnvironment(ctx context.Context, env string) (noctuary.Integration, error) {
	for _, in := range s.opt.Integrations {
		if in.Environment == env {
			return in, nil
		}
	}
	live, err := s.liveIntegrations(ctx)
	if err != nil {
		return noctuary.Integration{}, err
	}
	for _, in := range live {
		if in.Environment == env {
			return in, nil
		}
	}
	return noctuary.Integration{}, notFound("no integration is configured for environment %q", env)
}
