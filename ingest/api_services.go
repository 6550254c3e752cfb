package ingest

import (
	"context"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/noctuary/noctuary"
)

// servicesView is GET /api/v1/services: every service's settings and
// whether Noctuary as a whole is paused.
type servicesView struct {
	Services []noctuary.Service `json:"services"`
	Paused   bool               `json:"paused"`
}

// listServices answers GET /api/v1/services.
func (s *Server) listServices(c *gin.Context) {
	ctx := c.Request.Context()
	svcs, err := s.store.Services(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	paused, err := s.store.GlobalPaused(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]noctuary.Service, len(svcs))
	for i, svc := range svcs {
		out[i] = withoutActions(svc)
	}
	c.JSON(http.StatusOK, servicesView{Services: out, Paused: paused})
}

// createService answers POST /api/v1/services (noctuary.NewService's JSON):
// a new service, read-only and not enabled, as /noctuary create makes it.
func (s *Server) createService(c *gin.Context) {
	var spec noctuary.NewService
	if err := bindJSON(c, &spec); err != nil {
		s.fail(c, err)
		return
	}
	s.change(c, func(ctx context.Context, actor string) (noctuary.Service, error) {
		return s.adm.Create(ctx, actor, spec)
	})
}

// putEnabled answers PUT /api/v1/services/:key/enabled {"enabled": bool,
// "slack_channel": "C…"}: /noctuary enable or disable. The channel, when
// given, is set by the enable.
func (s *Server) putEnabled(c *gin.Context) {
	var body struct {
		Enabled *bool  `json:"enabled"`
		Channel string `json:"slack_channel"`
	}
	if err := bindJSON(c, &body); err != nil {
		s.fail(c, err)
		return
	}
	switch {
	case body.Enabled == nil:
		s.fail(c, noctuary.Errorf(noctuary.EInvalid, `The body needs "enabled": true or false.`))
	case *body.Enabled:
		s.change(c, func(ctx context.Context, actor string) (noctuary.Service, error) {
			return s.adm.Enable(ctx, actor, c.Param("key"), body.Channel)
		})
	case body.Channel != "":
		s.fail(c, noctuary.Errorf(noctuary.EInvalid, `"slack_channel" goes with "enabled": true; PUT .../channel changes it alone.`))
	default:
		s.change(c, func(ctx context.Context, actor string) (noctuary.Service, error) {
			return s.adm.Disable(ctx, actor, c.Param("key"))
		})
	}
}

// putMode answers PUT /api/v1/services/:key/mode {"mode": "read-only" or
// "action"}: /noctuary mode.
func (s *Server) putMode(c *gin.Context) {
	var body struct {
		Mode string `json:"mode"`
	}
	if err := bindJSON(c, &body); err != nil {
		s.fail(c, err)
		return
	}
	mode, err := noctuary.ParseMode(body.Mode)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.change(c, func(ctx context.Context, actor string) (noctuary.Service, error) {
		return s.adm.SetMode(ctx, actor, c.Param("key"), mode)
	})
}

// putChannel answers PUT /api/v1/services/:key/channel {"slack_channel":
// "C…"}; "" removes the channel.
func (s *Server) putChannel(c *gin.Context) {
	var body struct {
		Channel *string `json:"slack_channel"`
	}
	if err := bindJSON(c, &body); err != nil {
		s.fail(c, err)
		return
	}
	if body.Channel == nil {
		s.fail(c, noctuary.Errorf(noctuary.EInvalid, `The body needs "slack_channel": a channel ID (C…), or "" for none.`))
		return
	}
	s.change(c, func(ctx context.Context, actor string) (noctuary.Service, error) {
		return s.adm.SetChannel(ctx, actor, c.Param("key"), *body.Channel)
	})
}

// putDependencies answers PUT /api/v1/services/:key/dependencies
// {"dependencies": ["postgres-main"]}: the whole list, [] for none.
func (s *Server) putDependencies(c *gin.Context) {
	var body struct {
		Dependencies []string `json:"dependencies"`
	}
	if err := bindJSON(c, &body); err != nil {
		s.fail(c, err)
		return
	}
	if body.Dependencies == nil {
		s.fail(c, noctuary.Errorf(noctuary.EInvalid, `The body needs "dependencies": a list of service keys, [] for none.`))
		return
	}
	s.change(c, func(ctx context.Context, actor string) (noctuary.Service, error) {
		return s.adm.SetDependencies(ctx, actor, c.Param("key"), body.Dependencies)
	})
}

// postApprover answers POST /api/v1/services/:key/approvers {"approver":
// "U…"}: /noctuary approvers add.
func (s *Server) postApprover(c *gin.Context) {
	var body struct {
		Approver string `json:"approver"`
	}
	if err := bindJSON(c, &body); err != nil {
		s.fail(c, err)
		return
	}
	s.change(c, func(ctx context.Context, actor string) (noctuary.Service, error) {
		return s.adm.AddApprover(ctx, actor, c.Param("key"), body.Approver)
	})
}

// deleteApprover answers DELETE /api/v1/services/:key/approvers/:approver:
// /noctuary approvers remove.
func (s *Server) deleteApprover(c *gin.Context) {
	s.change(c, func(ctx context.Context, actor string) (noctuary.Service, error) {
		return s.adm.RemoveApprover(ctx, actor, c.Param("key"), c.Param("approver"))
	})
}

// serviceParam is the route's service key, validated.
func serviceParam(c *gin.Context) (string, error) {
	key := c.Param("key")
	if !noctuary.ValidServiceKey(key) {
		return "", noctuary.Errorf(noctuary.EInvalid, "%q is not a service key: use letters, digits, '.', '_' and '-'.", key)
	}
	return key, nil
}

// withoutActions is svc as the admin API shows it: its declared actions are
// listed by GET .../actions only, without their webhooks' paths and secrets.
func withoutActions(svc noctuary.Service) noctuary.Service {
	svc.Actions = nil
	return svc
}

// actionView is a declared action as the admin API shows it: never its
// secret, nor its webhook's path or query (which may carry credentials).
type actionView struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Destructive bool     `json:"destructive"`
	Params      []string `json:"params,omitempty"`
	WebhookHost string   `json:"webhook_host"`
}

// getActions answers GET /api/v1/services/:key/actions: the actions the
// configuration file declares for the service (they change only there).
func (s *Server) getActions(c *gin.Context) {
	key, err := serviceParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	svc, err := s.store.Service(c.Request.Context(), key)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]actionView, len(svc.Actions))
	for i, a := range svc.Actions {
		out[i] = actionView{Name: a.Name, Description: a.Description, Destructive: a.Destructive, Params: a.Params}
		if u, err := url.Parse(a.Webhook); err == nil {
			out[i].WebhookHost = u.Host
		}
	}
	c.JSON(http.StatusOK, gin.H{"actions": out})
}
