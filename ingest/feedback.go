package ingest

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/noctuary/noctuary"
)

// serviceView is the admin API's answer for one service: its settings and
// the precision of its hypotheses by the engineers' feedback.
type serviceView struct {
	Service   noctuary.Service           `json:"service"`
	Precision []noctuary.WindowPrecision `json:"precision"`
}

// getService answers GET /api/v1/services/:key.
func (s *Server) getService(c *gin.Context) {
	ctx := c.Request.Context()
	key, err := serviceParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	svc, err := s.store.Service(ctx, key)
	if err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.store.FeedbackPrecision(ctx, key)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, serviceView{Service: withoutActions(svc), Precision: p})
}

// feedbackCollector exposes, at each scrape, every service's feedback over
// each window (noctuary.FeedbackWindows), read from the store: the same
// figures on every replica.
type feedbackCollector struct {
	store     Store
	log       *slog.Logger
	votes     *prometheus.Desc
	precision *prometheus.Desc
}

func newFeedbackCollector(st Store, log *slog.Logger) *feedbackCollector {
	labels := []string{"service", "engine", "window"}
	return &feedbackCollector{store: st, log: log,
		votes: prometheus.NewDesc("noctuary_feedback_votes",
			"Engineers' votes on hypotheses given in the window (30d, 90d), by service, engine and verdict (right, wrong).",
			append(labels, "verdict"), nil),
		precision: prometheus.NewDesc("noctuary_hypothesis_precision",
			"Share of the votes given in the window (30d, 90d) that found the hypothesis right, by service and engine; absent without votes.",
			labels, nil),
	}
}

// Describe implements prometheus.Collector.
func (fc *feedbackCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- fc.votes
	ch <- fc.precision
}

// Collect implements prometheus.Collector. When the store fails the series
// are left out; /readyz reports the outage.
func (fc *feedbackCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	svcs, err := fc.store.Services(ctx)
	if err != nil {
		fc.log.Warn("feedback unavailable for metrics", slog.Any("error", err))
		return
	}
	for _, svc := range svcs {
		windows, err := fc.store.FeedbackPrecision(ctx, svc.Key)
		if err != nil {
			fc.log.Warn("feedback unavailable for metrics", slog.String("service", svc.Key), slog.Any("error", err))
			return
		}
		fc.collect(ch, svc.Key, windows)
	}
}

func (fc *feedbackCollector) collect(ch chan<- prometheus.Metric, service string, windows []noctuary.WindowPrecision) {
	for _, w := range windows {
		window := strconv.Itoa(w.Days) + "d"
		for engine, v := range w.Engines {
			ch <- prometheus.MustNewConstMetric(fc.votes, prometheus.GaugeValue, float64(v.Right), service, engine, window, "right")
			ch <- prometheus.MustNewConstMetric(fc.votes, prometheus.GaugeValue, float64(v.Wrong), service, engine, window, "wrong")
			if p, ok := v.Precision(); ok {
				ch <- prometheus.MustNewConstMetric(fc.precision, prometheus.GaugeValue, p, service, engine, window)
			}
		}
	}
}
