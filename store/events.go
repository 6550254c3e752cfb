package store

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
)

const (
	// scriptChunk caps the events one command or script call stores, so
	// that a large batch does not hold Redis for long; a batch is still one
	// round trip.
	scriptChunk = 1000
	// MaxWindowEvents caps how many stored events EventsInWindow reads per
	// service: the MaxWindowEvents that occurred last in the window. Beyond
	// it, earlier events of that service are left out.
	MaxWindowEvents = 10000
)

// AddEvents stores validated ContextEvents, each in its service's sorted
// set scored by occurred_at, whenever they arrive. An event that occurred
// more than the retention before now is refused (EInvalid, naming its index)
// and nothing is stored: it could never be correlated. An event with an ID
// already stored for its service (within the retention) is not stored again
// and counts as a duplicate. The whole batch is one round trip to Redis: per
// service, one script call (events with ids) or plain commands (without),
// pipelined.
func (s *Store) AddEvents(ctx context.Context, evs []noctuary.ContextEvent) (accepted, duplicates int, err error) {
	if len(evs) == 0 {
		return 0, 0, nil
	}
	now := s.now()
	for i := range evs {
		if err := evs[i].CheckRetention(now, s.opt.EventRetention); err != nil {
			return 0, 0, noctuary.Errorf(noctuary.EInvalid, "event %d: %s", i, noctuary.ErrorMessage(err))
		}
	}
	calls, err := eventCalls(evs)
	if err != nil {
		return 0, 0, err
	}
	w := eventWrite{bound: msID(now.Add(-s.opt.EventRetention)), ttl: s.opt.EventRetention}
	cmds, err := s.runAddEvents(ctx, calls, w)
	if err != nil {
		return 0, 0, unavailable(err)
	}
	for _, c := range cmds {
		n, _ := c.Int64()
		accepted += int(n)
	}
	return accepted, len(evs) - accepted, nil
}

// eventWrite is what every call of one AddEvents shares: the retention
// bound (ms; lower scores are trimmed) and the keys' lifetime.
type eventWrite struct {
	bound int64
	ttl   time.Duration
}

// intCmd is the result of a script call or of a ZADD.
type intCmd interface {
	Int64() (int64, error)
	Err() error
}

// runAddEvents pipelines the calls. A NOSCRIPT answer (Redis restarted, or
// its script cache was flushed) means those script calls did nothing: the
// script is loaded and they run again.
func (s *Store) runAddEvents(ctx context.Context, calls []eventCall, w eventWrite) ([]intCmd, error) {
	cmds, err := s.pipelineAddEvents(ctx, calls, w)
	if !isNoScript(err) {
		return cmds, err
	}
	if err := addEventsScript.Load(ctx, s.rdb).Err(); err != nil {
		return nil, err
	}
	var again []eventCall
	var at []int
	for i, c := range cmds {
		if isNoScript(c.Err()) {
			again, at = append(again, calls[i]), append(at, i)
		}
	}
	retried, err := s.pipelineAddEvents(ctx, again, w)
	for j, i := range at {
		cmds[i] = retried[j]
	}
	return cmds, err
}

func (s *Store) pipelineAddEvents(ctx context.Context, calls []eventCall, w eventWrite) ([]intCmd, error) {
	cmds := make([]intCmd, len(calls))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, c := range calls {
			cmds[i] = c.queue(ctx, p, w)
		}
		return nil
	})
	return cmds, err
}

