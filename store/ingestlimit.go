package store

import (
	"context"
	"time"

	"github.com/go-redis/redis_rate/v10"

	"github.com/noctuary/noctuary"
)

// TakeN takes n units from bucket's budget, shared by every replica: a GCRA
// token bucket in Redis (go-redis/redis_rate, on Redis's clock) that refills
// perSecond units a second and holds at most burst. It returns 0 when they
// were taken, otherwise how long to wait until the bucket holds n again;
// units refused are not taken. n must not exceed burst.
func (s *Store) TakeN(ctx context.Context, bucket string, n, perSecond, burst int) (time.Duration, error) {
	if perSecond <= 0 || burst <= 0 || n <= 0 || n > burst {
		return 0, noctuary.Errorf(noctuary.EInvalid, "a budget takes from 1 to its burst of units, at a positive rate")
	}
	limit := redis_rate.Limit{Rate: perSecond, Burst: burst, Period: time.Second}
	res, err := redis_rate.NewLimiter(s.rdb).AllowN(ctx, prefixRateLimit+bucket, limit, n)
	if err != nil {
		return 0, unavailable(err)
	}
	if res.Allowed > 0 {
		return 0, nil
	}
	return max(res.RetryAfter, time.Millisecond), nil
}
