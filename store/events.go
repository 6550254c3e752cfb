package store

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
)

const (
	// scriptChunk caps the events one script call stores, so that a large
	// batch does not hold Redis for long; a batch is still one round trip.
	scriptChunk = 1000
	// MaxWindowEvents caps how many stored events EventsInWindow reads per
	// service: the newest MaxWindowEvents received within the window's
	// allowances. Beyond it, older events of that service are left out.
	MaxWindowEvents = 10000
	// ClockAheadAllowance is how far before a window EventsInWindow looks
	// for events: a source whose clock runs ahead sends events dated after
	// their arrival.
	ClockAheadAllowance = 15 * time.Minute
	// LateDeliveryAllowance is how long after a window EventsInWindow looks
	// for events delivered late.
	LateDeliveryAllowance = time.Hour
)

// AddEvents stores validated ContextEvents, each in its service's stream. An
// event with an ID already stored for its service (within the retention) is
// not stored again and counts as a duplicate. The whole batch is one round
// trip to Redis: one script call per service, pipelined.
func (s *Store) AddEvents(ctx context.Context, evs []noctuary.ContextEvent) (accepted, duplicates int, err error) {
	if len(evs) == 0 {
		return 0, 0, nil
	}
	now := s.now()
	head := []any{msID(now), msID(now.Add(-s.opt.EventRetention))}
	calls, err := eventCalls(evs, head)
	if err != nil {
		return 0, 0, err
	}
	if len(evs) == 1 && evs[0].ID == "" {
		stored, err := s.addOne(ctx, calls[0])
		if err != nil {
			return 0, 0, err
		}
		if stored {
			return 1, 0, nil
		}
	}
	cmds, err := s.runAddEvents(ctx, calls)
	if err != nil {
		return 0, 0, unavailable(err)
	}
	for _, c := range cmds {
		n, _ := c.Int()
		accepted += n
	}
	return accepted, len(evs) - accepted, nil
}

// addOne stores a single event without an id, the commonest request, with
// plain commands instead of the script: XADD (trimming by MINID) and PEXPIRE,
// in one round trip. It reports false, having stored nothing, when Redis
// refuses the entry ID because the stream holds a later one (another
// replica's clock is ahead): the script then picks the ID.
func (s *Store) addOne(ctx context.Context, c scriptCall) (bool, error) {
	ms, bound := c.args[0].(int64), c.args[1].(int64)
	key := keyEvents(c.service)
	var add *redis.StringCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		add = p.XAdd(ctx, &redis.XAddArgs{Stream: key, ID: strconv.FormatInt(ms, 10) + "-*",
			MinID: strconv.FormatInt(bound, 10), Approx: true, Values: []any{fieldEvent, c.args[3]}})
		p.PExpire(ctx, key, time.Duration(ms-bound)*time.Millisecond)
		return nil
	})
	if add.Err() != nil && strings.Contains(add.Err().Error(), "equal or smaller") {
		return false, nil
	}
	if err != nil {
		return false, unavailable(err)
	}
	return true, nil
}

// runAddEvents pipelines one EVALSHA of addEventsScript per call. A NOSCRIPT
// answer (Redis restarted, or its script cache was flushed) means those calls
// did nothing: the script is loaded and they run again.
func (s *Store) runAddEvents(ctx context.Context, calls []scriptCall) ([]*redis.Cmd, error) {
	cmds, err := s.pipelineAddEvents(ctx, calls)
	if isNoScript(err) {
		if err = addEventsScript.Load(ctx, s.rdb).Err(); err == nil {
			cmds, err = s.pipelineAddEvents(ctx, calls)
		}
	}
	return cmds, err
}

func (s *Store) pipelineAddEvents(ctx context.Context, calls []scriptCall) ([]*redis.Cmd, error) {
	cmds := make([]*redis.Cmd, len(calls))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, c := range calls {
			cmds[i] = addEventsScript.EvalSha(ctx, p, []string{keyEvents(c.service), keyEventIDs(c.service)}, c.args...)
		}
		return nil
	})
	return cmds, err
}

