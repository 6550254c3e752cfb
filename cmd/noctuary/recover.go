package main

import (
	"context"
	"log/slog"
	"time"
)

// recoverPeriod is how often Main checks that Redis still holds what it
// seeded (a FLUSHALL, a failover to an empty replica), so that the declared
// services and the consumer groups are back within it.
const recoverPeriod = 10 * time.Second

// recoverer is what keepSeeded needs of the store.
type recoverer interface {
	Recover(ctx context.Context) error
}

// keepSeeded runs s.Recover every period until ctx ends. A failure (Redis
// unavailable) is logged and tried again on the next tick.
func keepSeeded(ctx context.Context, s recoverer, period time.Duration, logger *slog.Logger) error {
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			if err := s.Recover(ctx); err != nil && ctx.Err() == nil {
				logger.Warn("checking that Redis still holds the declared services failed; retrying", "error", err)
			}
		}
	}
}
