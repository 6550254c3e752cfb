package ingest

import (
	"context"
	"encoding/hex"
	"math"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/noctuary/noctuary"
)

// Limiter keeps the ingest tokens' event budgets, shared by every replica;
// *store.Store satisfies it.
type Limiter interface {
	// TakeN takes n units from bucket, refilled perSecond a second and
	// holding at most burst; it returns 0 when they were taken, otherwise
	// how long to wait (nothing is taken then).
	TakeN(ctx context.Context, bucket string, n, perSecond, burst int) (time.Duration, error)
}

// RateLimit is the budget of each ingest token on /v1/events and the bearer
// sources: a request costs its number of events (at least one), and is
// refused with 429 and Retry-After beyond it. A zero PerSecond or a nil
// Limiter turns the limit off.
type RateLimit struct {
	Limiter Limiter
	// PerSecond is the events a second a token may store, on average.
	PerSecond int
	// Burst is how many events a token may send at once after a quiet
	// spell; a request holding more is refused with 413.
	Burst int
}

func (r RateLimit) on() bool { return r.Limiter != nil && r.PerSecond > 0 && r.Burst > 0 }

// limitedMetric counts the requests refused by the rate limit, by route.
func limitedMetric(reg prometheus.Registerer) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "noctuary_ingest_rate_limited_total",
		Help: "Ingest requests refused (429) because their token spent its event budget (NOCTUARY_INGEST_RATE_LIMIT), by route.",
	}, []string{"route"})
	reg.MustRegister(c)
	return c
}

// takeBudget takes n events from tok's budget. When the budget refuses, it
// answers the request (413 beyond the burst, 429 with Retry-After otherwise)
// and returns false. A nil tok (a source with credentials of its own) is not
// limited.
func (s *Server) takeBudget(c *gin.Context, tok *tokenEntry, n int) bool {
	if tok == nil || !s.limit.on() {
		return true
	}
	n = max(n, 1)
	if n > s.limit.Burst {
		s.fail(c, noctuary.Errorf(noctuary.ETooLarge, "The request holds %d events, more than an ingest token may send at once (%d, NOCTUARY_INGEST_BURST); send at most %d per request.",
			n, s.limit.Burst, s.limit.Burst))
		return false
	}
	wait, err := s.ahead.take(c.Request.Context(), s.limit, tok.bucket(), n)
	if err != nil {
		s.fail(c, noctuary.Wrap(err, noctuary.EUnavailable, "The rate limit could not be checked; nothing was stored, retry later."))
		return false
	}
	if wait <= 0 {
		return true
	}
	secs := int(math.Ceil(wait.Seconds()))
	s.limited.WithLabelValues(c.FullPath()).Inc()
	c.Header("Retry-After", strconv.Itoa(secs))
	s.fail(c, noctuary.Errorf(noctuary.ERateLimited, "This ingest token sent more than %d events a second (burst %d); nothing was stored, retry in %d s.",
		s.limit.PerSecond, s.limit.Burst, secs))
	return false
}

// bucket names the token's budget by the first 8 bytes of its SHA-256: the
// token itself never reaches Redis.
func (e *tokenEntry) bucket() string { return "ingest:" + hex.EncodeToString(e.digest[:8]) }
