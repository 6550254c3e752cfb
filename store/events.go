package store

import (
	"cmp"
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
	// MaxWindowEvents caps how many stored packs (the events of one request,
	// service and minute, see AddEvents) EventsInWindow reads per service:
	// those that occurred last in the window. Beyond it, earlier events of
	// that service are left out.
	MaxWindowEvents = 10000
	// packSpan is the span of occurred_at that one pack covers.
	packSpan = time.Minute
)

// AddEvents stores validated ContextEvents in their services' sorted sets by
// occurred_at, whenever they arrive. The events of one call, service and
// minute of occurred_at are stored together, as one member (a JSON array)
// scored by the minute's start: one ZADD, not one per event. An event that
// occurred more than the retention before now is refused (EInvalid, naming
// its index) and nothing is stored: it could never be correlated. An event
// with an ID already stored for its service (within the retention) is not
// stored again and counts as a duplicate. The whole batch is one round trip
// to Redis: per service, one script call (events with ids) or plain
// commands (without), pipelined.
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
	w := eventWrite{bound: msID(now.Add(-s.opt.EventRetention)), ttl: s.opt.EventRetention + packSpan}
	minute := msID(now) / packSpan.Milliseconds()
	due := s.upkeep.plan(calls, minute)
	cmds, err := s.commitAddEvents(ctx, calls, w)
	if err != nil {
		return 0, 0, unavailable(err)
	}
	s.upkeep.did(due, minute)
	for _, c := range cmds {
		n, _ := c.Int64()
		accepted += int(n)
	}
	return accepted, len(evs) - accepted, nil
}

// eventWrite is what every call of one AddEvents shares: the retention
// bound (ms; events that occurred before it are gone) and the keys'
// lifetime: the retention and a minute, for upkeep (upkeep.go).
type eventWrite struct {
	bound int64
	ttl   time.Duration
}

// packBound is the score below which a pack is wholly before the bound, as
// an exclusive ZREMRANGEBYSCORE bound.
func (w eventWrite) packBound() string {
	return "(" + strconv.FormatInt(w.bound-packSpan.Milliseconds()+1, 10)
}

// intCmd is the result of a script call or of a ZADD.
type intCmd interface {
	Int64() (int64, error)
	Err() error
}

// packCmd is the ZADD of a pack of n events.
type packCmd struct {
	*redis.IntCmd
	n int64
}

// Int64 returns the number of events stored: all of the pack, or none.
func (c packCmd) Int64() (int64, error) {
	if err := c.Err(); err != nil {
		return 0, err
	}
	return c.n, nil
}

// runAddEvents pipelines the calls.
func (s *Store) runAddEvents(ctx context.Context, calls []eventCall, w eventWrite) ([]intCmd, error) {
	cmds, err := s.pipelineAddEvents(ctx, calls, w)
	return s.retryNoScript(ctx, calls, w, cmds, err)
}

// retryNoScript returns the results cmds and err of calls, after running
// again those answered NOSCRIPT when err is: that answer (Redis restarted,
// or its script cache was flushed) means those script calls did nothing, so
// the script is loaded and they run again. The error returned is then the
// retry's, or that of any other command that failed.
func (s *Store) retryNoScript(ctx context.Context, calls []eventCall, w eventWrite, cmds []intCmd, err error) ([]intCmd, error) {
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
	if err != nil {
		return nil, err
	}
	for j, i := range at {
		cmds[i] = retried[j]
	}
	return cmds, firstErr(cmds)
}

func (s *Store) pipelineAddEvents(ctx context.Context, calls []eventCall, w eventWrite) ([]intCmd, error) {
	var cmds []intCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		cmds = queueAddEvents(ctx, p, calls, w)
		return nil
	})
	return cmds, err
}

// queueAddEvents adds the calls to p, then their logs, and returns the
// calls' results.
func queueAddEvents(ctx context.Context, p redis.Pipeliner, calls []eventCall, w eventWrite) []intCmd {
	cmds := make([]intCmd, len(calls))
	for i, c := range calls {
		cmds[i] = c.queue(ctx, p, w)
	}
	queueLogs(ctx, p, calls, w)
	return cmds
}

