package store

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
)

// maxTxAttempts bounds the retries of a WATCH/MULTI update that keeps
// losing to concurrent writers.
const maxTxAttempts = 20

// Service returns the settings of the service key, with its declared actions.
// A declared service that Redis lost is recreated as declared.
func (s *Store) Service(ctx context.Context, key string) (noctuary.Service, error) {
	declared := func(d noctuary.Service) bool { return d.Key == key }
	return s.orRestored(ctx, declared, "service "+key, func() (noctuary.Service, error) { return s.service(ctx, key) })
}

func (s *Store) service(ctx context.Context, key string) (noctuary.Service, error) {
	if !noctuary.ValidServiceKey(key) {
		return noctuary.Service{}, notFound("service %q is not configured", key)
	}
	h, err := s.rdb.HGetAll(ctx, keyService(key)).Result()
	if err != nil {
		return noctuary.Service{}, unavailable(err)
	}
	if len(h) == 0 {
		return noctuary.Service{}, notFound("service %q is not configured", key)
	}
	return s.withActions(parseService(key, h)), nil
}

// ServiceByPagerDutyID returns the service bound to a PagerDuty service ID.
// When Redis lost the binding or the service and the configuration declares
// it, both are recreated as declared.
func (s *Store) ServiceByPagerDutyID(ctx context.Context, pdServiceID string) (noctuary.Service, error) {
	declared := func(d noctuary.Service) bool { return slices.Contains(d.PagerDutyServiceIDs, pdServiceID) }
	return s.orRestored(ctx, declared, "PagerDuty service "+pdServiceID, func() (noctuary.Service, error) {
		key, err := s.rdb.Get(ctx, keyPDService(pdServiceID)).Result()
		if isNil(err) {
			return noctuary.Service{}, notFound("no service is bound to PagerDuty service %q", pdServiceID)
		}
		if err != nil {
			return noctuary.Service{}, unavailable(err)
		}
		return s.service(ctx, key)
	})
}

// orRestored runs lookup; when it finds nothing that the configuration
// declares, it restores the declared records and runs lookup once more.
func (s *Store) orRestored(ctx context.Context, declared func(noctuary.Service) bool, looked string, lookup func() (noctuary.Service, error)) (noctuary.Service, error) {
	svc, err := lookup()
	if noctuary.ErrorCode(err) != noctuary.ENotFound {
		return svc, err
	}
	again, rerr := s.restoreDeclared(ctx, declared, looked)
	if rerr != nil {
		return svc, rerr
	}
	if !again {
		return svc, err
	}
	return lookup()
}

// Services returns every configured service, sorted by key.
func (s *Store) Services(ctx context.Context) ([]noctuary.Service, error) {
	keys, err := s.rdb.SMembers(ctx, keyServices).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	slices.Sort(keys)
	cmds := make([]*redis.MapStringStringCmd, len(keys))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.HGetAll(ctx, keyService(k))
		}
		return nil
	})
	if err != nil {
		return nil, unavailable(err)
	}
	out := make([]noctuary.Service, 0, len(keys))
	for i, c := range cmds {
		if h := c.Val(); len(h) > 0 {
			out = append(out, s.withActions(parseService(keys[i], h)))
		}
	}
	return out, nil
}

// PutService writes svc's settings, replacing any stored ones. A service
// without a mode is read-only.
func (s *Store) PutService(ctx context.Context, svc noctuary.Service) error {
	svc, err := normalizeService(svc)
	if err != nil {
		return err
	}
	_, err = s.serviceTx(ctx, svc.Key, func(*noctuary.Service) (*noctuary.Service, error) { return &svc, nil })
	return err
}

// CreateServiceIfMissing writes svc unless the service exists, so that the
// settings admins changed live are never overwritten.
func (s *Store) CreateServiceIfMissing(ctx context.Context, svc noctuary.Service) (created bool, err error) {
	svc, err = normalizeService(svc)
	if err != nil {
		return false, err
	}
	out, err := s.serviceTx(ctx, svc.Key, func(old *noctuary.Service) (*noctuary.Service, error) {
		if old != nil {
			return nil, nil
		}
		return &svc, nil
	})
	return out != nil, err
}

// UpdateService applies fn to the stored settings of key and writes the
// result atomically: fn runs again if the settings changed meanwhile, and an
// error from fn is returned as is, writing nothing.
// A declared service that Redis lost is recreated as declared first.
func (s *Store) UpdateService(ctx context.Context, key string, fn func(*noctuary.Service) error) (noctuary.Service, error) {
	declared := func(d noctuary.Service) bool { return d.Key == key }
	return s.orRestored(ctx, declared, "service "+key, func() (noctuary.Service, error) { return s.updateService(ctx, key, fn) })
}

