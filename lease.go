package noctuary

import (
	"context"
	"time"
)

// KeepLease calls renew every period, from a goroutine of its own, until
// stop is called or renew reports the lease no longer held (held false, no
// error); each failed renewal is passed to failed. It keeps a queue entry
// with a live worker: a crashed worker stops renewing, and its entry is
// taken one lease later. stop returns once the renewals have ended; a
// period <= 0 renews nothing.
func KeepLease(ctx context.Context, period time.Duration, renew func(context.Context) (held bool, err error), failed func(held bool, err error)) (stop func()) {
	if period <= 0 {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(period)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			held, err := renew(ctx)
			if err != nil || !held {
				failed(held, err)
			}
			if err == nil && !held {
				return
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}
