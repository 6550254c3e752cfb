package store

import (
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// expiryTick is how often the embedded Redis lets key lifetimes run down.
const expiryTick = 100 * time.Millisecond

// embedded is the in-process Redis of a store opened without a URL.
// miniredis lets TTLs run down only when told to, so a goroutine advances
// them with the wall clock: locks, dedupe keys and counters expire as they
// would in Redis.
type embedded struct {
	m    *miniredis.Miniredis
	done chan struct{}
	wait chan struct{}
	once sync.Once
}

// startEmbedded starts miniredis on a free port of 127.0.0.1.
func startEmbedded() (*embedded, error) {
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return nil, err
	}
	e := &embedded{m: m, done: make(chan struct{}), wait: make(chan struct{})}
	go e.expire()
	return e, nil
}

func (e *embedded) expire() {
	defer close(e.wait)
	t := time.NewTicker(expiryTick)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-e.done:
			return
		case now := <-t.C:
			e.m.FastForward(now.Sub(last))
			last = now
		}
	}
}

// addr returns the host:port it listens on.
func (e *embedded) addr() string { return e.m.Addr() }

// close stops it; calls after the first do nothing.
func (e *embedded) close() {
	e.once.Do(func() {
		close(e.done)
		<-e.wait
		e.m.Close()
	})
}
