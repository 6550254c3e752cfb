package store

import (
	"context"
	"time"
)

// prefixSlackSeen keys the signatures of accepted Slack requests
// (noctuary:v1:slack:seen:<signature>, SET NX PX).
const prefixSlackSeen = "noctuary:v1:slack:seen:"

// FirstSlackRequest remembers the signature of an accepted Slack request for
// ttl (relative, so Redis' own clock decides) and reports whether it was new:
// a replay of the same signed request within ttl gets false.
func (s *Store) FirstSlackRequest(ctx context.Context, signature string, ttl time.Duration) (bool, error) {
	first, err := s.rdb.SetNX(ctx, prefixSlackSeen+signature, 1, ttl).Result()
	if err != nil {
		return false, unavailable(err)
	}
	return first, nil
}