func isNoScript(err error) bool { return err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") }

// eventCall stores up to scriptChunk events of one service. args holds
// triples (occurred ms, event id or "", member) when withIDs, else pairs
// (occurred ms, member).
type eventCall struct {
	service string
	withIDs bool
	args    []any
}

// queue adds the call to p: addEventsScript when it has ids to check, else
// ZADD, the trim by the retention bound and the expiry.
func (c eventCall) queue(ctx context.Context, p redis.Pipeliner, w eventWrite) intCmd {
	key, bound := keyEvents(c.service), strconv.FormatInt(w.bound, 10)
	if c.withIDs {
		args := append([]any{bound, w.ttl.Milliseconds()}, c.args...)
		return addEventsScript.EvalSha(ctx, p, []string{key, keyEventIDs(c.service)}, args...)
	}
	add := p.Do(ctx, append([]any{"ZADD", key}, c.args...)...)
	p.ZRemRangeByScore(ctx, key, "-inf", "("+bound)
	p.PExpire(ctx, key, w.ttl)
	return add
}

// eventCalls encodes evs once, into one buffer, and groups them by service
// into calls of at most scriptChunk events. A service's events with ids go
// into calls of their own, which check the ids.
func eventCalls(evs []noctuary.ContextEvent) ([]eventCall, error) {
	data := make([]byte, 0, 340*len(evs))
	ends := make([]int, len(evs))
	for i := range evs {
		if !noctuary.ValidServiceKey(evs[i].Service) {
			return nil, noctuary.Errorf(noctuary.EInvalid, "event %d: service %q is not a valid service key", i, evs[i].Service)
		}
		var err error
		if data, err = appendMember(data, &evs[i]); err != nil {
			return nil, noctuary.Wrap(err, noctuary.EInvalid, "a context event cannot be encoded")
		}
		ends[i] = len(data)
	}
	var calls []eventCall
	type group struct {
		service string
		withIDs bool
	}
	open := map[group]int{} // index in calls of the group's open call
	start := 0
	for i := range evs {
		g := group{evs[i].Service, evs[i].ID != ""}
		j, ok := open[g]
		if !ok || len(calls[j].args) >= 3*scriptChunk {
			j = len(calls)
			open[g] = j
			calls = append(calls, eventCall{service: g.service, withIDs: g.withIDs})
		}
		c := &calls[j]
		c.args = append(c.args, msID(evs[i].OccurredAt))
		if c.withIDs {
			c.args = append(c.args, evs[i].ID)
		}
		c.args = append(c.args, data[start:ends[i]:ends[i]])
		start = ends[i]
	}
	return calls, nil
}

// appendMember appends ev's sorted-set member to dst: its compact JSON,
// after a random tag when it has no id. The tag keeps apart events that
// encode alike (an id is unique in its service already); the JSON starts at
// the member's first '{'.
func appendMember(dst []byte, ev *noctuary.ContextEvent) ([]byte, error) {
	if ev.ID == "" {
		dst = strconv.AppendUint(dst, rand.Uint64()>>16, 36)
	}
	return appendEvent(dst, ev)
}

// EventsInWindow returns the ContextEvents of the given services (typically
// a service and its dependencies) that occurred in [from, to], sorted by
// OccurredAt (ties in no particular order), whenever they were received.
// At most MaxWindowEvents (10,000)
// events are read per service, those that occurred last. All services are
// read in one round trip.
func (s *Store) EventsInWindow(ctx context.Context, services []string, from, to time.Time) ([]noctuary.ContextEvent, error) {
	if to.Before(from) {
		return nil, nil
	}
	svcs := slices.Compact(slices.Sorted(slices.Values(services)))
	for _, svc := range svcs {
		if !noctuary.ValidServiceKey(svc) {
			return nil, noctuary.Errorf(noctuary.EInvalid, "service %q is not a valid service key", svc)
		}
	}
	if len(svcs) == 0 {
		return nil, nil
	}
	rng := &redis.ZRangeBy{Min: strconv.FormatInt(msID(from), 10), Max: strconv.FormatInt(msID(to), 10), Count: MaxWindowEvents}
	cmds := make([]*redis.StringSliceCmd, len(svcs))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, svc := range svcs {
			cmds[i] = p.ZRevRangeByScore(ctx, keyEvents(svc), rng)
		}
		return nil
	})
	if err != nil {
		return nil, unavailable(err)
	}
	var out []noctuary.ContextEvent
	for _, c := range cmds {
		out = s.appendInWindow(out, c.Val(), from, to)
	}
	slices.SortStableFunc(out, func(a, b noctuary.ContextEvent) int { return a.OccurredAt.Compare(b.OccurredAt) })
	return out, nil
}

// appendInWindow decodes members (latest first) and appends, earliest first,
// those that occurred in [from, to]: their scores are whole milliseconds.
func (s *Store) appendInWindow(out []noctuary.ContextEvent, members []string, from, to time.Time) []noctuary.ContextEvent {
	for i := len(members) - 1; i >= 0; i-- {
		m := members[i]
		var ev noctuary.ContextEvent
		if err := json.Unmarshal([]byte(m[max(strings.IndexByte(m, '{'), 0):]), &ev); err != nil {
			s.log.Warn("skipping an undecodable context event", "error", err)
			continue
		}
		if !ev.OccurredAt.Before(from) && !ev.OccurredAt.After(to) {
			out = append(out, ev)
		}
	}
	return out
}