func isNoScript(err error) bool { return err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") }

// scriptCall is one addEventsScript call: a service and its ARGV.
type scriptCall struct {
	service string
	args    []any
}

// eventCalls encodes evs once, into one buffer, and groups them by service
// into script calls of at most scriptChunk events, each ARGV starting with
// head.
func eventCalls(evs []noctuary.ContextEvent, head []any) ([]scriptCall, error) {
	data := make([]byte, 0, 320*len(evs))
	ends := make([]int, len(evs))
	for i := range evs {
		var err error
		if data, err = appendEvent(data, &evs[i]); err != nil {
			return nil, noctuary.Wrap(err, noctuary.EInvalid, "a context event cannot be encoded")
		}
		ends[i] = len(data)
	}
	count := map[string]int{}
	for i := range evs {
		count[evs[i].Service]++
	}
	var calls []scriptCall
	open := map[string]int{} // service -> index in calls of its open call
	start := 0
	for i := range evs {
		svc := evs[i].Service
		j, ok := open[svc]
		if !ok || len(calls[j].args) >= len(head)+2*scriptChunk {
			if !noctuary.ValidServiceKey(svc) {
				return nil, noctuary.Errorf(noctuary.EInvalid, "event %d: service %q is not a valid service key", i, svc)
			}
			j = len(calls)
			open[svc] = j
			args := make([]any, 0, len(head)+2*min(count[svc], scriptChunk))
			calls = append(calls, scriptCall{service: svc, args: append(args, head...)})
		}
		calls[j].args = append(calls[j].args, evs[i].ID, data[start:ends[i]:ends[i]])
		start = ends[i]
	}
	return calls, nil
}

// EventsInWindow returns the ContextEvents of the given services (typically
// a service and its dependencies) that occurred in [from, to], sorted by
// OccurredAt.
//
// Events are found by the time they were received (their stream IDs), with
// two allowances: from ClockAheadAllowance (15m) before from, for sources
// whose clocks run ahead, to LateDeliveryAllowance (1h) after to, for late
// deliveries. An event received outside those bounds is not returned. At
// most MaxWindowEvents (10,000) events are read per service, the newest
// received. All services are read in one round trip.
func (s *Store) EventsInWindow(ctx context.Context, services []string, from, to time.Time) ([]noctuary.ContextEvent, error) {
	if to.Before(from) {
		return nil, nil
	}
	start := strconv.FormatInt(msID(from.Add(-ClockAheadAllowance)), 10) + "-0"
	end := strconv.FormatInt(msID(to.Add(LateDeliveryAllowance)), 10) + "-18446744073709551615"
	svcs := slices.Compact(slices.Sorted(slices.Values(services)))
	for _, svc := range svcs {
		if !noctuary.ValidServiceKey(svc) {
			return nil, noctuary.Errorf(noctuary.EInvalid, "service %q is not a valid service key", svc)
		}
	}
	if len(svcs) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.XMessageSliceCmd, len(svcs))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, svc := range svcs {
			cmds[i] = p.XRevRangeN(ctx, keyEvents(svc), end, start, MaxWindowEvents)
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

// appendInWindow decodes msgs (newest first) and appends, oldest first,
// those that occurred in [from, to]. Events are prefiltered on their raw
// occurred_at, so that only those in the window are decoded.
func (s *Store) appendInWindow(out []noctuary.ContextEvent, msgs []redis.XMessage, from, to time.Time) []noctuary.ContextEvent {
	for i := len(msgs) - 1; i >= 0; i-- {
		raw := str(msgs[i].Values[fieldEvent])
		if at, ok := rawOccurredAt(raw); ok && (at.Before(from) || at.After(to)) {
			continue
		}
		var ev noctuary.ContextEvent
		if err := json.Unmarshal([]byte(raw), &ev); err != nil {
			s.log.Warn("skipping an undecodable context event", "stream_id", msgs[i].ID, "error", err)
			continue
		}
		if !ev.OccurredAt.Before(from) && !ev.OccurredAt.After(to) {
			out = append(out, ev)
		}
	}
	return out
}

// rawOccurredAt reads occurred_at from an event's JSON without decoding the
// rest. The first `"occurred_at":"` is the key: inside a string value its
// quotes would be escaped.
func rawOccurredAt(raw string) (time.Time, bool) {
	const key = `"occurred_at":"`
	i := strings.Index(raw, key)
	if i < 0 {
		return time.Time{}, false
	}
	rest := raw[i+len(key):]
	j := strings.IndexByte(rest, '"')
	if j < 0 {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, rest[:j])
	return t, err == nil
}
