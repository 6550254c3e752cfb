package ingest

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/pd"
)

// MaxWebhookBody is the largest PagerDuty webhook body accepted (docs/architecture.md, "HTTP contract");
// PagerDuty itself drops payloads beyond 256 KB.
const MaxWebhookBody = 1 << 20

// postWebhook receives a PagerDuty V3 webhook: it verifies the signature,
// parses the event and answers 202 once the event is durably queued (or was
// already). PagerDuty retries 5xx and drops other 4xx, so every fault of ours
// is a 503.
func (s *Server) postWebhook(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), webhookTimeout)
	defer cancel()
	id := c.Param("integration")
	integ, err := s.store.Integration(ctx, id)
	if err != nil {
		s.webhookFailed(c, "", err)
		return
	}
	body, err := readWebhookBody(c)
	if err != nil {
		s.webhookFailed(c, id, err)
		return
	}
	if err := pd.VerifySignature(body, c.GetHeader(pd.SignatureHeader), integ.WebhookSecrets); err != nil {
		if noctuary.ErrorCode(err) != noctuary.EUnauthorized {
			err = noctuary.Wrap(err, noctuary.EUnauthorized, "The webhook signature could not be verified.")
		}
		s.webhookFailed(c, id, err)
		return
	}
	s.markWebhook(ctx, id)
	ev, keep, odd, err := pd.ParseWebhook(body, id, s.now())
	if err != nil {
		s.webhookFailed(c, id, err)
		return
	}
	if !keep {
		s.webhookDone(c, id, outcomeIgnored)
		return
	}
	dup, err := s.store.EnqueueWebhook(ctx, ev)
	if err != nil {
		s.webhookFailed(c, id, noctuary.Wrap(err, noctuary.EUnavailable, "The event could not be stored; PagerDuty will retry."))
		return
	}
	if dup {
		s.webhookDone(c, id, outcomeDuplicate)
		return
	}
	s.oddFields(ctx, ev, odd)
	s.webhookDone(c, id, outcomeAccepted)
}

// oddFields counts and logs, once per field, the fields of an accepted
// event that were not of PagerDuty's shape and were read as absent. Only
// the event's id, type and the field names are logged: never a value.
func (s *Server) oddFields(ctx context.Context, ev noctuary.WebhookEvent, odd []string) {
	for _, field := range odd {
		s.metrics.oddFields.WithLabelValues(field).Inc()
		s.log.LogAttrs(ctx, slog.LevelWarn, "webhook field not of PagerDuty's shape, read as absent",
			slog.String("field", field), slog.String("event", ev.ID), slog.String("event_type", ev.Type),
			slog.String("incident", ev.Incident.ID), slog.String("integration", ev.Integration))
	}
}

// markEvery is how often a replica records an integration's signed
// webhooks: the dashboard shows when the last one arrived, to the minute.
const markEvery = time.Minute

// markWebhook records in the store that a webhook signed for integration
// arrived (pings included), at most once per markEvery per replica so that
// a storm costs no extra round trips. A failure is only logged: the event
// itself still goes through.
func (s *Server) markWebhook(ctx context.Context, integration string) {
	now := s.now()
	if last, ok := s.marked.Load(integration); ok && now.Sub(last.(time.Time)) < markEvery {
		return
	}
	s.marked.Store(integration, now)
	if err := s.store.MarkWebhook(ctx, integration, now); err != nil {
		s.marked.Delete(integration)
		s.log.LogAttrs(ctx, slog.LevelWarn, "the webhook's arrival could not be recorded", slog.String("integration", integration), slog.Any("error", err))
	}
}

// readWebhookBody reads the raw body, at most MaxWebhookBody bytes.
func readWebhookBody(c *gin.Context) ([]byte, error) {
	tooLarge := noctuary.Errorf(noctuary.ETooLarge, "The webhook body is larger than 1 MiB.")
	if c.Request.ContentLength > MaxWebhookBody {
		return nil, tooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, MaxWebhookBody))
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr):
		return nil, tooLarge
	case err != nil: // a transient fault: PagerDuty must retry, not drop
		return nil, noctuary.Wrap(err, noctuary.EUnavailable, "The webhook body could not be read; PagerDuty will retry.")
	}
	return body, nil
}

// webhookDone answers 202 and counts the outcome.
func (s *Server) webhookDone(c *gin.Context, integration, outcome string) {
	s.metrics.webhooks.WithLabelValues(integration, outcome).Inc()
	c.JSON(http.StatusAccepted, gin.H{"status": outcome})
}

// webhookFailed answers err and counts its outcome. A store fault is a 503
// whatever its code, so that PagerDuty retries rather than drops.
func (s *Server) webhookFailed(c *gin.Context, integration string, err error) {
	outcome := outcomeUnavailable
	switch noctuary.ErrorCode(err) {
	case noctuary.ENotFound:
		outcome = outcomeUnknownIntegration
		err = noctuary.Errorf(noctuary.ENotFound, "There is no integration %q; check the webhook URL.", truncate(c.Param("integration"), 64))
	case noctuary.ETooLarge:
		outcome = outcomeTooLarge
	case noctuary.EUnauthorized:
		outcome = outcomeBadSignature
		s.log.LogAttrs(c.Request.Context(), slog.LevelInfo, "webhook signature rejected", slog.String("integration", integration))
	case noctuary.EInvalid:
		outcome = outcomeMalformed
	default:
		if noctuary.ErrorCode(err) != noctuary.EUnavailable {
			err = noctuary.Wrap(err, noctuary.EUnavailable, "The event could not be handled now; PagerDuty will retry.")
		}
	}
	s.metrics.webhooks.WithLabelValues(integration, outcome).Inc()
	s.fail(c, err)
}
