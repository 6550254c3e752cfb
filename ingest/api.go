package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"

	"github.com/gin-gonic/gin"

	"github.com/noctuary/noctuary"
)

// Admin is the admin operations behind the admin API's changes: the same
// functions the Slack commands call (package admin satisfies it), so that a
// change is validated and audited once, whichever front end asks.
type Admin interface {
	Create(ctx context.Context, actor string, spec noctuary.NewService) (noctuary.Service, error)
	Enable(ctx context.Context, actor, service, channel string) (noctuary.Service, error)
	Disable(ctx context.Context, actor, service string) (noctuary.Service, error)
	SetMode(ctx context.Context, actor, service string, mode noctuary.Mode) (noctuary.Service, error)
	SetChannel(ctx context.Context, actor, service, channel string) (noctuary.Service, error)
	AddApprover(ctx context.Context, actor, service, approver string) (noctuary.Service, error)
	RemoveApprover(ctx context.Context, actor, service, approver string) (noctuary.Service, error)
	SetDependencies(ctx context.Context, actor, service string, deps []string) (noctuary.Service, error)
	Integrations
}

// ActorHeader optionally names the person behind an admin API request, for
// the audit log: the change is audited as "api:<name>" ("api:admin" without
// it). The name is not verified: the admin token is the credential.
const ActorHeader = "X-Noctuary-Actor"

// actorName is what ActorHeader may hold: an email or a user name.
var actorName = regexp.MustCompile(`^[A-Za-z0-9@._+-]{1,64}$`)

// actor is the audit actor of an admin API request.
func actor(c *gin.Context) (string, error) {
	name := c.GetHeader(ActorHeader)
	if name == "" {
		return "api:admin", nil
	}
	if !actorName.MatchString(name) {
		return "", noctuary.Errorf(noctuary.EInvalid, "%s may hold only 1-64 letters, digits, '@', '.', '_', '+' and '-'.", ActorHeader)
	}
	return "api:" + name, nil
}

// maxAdminBody bounds the JSON body of an admin API request.
const maxAdminBody = 64 << 10

// bindJSON decodes the request's body, one JSON object with only known
// fields, into v.
func bindJSON(c *gin.Context, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, maxAdminBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return noctuary.Errorf(noctuary.ETooLarge, "The body is larger than %d KiB.", maxAdminBody>>10)
	case errors.Is(err, io.EOF):
		return noctuary.Errorf(noctuary.EInvalid, "The body is empty; send a JSON object.")
	case err != nil:
		return bodyError(err, v)
	case dec.More():
		return noctuary.Errorf(noctuary.EInvalid, "The body holds more than one JSON value; send one object.")
	}
	return nil
}

// change runs one admin change on behalf of the request's actor and answers
// the service it returns.
func (s *Server) change(c *gin.Context, fn func(ctx context.Context, actor string) (noctuary.Service, error)) {
	who, err := actor(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	svc, err := fn(c.Request.Context(), who)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, withoutActions(svc))
}

// apiRoutes mounts the admin API's routes beyond the first read-only ones;
// those that change something, and the integrations' (whose secrets only
// the admin opens), only with Options.Admin.
func (s *Server) apiRoutes() {
	s.admin.GET("/services", s.listServices)
	s.admin.GET("/services/:key/actions", s.getActions)
	s.admin.GET("/audit", s.getAudit)
	s.admin.GET("/incidents", s.listIncidents)
	s.admin.GET("/incidents/:id/postmortem", s.getPostmortem)
	if s.adm == nil {
		return
	}
	s.admin.POST("/services", s.createService)
	s.admin.PUT("/services/:key/enabled", s.putEnabled)
	s.admin.PUT("/services/:key/mode", s.putMode)
	s.admin.PUT("/services/:key/channel", s.putChannel)
	s.admin.PUT("/services/:key/dependencies", s.putDependencies)
	s.admin.POST("/services/:key/approvers", s.postApprover)
	s.admin.DELETE("/services/:key/approvers/:approver", s.deleteApprover)
	s.admin.GET("/integrations", s.listIntegrations)
	s.admin.POST("/integrations", s.createIntegration)
	s.admin.PUT("/integrations/:id/webhook-secret", s.putWebhookSecret)
	s.admin.PUT("/integrations/:id/token", s.putToken)
	s.admin.POST("/integrations/:id/check", s.checkIntegration)
}
