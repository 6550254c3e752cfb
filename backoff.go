package noctuary

import "time"

// Backoff is the wait before retry number attempt (1 for the first):
// exponential from base, capped at ceiling, with "equal jitter" (half fixed,
// half jitter(d/2), a random duration in [0, d/2)) so that replicas do not
// retry in step. It is a pure function of attempt, not an iterator like
// cenkalti/backoff's ExponentialBackOff (used where the state lives in one
// process, as Socket Mode's reconnects), because a webhook entry's retry
// count lives in Redis with the entry and any replica computes its next wait.
func Backoff(attempt int, base, ceiling time.Duration, jitter func(time.Duration) time.Duration) time.Duration {
	d := ceiling
	if attempt < 16 {
		d = min(base<<(max(attempt, 1)-1), ceiling)
	}
	return d/2 + jitter(d/2)
}
