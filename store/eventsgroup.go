package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	// groupEvents is the most events a write may hold to join a group
	// commit; larger writes send their own pipeline, so that a small write
	// never waits behind a large one.
	groupEvents = 16
	// groupWrites bounds the writes one group commit sends.
	groupWrites = 64
	// groupLanes is the most group pipelines in flight at once. A second
	// one is sent while the first awaits its answer (docs/performance.md),
	// and a connection that stalls holds its own group only: the small
	// writes behind it go in the other lane.
	groupLanes = 2
)

// groupCommit sends the small event writes of concurrent callers as one
// pipeline, one round trip instead of one each: the Redis round trip is
// most of a single event's cost (docs/performance.md). While groupLanes
// groups' pipelines are in flight, writes that come wait; when one is
// answered, the first of them sends the next group, of all that wait when
// it runs (at most groupWrites). A write that finds a lane free is sent at
// once, without waiting. Each write
// gets its own commands' results: it fails when one of its commands failed,
// never because another write's did, or when the log command of one of its
// services failed (one XADD per service for the whole group, after every
// ZADD), and a pipeline that fails as a whole fails every write in it. Nothing runs in the background: the writers
// themselves send the pipelines.
type groupCommit struct {
	mu      sync.Mutex
	sending int // groups' pipelines being sent, at most groupLanes
	waiting []*groupWrite
}

// groupWrite is one AddEvents' calls and, once its group was sent, their
// results.
type groupWrite struct {
	ctx   context.Context
	calls []eventCall
	w     eventWrite
	cmds  []intCmd
	err   error
	// lead: this write sends the next group (set with groupCommit.mu held).
	lead bool
	done chan struct{}
}

// join returns the group gw must send: itself alone when a lane is free,
// else, after waiting, itself and the writes waiting when it was made
// leader and ran, or nil when another writer sent gw, or gw left
// when its context ended, and its results are set. A leader takes the
// group when it runs, not when it is made leader, so that writes that come
// meanwhile join it.
func (g *groupCommit) join(gw *groupWrite) []*groupWrite {
	g.mu.Lock()
	if g.sending < groupLanes {
		g.sending++
		g.mu.Unlock()
		return []*groupWrite{gw}
	}
	gw.done = make(chan struct{})
	g.waiting = append(g.waiting, gw)
	g.mu.Unlock()
	select {
	case <-gw.done:
	case <-gw.ctx.Done():
		if g.leave(gw) {
			gw.err = gw.ctx.Err()
			return nil
		}
		<-gw.done // in a group being sent, or made leader: it must lead
	}
	if !gw.lead {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	n := min(len(g.waiting), groupWrites-1)
	group := append([]*groupWrite{gw}, g.waiting[:n]...)
	g.take(n)
	return group
}

// take removes the first n waiting writes; g.mu is held.
func (g *groupCommit) take(n int) {
	if g.waiting = g.waiting[n:]; len(g.waiting) == 0 {
		g.waiting = nil
	}
}

// leave takes gw out of the waiting writes, unless it was taken into a
// group or made leader, and reports whether it did.
func (g *groupCommit) leave(gw *groupWrite) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	i := slices.Index(g.waiting, gw)
	if i < 0 {
		return false
	}
	if g.waiting = slices.Delete(g.waiting, i, i+1); len(g.waiting) == 0 {
		g.waiting = nil
	}
	return true
}

// finish hands the lane of group, whose leader is group[0], to the first
// waiting write, made the next leader (or frees it when none waits), then
// wakes the writes of group.
func (g *groupCommit) finish(group []*groupWrite) {
	g.mu.Lock()
	var next *groupWrite
	if len(g.waiting) > 0 {
		next = g.waiting[0]
		next.lead = true
		g.take(1)
	} else {
		g.sending--
	}
	g.mu.Unlock()
	if next != nil {
		close(next.done)
	}
	for _, gw := range group[1:] {
		close(gw.done)
	}
}

