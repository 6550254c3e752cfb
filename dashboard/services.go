package dashboard

import (
	"context"
	"net/http"
	"strings"

	"github.com/noctuary/noctuary"
)

// servicesData is the Services page.
type servicesData struct {
	Services []serviceRow
	// Paused: the global kill switch is on.
	Paused bool
	// Create is the curl command that creates a service, for the empty page.
	Create string
}

// serviceRow is one service as the page shows it.
type serviceRow struct {
	noctuary.Service
	// Integration is its environment's integration, with its key's status;
	// nil without one.
	Integration *integrationRow
	// Precision is what the engineers' votes found, over 30 and 90 days.
	Precision []noctuary.WindowPrecision
}

// servicesPage shows every service: opt-in, mode, channel, key age and
// precision from feedback.
func (d *Dashboard) servicesPage(w http.ResponseWriter, r *http.Request, s *session) {
	d.showServices(w, r, s, http.StatusOK, "", notice(r))
}

func (d *Dashboard) showServices(w http.ResponseWriter, r *http.Request, s *session, status int, problem, note string) {
	data, err := d.servicesData(r.Context())
	if err != nil {
		d.renderError(w, r, s, err)
		return
	}
	d.render(w, r, status, "services", view{Title: "Services", Nav: "services", CSRF: s.csrf, Error: problem, Notice: note, Data: data})
}

func (d *Dashboard) servicesData(ctx context.Context) (servicesData, error) {
	data := servicesData{Create: "curl -X POST " + d.publicURL + "/api/v1/services -H \"Authorization: Bearer $NOCTUARY_ADMIN_TOKEN\" " +
		`-d '{"key":"checkout","environment":"prod","pagerduty_service_ids":["PXXXXXX"]}'`}
	svcs, err := d.opt.Store.Services(ctx)
	if err != nil {
		return data, err
	}
	if data.Paused, err = d.opt.Store.GlobalPaused(ctx); err != nil {
		return data, err
	}
	integrations, err := d.integrationRows(ctx)
	if err != nil {
		return data, err
	}
	for _, svc := range svcs {
		row := serviceRow{Service: svc}
		for i := range integrations {
			if integrations[i].Environment == svc.Environment {
				row.Integration = &integrations[i]
			}
		}
		if row.Precision, err = d.opt.Store.FeedbackPrecision(ctx, svc.Key); err != nil {
			return data, err
		}
		data.Services = append(data.Services, row)
	}
	return data, nil
}

// setEnabled enables (opt-in) or disables a service: /noctuary enable or
// disable.
func (d *Dashboard) setEnabled(w http.ResponseWriter, r *http.Request, s *session) {
	key := r.PathValue("key")
	switch r.PostForm.Get("enabled") {
	case "true":
		d.changeService(w, r, s, "enabled", func(ctx context.Context) (noctuary.Service, error) {
			return d.opt.Admin.Enable(ctx, Actor, key, "")
		})
	case "false":
		d.changeService(w, r, s, "disabled", func(ctx context.Context) (noctuary.Service, error) {
			return d.opt.Admin.Disable(ctx, Actor, key)
		})
	default:
		d.showServices(w, r, s, http.StatusBadRequest, "Say whether to enable the service: enabled must be true or false.", "")
	}
}

// setMode sets a service's mode: /noctuary mode.
func (d *Dashboard) setMode(w http.ResponseWriter, r *http.Request, s *session) {
	mode, err := noctuary.ParseMode(r.PostForm.Get("mode"))
	if err != nil {
		d.showServices(w, r, s, http.StatusBadRequest, sentence(noctuary.ErrorMessage(err)), "")
		return
	}
	d.changeService(w, r, s, "mode", func(ctx context.Context) (noctuary.Service, error) {
		return d.opt.Admin.SetMode(ctx, Actor, r.PathValue("key"), mode)
	})
}

// setChannel sets a service's Slack channel ("" for none).
func (d *Dashboard) setChannel(w http.ResponseWriter, r *http.Request, s *session) {
	d.changeService(w, r, s, "channel", func(ctx context.Context) (noctuary.Service, error) {
		return d.opt.Admin.SetChannel(ctx, Actor, r.PathValue("key"), strings.TrimSpace(r.PostForm.Get("slack_channel")))
	})
}

// changeService runs one admin change of a service and goes back to the
// page with the notice done, or shows the refusal.
func (d *Dashboard) changeService(w http.ResponseWriter, r *http.Request, s *session, done string, fn func(ctx context.Context) (noctuary.Service, error)) {
	if _, err := fn(r.Context()); err != nil {
		d.refuse(w, r, s, err, func(status int, problem string) { d.showServices(w, r, s, status, problem, "") })
		return
	}
	http.Redirect(w, r, "/dashboard/services?done="+done+"#service-"+r.PathValue("key"), http.StatusSeeOther)
}
