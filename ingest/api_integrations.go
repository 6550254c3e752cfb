package ingest

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/noctuary/noctuary"
)

// Integrations is what the admin API's integration routes call (package
// admin satisfies it): secrets are stored encrypted and every change is
// audited, never a secret.
type Integrations interface {
	Integration(ctx context.Context, id string) (noctuary.Integration, error)
	CreateIntegration(ctx context.Context, actor string, spec noctuary.NewIntegration) (noctuary.Integration, error)
	SetWebhookSecret(ctx context.Context, actor, id string, secret noctuary.Secret) error
	SetToken(ctx context.Context, actor, id string, token noctuary.Secret) error
	CheckConnection(ctx context.Context, id string) (noctuary.ConnectionCheck, error)
}

// integrationView is an integration as the admin API shows it: never its
// secrets, whether its webhook secret is set, and the webhook URL to paste
// into PagerDuty's Generic Webhook (V3) subscription.
type integrationView struct {
	ID               string             `json:"id"`
	Environment      string             `json:"environment"`
	Direction        noctuary.Direction `json:"direction"`
	From             string             `json:"from,omitempty"`
	APIURL           string             `json:"api_url,omitempty"`
	WebhookURL       string             `json:"webhook_url"`
	WebhookSecretSet bool               `json:"webhook_secret_set"`
}

func (s *Server) integrationView(in noctuary.Integration) integrationView {
	return integrationView{ID: in.ID, Environment: in.Environment, Direction: in.Direction, From: in.From, APIURL: in.APIURL,
		WebhookURL: s.publicURL + "/webhooks/pagerduty/" + in.ID, WebhookSecretSet: len(in.WebhookSecrets) > 0}
}

// listIntegrations answers GET /api/v1/integrations.
func (s *Server) listIntegrations(c *gin.Context) {
	ctx := c.Request.Context()
	all, err := s.store.Integrations(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]integrationView, 0, len(all))
	for _, in := range all {
		if in, err = s.adm.Integration(ctx, in.ID); err != nil {
			s.fail(c, err)
			return
		}
		out = append(out, s.integrationView(in))
	}
	c.JSON(http.StatusOK, gin.H{"integrations": out})
}

// createIntegration answers POST /api/v1/integrations (NewIntegration's
// JSON) with 201 and the integration, its webhook URL included.
func (s *Server) createIntegration(c *gin.Context) {
	var spec noctuary.NewIntegration
	var in noctuary.Integration
	who, err := actor(c)
	if err == nil {
		err = bindJSON(c, &spec)
	}
	if err == nil {
		in, err = s.adm.CreateIntegration(c.Request.Context(), who, spec)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, s.integrationView(in))
}

// putWebhookSecret answers PUT /api/v1/integrations/:id/webhook-secret
// {"secret": "…"}: the signing secret PagerDuty showed once (set or rotate).
func (s *Server) putWebhookSecret(c *gin.Context) {
	s.setSecret(c, "secret", s.adm.SetWebhookSecret)
}

// putToken answers PUT /api/v1/integrations/:id/token {"token": "…"}: the
// PagerDuty REST API key (set or rotate), checked with PagerDuty first.
func (s *Server) putToken(c *gin.Context) {
	s.setSecret(c, "token", s.adm.SetToken)
}

// setSecret reads {"<field>": "…"} and sets it with set, answering the
// integration.
func (s *Server) setSecret(c *gin.Context, field string, set func(ctx context.Context, actor, id string, v noctuary.Secret) error) {
	var body map[string]*string
	who, err := actor(c)
	if err == nil {
		err = bindJSON(c, &body)
	}
	value, ok := body[field]
	switch {
	case err != nil:
	case len(body) != 1 || !ok || value == nil:
		err = noctuary.Errorf(noctuary.EInvalid, `The body must be {"%s": "…"} and nothing else.`, field)
	default:
		err = set(c.Request.Context(), who, c.Param("id"), noctuary.Secret(strings.TrimSpace(*value)))
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	in, err := s.adm.Integration(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, s.integrationView(in))
}

// checkIntegration answers POST /api/v1/integrations/:id/check: can the key
// view incidents and create notes?
func (s *Server) checkIntegration(c *gin.Context) {
	check, err := s.adm.CheckConnection(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if check.Problems == nil {
		check.Problems = []string{}
	}
	c.JSON(http.StatusOK, check)
}