// commitAddEvents runs calls as runAddEvents does, in a group commit when
// they hold few events.
func (s *Store) commitAddEvents(ctx context.Context, calls []eventCall, w eventWrite) ([]intCmd, error) {
	n := 0
	for _, c := range calls {
		n += c.n
	}
	if n > groupEvents {
		return s.runAddEvents(ctx, calls, w)
	}
	gw := &groupWrite{ctx: ctx, calls: calls, w: w}
	if group := s.group.join(gw); group != nil {
		s.sendGroup(group)
	}
	return gw.cmds, gw.err
}

// sendGroup sends the writes of group as one pipeline, sets each write's
// results, and hands on to the next group. A write whose context ended
// while it waited is not sent.
func (s *Store) sendGroup(group []*groupWrite) {
	defer s.group.finish(group)
	live := make([]*groupWrite, 0, len(group))
	for _, gw := range group {
		if gw.err = gw.ctx.Err(); gw.err == nil {
			// Until its results are read: a panic leaves it failed.
			gw.err = errNotSent
			live = append(live, gw)
		}
	}
	if len(live) == 0 {
		return
	}
	ctx, cancel := groupContext(live)
	defer cancel()
	spans := make([][2]int, len(live))
	var calls []eventCall // of every write, for their logs
	logs := 0             // index of the first log command
	cmds, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, gw := range live {
			start := p.Len()
			gw.cmds = make([]intCmd, len(gw.calls))
			for j, c := range gw.calls {
				gw.cmds[j] = c.queue(ctx, p, gw.w)
			}
			spans[i] = [2]int{start, p.Len()}
			calls = append(calls, gw.calls...)
		}
		logs = p.Len()
		queueLogs(ctx, p, calls, live[0].w)
		return nil
	})
	if err != nil && firstErr(cmds) == nil {
		// Nothing was sent: go-redis sets no error on the commands when
		// the pipeline failed for want of a connection with a Redis error
		// (WRONGPASS, LOADING while connecting).
		for _, gw := range live {
			gw.cmds, gw.err = nil, err
		}
		return
	}
	logErrs := logErrors(cmds[logs:])
	for i, gw := range live {
		gw.cmds, gw.err = s.retryNoScript(ctx, gw.calls, gw.w, gw.cmds, firstErr(cmds[spans[i][0]:spans[i][1]]))
		for _, c := range gw.calls {
			if len(logErrs) > 0 && gw.err == nil && c.args == nil { // script calls log themselves
				gw.err = logErrs[keyEventLog(c.service)]
			}
		}
	}
}

// logErrors returns the first error of the log commands cmds (queueLogs')
// by their key, nil when none failed.
func logErrors(cmds []redis.Cmder) map[string]error {
	var out map[string]error
	for _, c := range cmds {
		if err := c.Err(); err != nil {
			if out == nil {
				out = map[string]error{}
			}
			key := fmt.Sprint(c.Args()[1])
			out[key] = cmp.Or(out[key], err)
		}
	}
	return out
}

// errNotSent is the error of a write whose group's sending panicked.
var errNotSent = errors.New("the write's pipeline was not sent")

// groupContext is the context of a group's pipeline: not ended by any one
// writer leaving (a write that was sent is answered to its writer, who may
// be gone), and with the latest of the writers' deadlines when they all
// have one.
func groupContext(group []*groupWrite) (context.Context, context.CancelFunc) {
	ctx := context.WithoutCancel(group[0].ctx)
	var latest time.Time
	for _, gw := range group {
		d, ok := gw.ctx.Deadline()
		if !ok {
			return ctx, func() {}
		}
		if d.After(latest) {
			latest = d
		}
	}
	return context.WithDeadline(ctx, latest)
}

// firstErr returns the first error among cmds.
func firstErr[C interface{ Err() error }](cmds []C) error {
	for _, c := range cmds {
		if err := c.Err(); err != nil {
			return err
		}
	}
	return nil
}
