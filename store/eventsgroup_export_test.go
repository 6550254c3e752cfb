package store

import (
	"context"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// HoldGroupCommit makes the small event writes of s wait as though a group
// commit were in flight, until release: then the first of them sends all
// that wait as one group. waiting reports how many wait.
func HoldGroupCommit(s *Store) (waiting func() int, release func()) {
	s.group.mu.Lock()
	s.group.busy = true
	s.group.mu.Unlock()
	waiting = func() int {
		s.group.mu.Lock()
		defer s.group.mu.Unlock()
		return len(s.group.waiting)
	}
	return waiting, func() { s.group.finish([]*groupWrite{{}}) }
}

// PanicInNextPipeline makes the next pipeline s sends panic before it
// reaches Redis, as a fault of go-redis or of a hook would.
func PanicInNextPipeline(s *Store) { s.rdb.AddHook(&panicOnce{}) }

type panicOnce struct{ done atomic.Bool }

func (*panicOnce) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (*panicOnce) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (h *panicOnce) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if h.done.CompareAndSwap(false, true) {
			panic("pipeline fault")
		}
		return next(ctx, cmds)
	}
}