// queueLogs appends to the event log of each service the span of minutes
// the calls without ids stored (the script logs those with ids), and sets
// its expiry when the service's upkeep is due. It comes after their ZADDs,
// so that a reader of the log finds their packs.
func queueLogs(ctx context.Context, p redis.Pipeliner, calls []eventCall, w eventWrite) {
	type written struct {
		span
		upkeep bool
	}
	byService := map[string]written{}
	var order []string
	for _, c := range calls {
		if c.args != nil {
			continue
		}
		wr, ok := byService[c.service]
		if !ok {
			wr.span, order = span{c.score, c.score}, append(order, c.service)
		}
		byService[c.service] = written{span{min(wr.lo, c.score), max(wr.hi, c.score)}, wr.upkeep || c.upkeep}
	}
	for _, svc := range order {
		wr, key := byService[svc], keyEventLog(svc)
		p.XAdd(ctx, &redis.XAddArgs{Stream: key, MaxLen: logLen, Approx: true,
			Values: []any{"from", wr.lo, "to", wr.hi}})
		if wr.upkeep {
			p.PExpire(ctx, key, w.ttl)
		}
	}
}

func isNoScript(err error) bool { return err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") }

// eventCall stores one pack: up to scriptChunk events of one service that
// occurred in the minute starting at score, all with ids or all without.
// Without ids, pack is the member, built here; with ids, args holds pairs
// (event id, event JSON) and the script builds the member from the events
// it stores. upkeep: the call also trims the service's events by the
// retention and sets their expiry (upkeep.go).
type eventCall struct {
	service string
	score   int64
	n       int
	pack    []byte
	args    []any
	upkeep  bool
}

// queue adds the call to p: addEventsScript when it has ids to check, else
// ZADD, and the trim by the retention bound and the expiry when upkeep.
func (c eventCall) queue(ctx context.Context, p redis.Pipeliner, w eventWrite) intCmd {
	key := keyEvents(c.service)
	if c.args != nil {
		idScore := c.score + packSpan.Milliseconds() - 1 // an id lasts as long as its pack
		args := append([]any{w.bound, w.packBound(), w.ttl.Milliseconds(), c.score, idScore}, c.args...)
		return addEventsScript.EvalSha(ctx, p, []string{key, keyEventIDs(c.service), keyEventLog(c.service)}, args...)
	}
	add := p.ZAdd(ctx, key, redis.Z{Score: float64(c.score), Member: append(c.pack, ']')})
	if c.upkeep {
		p.ZRemRangeByScore(ctx, key, "-inf", w.packBound())
		p.PExpire(ctx, key, w.ttl)
	}
	return packCmd{add, int64(c.n)}
}

// eventCalls encodes evs and groups them into packs by service, minute of
// occurred_at and whether they have ids.
func eventCalls(evs []noctuary.ContextEvent) ([]eventCall, error) {
	type group struct {
		service string
		minute  int64
		withIDs bool
	}
	var calls []eventCall
	open := map[group]int{} // index in calls of the group's open call
	var data []byte         // the JSON of events with ids
	for i := range evs {
		ev := &evs[i]
		if !noctuary.ValidServiceKey(ev.Service) {
			return nil, noctuary.Errorf(noctuary.EInvalid, "event %d: service %q is not a valid service key", i, ev.Service)
		}
		g := group{ev.Service, msID(ev.OccurredAt) / packSpan.Milliseconds(), ev.ID != ""}
		j, ok := open[g]
		if !ok || calls[j].n == scriptChunk {
			j = len(calls)
			open[g] = j
			calls = append(calls, eventCall{service: g.service, score: g.minute * packSpan.Milliseconds()})
		}
		c := &calls[j]
		c.n++
		var err error
		if g.withIDs {
			if data == nil {
				data = make([]byte, 0, 320*len(evs))
			}
			start := len(data)
			data, err = appendEvent(data, ev)
			c.args = append(c.args, ev.ID, data[start:len(data):len(data)])
		} else {
			c.pack, err = appendEvent(openPack(c.pack), ev)
		}
		if err != nil {
			return nil, noctuary.Wrap(err, noctuary.EInvalid, "a context event cannot be encoded")
		}
	}
	return calls, nil
}

// openPack readies pack for one more event: a random tag and '[' for the
// first (the tag keeps apart packs without ids that encode alike; with ids,
// the ids do), else ','. The JSON array starts at the member's first '['.
func openPack(pack []byte) []byte {
	if len(pack) == 0 {
		pack = make([]byte, 0, 512) // a pack of one event, usually
		return append(strconv.AppendUint(pack, rand.Uint64()>>16, 36), '[')
	}
	return append(pack, ',')
}

// EventsInWindow returns the ContextEvents of the given services (typically
// a service and its dependencies) that occurred in [from, to], sorted by
// OccurredAt (ties in no particular order), whenever they were received.
// It reads the packs of the window's minutes: at most MaxWindowEvents
// (10,000) per service, those that occurred last. Windows of up to two hours
// go through the process's window cache (windowcache.go), which reads only
// the minutes written since its last read; others are read whole, all
// services in one round trip. Events' Attributes maps may be shared with
// the cache and other callers: they must not be modified.
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
	if s.cache != nil {
		if evs, ok, err := s.cachedWindow(ctx, svcs, from, to); ok || err != nil {
			return evs, err
		}
	}
	return s.readWindow(ctx, svcs, from, to)
}

