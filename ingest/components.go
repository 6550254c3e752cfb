package ingest

import (
	"context"
	"maps"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/noctuary/noctuary"
)

// Component is a part of Noctuary that can fail on its own (Slack's Socket
// Mode, say) while ingestion goes on. /readyz reports it in its details and
// noctuary_component_up tracks it, but it never makes /readyz fail: only
// the store can, as webhooks are answered 202 only once they are in it.
type Component interface {
	// Health is nil while the part works, else why it does not (a sentence
	// safe to show).
	Health() error
}

// componentStatus is one component's line in /readyz.
type componentStatus struct {
	Status string `json:"status"` // "ok" or "down"
	Error  string `json:"error,omitempty"`
}

// readiness is the answer of /readyz: "ok", or "degraded" while a component
// is down.
type readiness struct {
	Status     string                     `json:"status"`
	Components map[string]componentStatus `json:"components"`
}

// Component adds c, named name, to /readyz's details and to the gauge
// noctuary_component_up. Call it before serving.
func (s *Server) Component(name string, c Component) {
	s.components[name] = c
	s.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name:        "noctuary_component_up",
		Help:        "1 while the component works, 0 while it is down (it is retried; ingestion goes on).",
		ConstLabels: prometheus.Labels{"component": name},
	}, func() float64 {
		if c.Health() != nil {
			return 0
		}
		return 1
	}))
}

func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), readyTimeout)
	defer cancel()
	r := readiness{Status: "ok", Components: map[string]componentStatus{"redis": {Status: "ok"}}}
	for _, name := range slices.Sorted(maps.Keys(s.components)) {
		r.Components[name] = componentOf(s.components[name].Health())
		if r.Components[name].Status != "ok" {
			r.Status = "degraded"
		}
	}
	if err := s.store.Ping(ctx); err != nil {
		err = noctuary.Wrap(err, noctuary.EUnavailable, "The store (Redis) is not reachable.")
		r.Components["redis"] = componentOf(err)
		s.log.Warn("store unavailable", "route", c.FullPath(), "error", err)
		c.AbortWithStatusJSON(http.StatusServiceUnavailable, errorBody{Error: noctuary.ErrorMessage(err), Code: noctuary.EUnavailable, Components: r.Components})
		return
	}
	c.JSON(http.StatusOK, r)
}

func componentOf(err error) componentStatus {
	if err == nil {
		return componentStatus{Status: "ok"}
	}
	return componentStatus{Status: "down", Error: noctuary.ErrorMessage(err)}
}
