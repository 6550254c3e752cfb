package ingest

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/ingest/sources"
)

// Translator turns one request of a tool into ContextEvents; the types of
// package sources satisfy it. Its errors carry their code: EInvalid for a
// malformed payload (400), EUnauthorized for a credential of the tool's own
// that does not verify (401).
type Translator interface {
	Translate(h http.Header, body []byte) (sources.Result, error)
}

// Source is one tool's endpoint, POST /v1/events/<Name>.
type Source struct {
	// Name is the route's last segment and the source label of metrics.
	Name string
	// Bearer requires an ingest token, whose service scope applies; false
	// leaves authentication to the translator (a signature, a routing key).
	Bearer     bool
	Translator Translator
}

// postSource serves src: the body is translated, then stored by the rules of
// /v1/events; the answer names the unmapped items.
func (s *Server) postSource(src Source) gin.HandlerFunc {
	return func(c *gin.Context) {
		var tok *tokenEntry
		var err error
		if src.Bearer {
			tok, err = s.bearer(c)
		}
		var body string
		if err == nil {
			body, err = readLimited(c)
		}
		var res sources.Result
		if err == nil {
			res, err = src.Translator.Translate(c.Request.Header, []byte(body))
		}
		if err == nil {
			s.dateUndated(res.Events)
			err = s.fillPreviousSHA(c.Request.Context(), res.Events)
		}
		if err != nil {
			s.fail(c, err)
			return
		}
		var expired []string
		res.Events, expired = s.dropExpired(res.Events)
		s.metrics.unmapped.WithLabelValues(src.Name).Add(float64(len(res.Unmapped)))
		s.metrics.expired.WithLabelValues(src.Name).Add(float64(len(expired)))
		if o, ok := s.storeChecked(c, s.checkEvents(res.Events), tok); ok {
			writeCounts(c, o, append([]string{}, res.Unmapped...), expired)
		}
	}
}

// checkEvents validates translated events as /v1/events validates decoded ones.
func (s *Server) checkEvents(evs []noctuary.ContextEvent) batch {
	b := batch{events: evs}
	now := s.now()
	for i := range evs {
		if err := checkEvent(&evs[i], now, s.retention); err != nil {
			b.problems = append(b.problems, itemError{Index: i, Error: itemMessage(err)})
		}
	}
	return b
}

// dropExpired removes the events that occurred before the retention and
// names each in a sentence. A tool's payload is not refused for them: an
// alert firing for longer than the retention, or an old Kubernetes Event
// resent, would otherwise make the tool resend the whole payload for ever
// and lose the new items beside it. Such an event could never be correlated.
func (s *Server) dropExpired(evs []noctuary.ContextEvent) (kept []noctuary.ContextEvent, expired []string) {
	if s.retention <= 0 {
		return evs, nil
	}
	now := s.now()
	kept = evs[:0]
	for _, ev := range evs {
		if err := ev.CheckRetention(now, s.retention); err != nil {
			expired = append(expired, ev.Kind+" of "+ev.Service+": "+itemMessage(err))
			continue
		}
		kept = append(kept, ev)
	}
	return kept, expired
}

// dateUndated dates the events that their tool left undated (PagerDuty
// change events may omit their timestamp) with the time of receipt.
func (s *Server) dateUndated(evs []noctuary.ContextEvent) {
	now := s.now()
	for i := range evs {
		if evs[i].OccurredAt.IsZero() {
			evs[i].OccurredAt = now
		}
	}
}

// fillPreviousSHA sets the previous_sha of each deploy that has a sha and no
// previous_sha: the sha of the service's last deploy before it in the same
// environment, among the stored events (within the retention) and those
// before it in evs.
func (s *Server) fillPreviousSHA(ctx context.Context, evs []noctuary.ContextEvent) error {
	for i := range evs {
		ev := &evs[i]
		if ev.Kind != "deploy" || ev.Attributes["sha"] == "" || ev.Attributes["previous_sha"] != "" || !noctuary.ValidServiceKey(ev.Service) {
			continue
		}
		stored, err := s.store.EventsInWindow(ctx, []string{ev.Service}, ev.OccurredAt.Add(-s.lookback()), ev.OccurredAt)
		if err != nil {
			return noctuary.Wrap(err, noctuary.EUnavailable, "Earlier deploys could not be read; nothing was stored, retry later.")
		}
		if prev := lastDeploy(append(stored, evs[:i]...), *ev); prev != "" {
			ev.Attributes["previous_sha"] = prev
		}
	}
	return nil
}

// lookback is how far back fillPreviousSHA looks for the previous deploy.
func (s *Server) lookback() time.Duration {
	if s.retention > 0 {
		return s.retention
	}
	return 72 * time.Hour
}

// lastDeploy returns the sha of the latest deploy in evs of ev's service
// and environment, before ev and with another sha, or "".
func lastDeploy(evs []noctuary.ContextEvent, ev noctuary.ContextEvent) string {
	var last *noctuary.ContextEvent
	for i := range evs {
		e := &evs[i]
		if e.Kind != "deploy" || e.Service != ev.Service || e.Attributes["environment"] != ev.Attributes["environment"] ||
			e.Attributes["sha"] == "" || e.Attributes["sha"] == ev.Attributes["sha"] || e.ID == ev.ID || !e.OccurredAt.Before(ev.OccurredAt) {
			continue
		}
		if last == nil || !e.OccurredAt.Before(last.OccurredAt) {
			last = e
		}
	}
	if last == nil {
		return ""
	}
	return last.Attributes["sha"]
}
