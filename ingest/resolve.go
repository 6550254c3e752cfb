package ingest

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/noctuary/noctuary"
)

// serviceCacheTTL is how long a PagerDuty service ID's resolution (or its
// absence) is remembered: a mapping declared live applies to events within it.
const serviceCacheTTL = time.Minute

// serviceCacheMax bounds the cache; it is emptied when full.
const serviceCacheMax = 10000

// serviceCache resolves the service field of events: a PagerDuty service ID
// of a declared service becomes that service's key; anything else is kept.
// Results are cached so that a busy sender does not cost a Redis round trip
// per request.
type serviceCache struct {
	store   Store
	now     func() time.Time
	ttl     time.Duration
	mu      sync.RWMutex
	entries map[string]cachedKey
}

type cachedKey struct {
	key     string
	expires time.Time
}

func newServiceCache(st Store, now func() time.Time, ttl time.Duration) *serviceCache {
	return &serviceCache{store: st, now: now, ttl: ttl, entries: make(map[string]cachedKey)}
}

// key returns the service key for svc, as sent in an event.
func (sc *serviceCache) key(ctx context.Context, svc string) (string, error) {
	if !looksLikePagerDutyID(svc) {
		return svc, nil
	}
	now := sc.now()
	sc.mu.RLock()
	e, ok := sc.entries[svc]
	sc.mu.RUnlock()
	if ok && now.Before(e.expires) {
		return e.key, nil
	}
	id := strings.Clone(svc) // svc is a substring of a request body, which the cache must not keep
	key := id
	found, err := sc.store.ServiceByPagerDutyID(ctx, id)
	switch code := noctuary.ErrorCode(err); {
	case err == nil:
		key = found.Key
	case code != noctuary.ENotFound:
		return "", noctuary.Wrap(err, noctuary.EUnavailable, "Services could not be looked up; nothing was stored, retry later.")
	}
	sc.mu.Lock()
	if len(sc.entries) >= serviceCacheMax {
		clear(sc.entries)
	}
	sc.entries[id] = cachedKey{key: key, expires: now.Add(sc.ttl)}
	sc.mu.Unlock()
	return key, nil
}

// looksLikePagerDutyID reports whether s could be a PagerDuty object ID:
// upper-case ASCII letters and digits, starting with a letter (PABC123).
// Service keys in lower case never cost a lookup.
func looksLikePagerDutyID(s string) bool {
	if len(s) < 2 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
