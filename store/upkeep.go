package store

import "sync"

// upkeep remembers which services' event keys this process trimmed by the
// retention and gave their expiry in the current minute of the store's
// clock, so that a write of packs without ids does both only at a service's
// first write of each minute (per process): two commands (ZADD, the log's
// XADD) instead of five. The keys' lifetime is the retention plus that
// minute (eventWrite.ttl), so a later write of the same minute is covered
// by the expiry set at the first, whichever replica sets expiries
// meanwhile: each sets the same lifetime from Redis's own clock, which only
// extends. A pack that becomes older than the retention within a minute is
// trimmed at the next minute's first write rather than at once; readers
// never see it (they read by occurred_at). A key recreated after FLUSHALL
// within a minute of its last upkeep gets its expiry at the next minute's
// first write.
type upkeep struct {
	mu     sync.Mutex
	minute int64
	done   map[string]struct{} // services kept this minute
}

// plan marks the first call without ids of each service whose upkeep is due
// in minute, and returns those services.
func (u *upkeep) plan(calls []eventCall, minute int64) []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	var due []string
	var planned map[string]struct{} // for batches of several packs
	if len(calls) > 1 {
		planned = map[string]struct{}{}
	}
	for i := range calls {
		c := &calls[i]
		if c.args != nil {
			continue
		}
		if _, ok := u.done[c.service]; ok && u.minute == minute {
			continue
		}
		if _, ok := planned[c.service]; ok {
			continue
		}
		if planned != nil {
			planned[c.service] = struct{}{}
		}
		due = append(due, c.service)
		c.upkeep = true
	}
	return due
}

// did records that the services' upkeep of minute was done; an older minute
// than the latest recorded is ignored.
func (u *upkeep) did(services []string, minute int64) {
	if len(services) == 0 {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if minute < u.minute {
		return
	}
	if minute > u.minute || u.done == nil {
		u.minute, u.done = minute, make(map[string]struct{}, len(u.done))
	}
	for _, svc := range services {
		u.done[svc] = struct{}{}
	}
}