// readWindow reads and decodes the window of svcs (sorted, valid) whole.
func (s *Store) readWindow(ctx context.Context, svcs []string, from, to time.Time) ([]noctuary.ContextEvent, error) {
	first := msID(from) - msID(from)%packSpan.Milliseconds() // the pack holding from
	rng := &redis.ZRangeBy{Min: strconv.FormatInt(first, 10), Max: strconv.FormatInt(msID(to), 10), Count: MaxWindowEvents}
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
	return sortByTime(out), nil
}

// sortByTime returns evs sorted by OccurredAt (ties in no particular order).
// It sorts keys of 16 bytes and moves each event once, rather than swapping
// events of 128 bytes.
func sortByTime(evs []noctuary.ContextEvent) []noctuary.ContextEvent {
	type key struct {
		sec  int64
		nsec int32
		i    int32
	}
	keys := make([]key, len(evs))
	sorted := true
	for i := range evs {
		t := evs[i].OccurredAt
		keys[i] = key{t.Unix(), int32(t.Nanosecond()), int32(i)}
		sorted = sorted && (i == 0 || !t.Before(evs[i-1].OccurredAt))
	}
	if sorted {
		return evs
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := cmp.Compare(a.sec, b.sec); c != 0 {
			return c
		}
		return cmp.Compare(a.nsec, b.nsec)
	})
	out := make([]noctuary.ContextEvent, len(evs))
	for i, k := range keys {
		out[i] = evs[k.i]
	}
	return out
}

// appendInWindow decodes packs (latest first) and appends, earliest first,
// the events that occurred in [from, to].
func (s *Store) appendInWindow(out []noctuary.ContextEvent, packs []string, from, to time.Time) []noctuary.ContextEvent {
	for i := len(packs) - 1; i >= 0; i-- {
		start := len(out)
		var err error
		if out, err = appendPack(out, packs[i]); err != nil {
			s.log.Warn("skipping undecodable context events", "error", err)
			continue
		}
		kept := start
		for _, ev := range out[start:] {
			if !ev.OccurredAt.Before(from) && !ev.OccurredAt.After(to) {
				out[kept] = ev
				kept++
			}
		}
		out = out[:kept]
	}
	return out
}

// appendPack appends the events of a stored pack (its JSON array starts at
// its first '[') to out: by the event scanner when they have the common
// shape, which is what appendEvent writes unless a string needed escaping,
// else by encoding/json. On error out is returned as given.
func appendPack(out []noctuary.ContextEvent, pack string) ([]noctuary.ContextEvent, error) {
	start := max(strings.IndexByte(pack, '['), 0)
	sc := noctuary.EventScanner{Text: pack, Pos: start}
	if evs, ok := sc.Array(out); ok && sc.Pos == len(pack) {
		return evs, nil
	}
	var evs []noctuary.ContextEvent
	if err := json.Unmarshal([]byte(pack[start:]), &evs); err != nil {
		return out, err
	}
	return append(out, evs...), nil
}
