package store

import (
	"cmp"
	"context"
	"slices"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// refresh brings entries up to date and makes them cover want. The first
// round trip reads each entry's log since its last entry, then the minutes
// it lacks; when a log names minutes the entry holds (written since, late
// events included) or no longer holds the entry's last entry, a second
// round trip reads those minutes, or all the entry covers. A log entry is
// appended after its packs are stored, and read before the packs: whatever
// an entry then holds is at least as new as its logID. On error, entries
// are left invalid.
func (s *Store) refresh(ctx context.Context, entries []*serviceWindow, want span) error {
	retained := minuteOf(msID(s.now().Add(-s.opt.EventRetention)))
	var plans []*refreshPlan
	for _, e := range entries {
		if pl := e.newPlan(want, retained); pl != nil {
			e.refreshes.Add(1)
			e.logID = "" // until the refresh completes
			plans = append(plans, pl)
		}
	}
	if len(plans) == 0 {
		return nil
	}
	err := s.pipelineRefresh(ctx, plans, (*refreshPlan).queueFirst)
	if err == nil {
		err = s.pipelineRefresh(ctx, plans, (*refreshPlan).queueSecond)
	}
	if err != nil {
		return unavailable(err)
	}
	for _, pl := range plans {
		s.cache.resized(pl.e, pl.apply(s))
	}
	return nil
}

func (s *Store) pipelineRefresh(ctx context.Context, plans []*refreshPlan, queue func(*refreshPlan, context.Context, redis.Pipeliner)) error {
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, pl := range plans {
			queue(pl, ctx, p)
		}
		return nil
	})
	return err
}

// refreshPlan is one entry's refresh.
type refreshPlan struct {
	e      *serviceWindow
	logID  string // the entry's last log entry before the refresh
	kept   span   // what the entry covers and keeps
	cover  span   // what it covers after
	log    *redis.XMessageSliceCmd
	reads  []spanRead
	reload bool // read all of cover
}

// spanRead is a read of the packs whose scores are in a span.
type spanRead struct {
	span
	cmd *redis.ZSliceCmd
}

// newPlan plans e's refresh to cover want: it keeps the minutes it holds
// that are neither older than the retention nor more than cacheSpan before
// the newest minute it will cover, and reloads when it holds nothing valid
// or nothing it keeps. It returns nil when want starts more than cacheSpan
// before the newest minute e covers: such a window is read directly.
func (e *serviceWindow) newPlan(want span, retained int64) *refreshPlan {
	if e.logID == "" {
		return &refreshPlan{e: e, reload: true, kept: span{1, 0}, cover: want}
	}
	hi := max(e.cover.hi, want.hi)
	if want.lo < hi-cacheSpan.Milliseconds() {
		return nil
	}
	kept := span{max(e.cover.lo, hi-cacheSpan.Milliseconds(), retained), e.cover.hi}
	if kept.empty() {
		return &refreshPlan{e: e, reload: true, kept: kept, cover: want}
	}
	return &refreshPlan{e: e, logID: e.logID, kept: kept, cover: span{min(kept.lo, want.lo), hi}}
}

// queueFirst queues the log and then what the entry lacks: all of cover
// for a reload, else the minutes outside kept.
func (pl *refreshPlan) queueFirst(ctx context.Context, p redis.Pipeliner) {
	key := keyEventLog(pl.e.svc)
	if pl.reload {
		pl.log = p.XRevRangeN(ctx, key, "+", "-", 1)
		pl.reads = []spanRead{readSpan(ctx, p, pl.e.svc, pl.cover)}
		return
	}
	start := pl.logID
	if start == "0-0" { // the log was empty: all of it is new
		start = "-"
	}
	pl.log = p.XRangeN(ctx, key, start, "+", logLen)
	for _, lack := range []span{{pl.cover.lo, pl.kept.lo - packSpan.Milliseconds()}, {pl.kept.hi + packSpan.Milliseconds(), pl.cover.hi}} {
		if !lack.empty() {
			pl.reads = append(pl.reads, readSpan(ctx, p, pl.e.svc, lack))
		}
	}
}

