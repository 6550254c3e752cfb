package store

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// HoldGroupCommit makes the small event writes of s wait as though every
// lane had a group in flight, until release: then the first of them sends
// all that wait as one group, and the other lanes are free. waiting reports
// how many wait.
func HoldGroupCommit(s *Store) (waiting func() int, release func()) {
	s.group.mu.Lock()
	s.group.sending = groupLanes
	s.group.mu.Unlock()
	waiting = func() int {
		s.group.mu.Lock()
		defer s.group.mu.Unlock()
		return len(s.group.waiting)
	}
	return waiting, func() {
		s.group.mu.Lock()
		s.group.sending = 1
		s.group.mu.Unlock()
		s.group.finish([]*groupWrite{{}})
	}
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

// StallNextPipeline makes the next pipeline s sends wait before it reaches
// Redis, as on a connection that stalls, until the returned release is
// called; stalled is closed once it waits.
func StallNextPipeline(s *Store) (stalled <-chan struct{}, release func()) {
	h := &stallOnce{stalled: make(chan struct{}), release: make(chan struct{})}
	s.rdb.AddHook(h)
	return h.stalled, sync.OnceFunc(func() { close(h.release) })
}

type stallOnce struct {
	done             atomic.Bool
	stalled, release chan struct{}
}

func (*stallOnce) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (*stallOnce) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (h *stallOnce) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if h.done.CompareAndSwap(false, true) {
			close(h.stalled)
			<-h.release
		}
		return next(ctx, cmds)
	}
}