func (s *Store) updateService(ctx context.Context, key string, fn func(*noctuary.Service) error) (noctuary.Service, error) {
	out, err := s.serviceTx(ctx, key, func(old *noctuary.Service) (*noctuary.Service, error) {
		if old == nil {
			return nil, notFound("service %q is not configured", key)
		}
		svc := s.withActions(*old)
		if err := fn(&svc); err != nil {
			return nil, err
		}
		svc.Key = key
		svc, err := normalizeService(svc)
		return &svc, err
	})
	if err != nil {
		return noctuary.Service{}, err
	}
	return s.withActions(*out), nil
}

// serviceTx runs fn on the stored settings of key (nil when missing) under
// WATCH and writes the service fn returns (nothing when nil), retrying when
// the settings change in between; then it writes the service's index
// (writeIndex). Errors from fn are returned as they are.
func (s *Store) serviceTx(ctx context.Context, key string, fn func(old *noctuary.Service) (*noctuary.Service, error)) (*noctuary.Service, error) {
	for attempt := range maxTxAttempts {
		var out, old *noctuary.Service
		var fnErr error
		err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
			h, err := tx.HGetAll(ctx, keyService(key)).Result()
			if err != nil {
				return err
			}
			old = nil
			if len(h) > 0 {
				o := parseService(key, h)
				old = &o
			}
			if out, fnErr = fn(old); fnErr != nil || out == nil {
				return nil
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.HSet(ctx, keyService(out.Key), serviceFields(*out)...)
				return nil
			})
			return err
		}, keyService(key))
		switch {
		case fnErr != nil:
			return nil, fnErr
		case errors.Is(err, redis.TxFailedErr):
			time.Sleep(rand.N(time.Duration(attempt+1) * time.Millisecond))
		case err != nil:
			return nil, unavailable(err)
		case out == nil:
			return nil, nil
		default:
			return out, s.writeIndex(ctx, *out, old)
		}
	}
	return nil, noctuary.Errorf(noctuary.EConflict, "the settings of service %q kept changing; try again", key)
}

// writeIndex writes what indexes svc, just written over old (nil when
// new): its entry in the set of services and its PagerDuty service IDs'
// mappings, dropping those of IDs it no longer has. They live in other hash
// slots than the settings, so they follow the settings' transaction rather
// than join it: a failure in between leaves them as they were until the
// service's next write or Recover, and the settings are never missing
// what the index points at.
func (s *Store) writeIndex(ctx context.Context, svc noctuary.Service, old *noctuary.Service) error {
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.SAdd(ctx, keyServices, svc.Key)
		if old != nil {
			for _, id := range old.PagerDutyServiceIDs {
				if !slices.Contains(svc.PagerDutyServiceIDs, id) {
					// Only while it still maps here: the ID may have moved
					// to another service since.
					unlockScript.Eval(ctx, p, []string{keyPDService(id)}, svc.Key)
				}
			}
		}
		for _, id := range svc.PagerDutyServiceIDs {
			p.Set(ctx, keyPDService(id), svc.Key, 0)
		}
		return nil
	})
	return unavailable(err)
}

// normalizeService checks svc's keys and mode, defaulting the mode to
// read-only.
func normalizeService(svc noctuary.Service) (noctuary.Service, error) {
	if !noctuary.ValidServiceKey(svc.Key) {
		return svc, noctuary.Errorf(noctuary.EInvalid, "service key %q may hold only 1-100 letters, digits, '.', '_' and '-'", svc.Key)
	}
	if svc.Mode == "" {
		svc.Mode = noctuary.ModeReadOnly
	}
	if !svc.Mode.Valid() {
		return svc, noctuary.Errorf(noctuary.EInvalid, "mode %q of service %q is neither read-only nor action", svc.Mode, svc.Key)
	}
	for _, id := range slices.Concat(svc.PagerDutyServiceIDs, svc.Dependencies) {
		if !noctuary.ValidServiceKey(id) {
			return svc, noctuary.Errorf(noctuary.EInvalid, "%q in service %q is not a valid service key or PagerDuty service ID", id, svc.Key)
		}
	}
	return svc, nil
}

// withActions sets svc's actions from the configuration.
func (s *Store) withActions(svc noctuary.Service) noctuary.Service {
	svc.Actions = slices.Clone(s.opt.Actions[svc.Key])
	return svc
}