// queueSecond queues the minutes the log names as written since the
// entry's last entry, among those kept; or, when the log lost the entry's
// place, a reload.
func (pl *refreshPlan) queueSecond(ctx context.Context, p redis.Pipeliner) {
	if pl.reload {
		return
	}
	msgs := pl.log.Val()
	lost := len(msgs) == logLen || (pl.logID != "0-0" && (len(msgs) == 0 || msgs[0].ID != pl.logID))
	if lost {
		pl.reload, pl.kept, pl.reads = true, span{1, 0}, nil
		pl.queueFirst(ctx, p)
		return
	}
	if pl.logID != "0-0" {
		msgs = msgs[1:]
	}
	for _, w := range writtenSpans(msgs) {
		if w = (span{max(w.lo, pl.kept.lo), min(w.hi, pl.kept.hi)}); !w.empty() {
			pl.reads = append(pl.reads, readSpan(ctx, p, pl.e.svc, w))
		}
	}
}

// writtenSpans returns the spans of minutes that log entries name, merged.
func writtenSpans(msgs []redis.XMessage) []span {
	var out []span
	for _, m := range msgs {
		lo, err1 := strconv.ParseInt(logField(m, "from"), 10, 64)
		hi, err2 := strconv.ParseInt(logField(m, "to"), 10, 64)
		if err1 == nil && err2 == nil {
			out = append(out, span{lo, hi})
		}
	}
	slices.SortFunc(out, func(a, b span) int { return cmp.Compare(a.lo, b.lo) })
	merged := out[:0]
	for _, w := range out {
		if n := len(merged); n > 0 && w.lo <= merged[n-1].hi+packSpan.Milliseconds() {
			merged[n-1].hi = max(merged[n-1].hi, w.hi)
			continue
		}
		merged = append(merged, w)
	}
	return merged
}

func logField(m redis.XMessage, name string) string {
	v, _ := m.Values[name].(string)
	return v
}

func readSpan(ctx context.Context, p redis.Pipeliner, svc string, s span) spanRead {
	rng := &redis.ZRangeBy{Min: strconv.FormatInt(s.lo, 10), Max: strconv.FormatInt(s.hi, 10), Count: MaxWindowEvents}
	return spanRead{s, p.ZRevRangeByScoreWithScores(ctx, keyEvents(svc), rng)}
}

// apply stores what was read in the entry and returns how many events it
// holds. A read that hit MaxWindowEvents leaves the entry invalid: such a
// window is read directly.
func (pl *refreshPlan) apply(s *Store) int {
	e := pl.e
	if pl.reload {
		clear(e.minutes)
	}
	for m := range e.minutes {
		if m < pl.cover.lo || m > pl.cover.hi {
			delete(e.minutes, m)
		}
	}
	full := false
	for _, r := range pl.reads {
		full = full || len(r.cmd.Val()) == MaxWindowEvents
		e.replace(s, r.span, r.cmd.Val())
	}
	e.cover, e.logID = pl.cover, pl.logID
	if msgs := pl.log.Val(); len(msgs) > 0 {
		e.logID = msgs[len(msgs)-1].ID
	} else if pl.reload {
		e.logID = "0-0"
	}
	if full {
		e.logID = ""
	}
	n := 0
	for _, m := range e.minutes {
		n += len(m.events)
	}
	return n
}

// replace sets the minutes of sp to the packs read (latest first), decoding
// only the packs the entry does not hold yet.
func (e *serviceWindow) replace(s *Store, sp span, read []redis.Z) {
	byMinute := map[int64][]string{}
	for i := len(read) - 1; i >= 0; i-- {
		m, _ := read[i].Member.(string)
		byMinute[int64(read[i].Score)] = append(byMinute[int64(read[i].Score)], m)
	}
	for m := range e.minutes {
		if m >= sp.lo && m <= sp.hi && byMinute[m] == nil {
			delete(e.minutes, m)
		}
	}
	for m, packs := range byMinute {
		e.minutes[m] = s.decodeMinute(e.minutes[m], packs)
	}
}

// decodeMinute returns the minute of packs, reusing old's events when old's
// packs are all still there.
func (s *Store) decodeMinute(old *minute, packs []string) *minute {
	out := &minute{packs: packs}
	fresh := packs
	if old != nil {
		known := make(map[string]bool, len(old.packs))
		for _, p := range old.packs {
			known[p] = true
		}
		fresh = slices.DeleteFunc(slices.Clone(packs), func(p string) bool { return known[p] })
		if len(fresh)+len(old.packs) == len(packs) { // none of old's is gone
			out.events = slices.Clone(old.events)
		} else {
			fresh = packs
		}
	}
	for _, p := range fresh {
		var err error
		if out.events, err = appendPack(out.events, p); err != nil {
			s.log.Warn("skipping undecodable context events", "error", err)
		}
	}
	out.events = sortByTime(out.events)
	return out
}
