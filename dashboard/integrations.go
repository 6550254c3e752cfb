package dashboard

import (
	"cmp"
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
)

// integrationsData is the Settings → Integrations page.
type integrationsData struct {
	Integrations []integrationRow
	// Created is the integration just added: its webhook URL is shown first.
	Created *integrationRow
	// Check is the result of "check connection" of one integration.
	Check *checkResult
	// EventTypes are the webhook events to subscribe to.
	EventTypes []string
	// Form keeps what was typed into the add form after a refusal.
	Form noctuary.NewIntegration
}

// integrationRow is one integration as the page shows it: never a secret.
type integrationRow struct {
	ID, Environment string
	Direction       noctuary.Direction
	From, APIURL    string
	WebhookURL      string
	// Live: created in the dashboard or the API (its secrets set here);
	// otherwise declared in the configuration file.
	Live             bool
	WebhookSecretSet bool
	// TokenSet: a PagerDuty key is set (in the file, or rotated in live).
	TokenSet bool
	// ExtraKeys counts the extra PagerDuty keys the file lists (never
	// shown): each adds a key's request budget.
	ExtraKeys int
	Key       *noctuary.KeyStatus
	// LastWebhook is when its last signed webhook arrived; zero for never.
	LastWebhook time.Time
}

// checkResult is "check connection" of integration ID.
type checkResult struct {
	ID    string
	Check noctuary.ConnectionCheck
	Error string
}

// integrationsPage shows Settings → Integrations.
func (d *Dashboard) integrationsPage(w http.ResponseWriter, r *http.Request, s *session) {
	d.showIntegrations(w, r, s, http.StatusOK, integrationsData{}, "", notice(r))
}

// showIntegrations renders the integrations page over data (its list
// filled here) with an error or a notice.
func (d *Dashboard) showIntegrations(w http.ResponseWriter, r *http.Request, s *session, status int, data integrationsData, problem, note string) {
	rows, err := d.integrationRows(r.Context())
	if err != nil {
		d.renderError(w, r, s, err)
		return
	}
	data.Integrations = rows
	data.EventTypes = slices.Sorted(maps.Keys(noctuary.KeptEventTypes))
	if id := r.URL.Query().Get("created"); id != "" {
		for i := range rows {
			if rows[i].ID == id {
				data.Created = &rows[i]
			}
		}
	}
	d.render(w, r, status, "integrations", view{Title: "Settings → Integrations", Nav: "integrations", CSRF: s.csrf, Error: problem, Notice: note, Data: data})
}

// integrationRows lists the integrations with what the page shows of each.
func (d *Dashboard) integrationRows(ctx context.Context) ([]integrationRow, error) {
	all, err := d.opt.Store.Integrations(ctx)
	if err != nil {
		return nil, err
	}
	keys, err := d.opt.Admin.Keys(ctx)
	if err != nil {
		return nil, err
	}
	seen, err := d.opt.Store.WebhookTimes(ctx)
	if err != nil {
		return nil, err
	}
	rows := make([]integrationRow, 0, len(all))
	for _, in := range all {
		_, err := d.opt.Store.IntegrationRecord(ctx, in.ID)
		live := err == nil
		if err != nil && noctuary.ErrorCode(err) != noctuary.ENotFound {
			return nil, err
		}
		if in, err = d.opt.Admin.Integration(ctx, in.ID); err != nil {
			return nil, err
		}
		row := integrationRow{ID: in.ID, Environment: in.Environment, Direction: in.Direction, From: in.From, APIURL: in.APIURL,
			WebhookURL: d.publicURL + "/webhooks/pagerduty/" + in.ID, Live: live, WebhookSecretSet: len(in.WebhookSecrets) > 0,
			TokenSet: !in.Token.IsZero(), ExtraKeys: len(in.ExtraTokens), LastWebhook: seen[in.ID]}
		for i := range keys {
			if keys[i].Integration == in.ID {
				row.Key = &keys[i]
				row.TokenSet = row.TokenSet || !keys[i].RotatedAt.IsZero()
			}
		}
		rows = append(rows, row)
	}
	slices.SortFunc(rows, func(a, b integrationRow) int { return strings.Compare(a.Environment, b.Environment) })
	return rows, nil
}

// createIntegration adds a PagerDuty integration: Settings → Integrations
// → Add integration.
func (d *Dashboard) createIntegration(w http.ResponseWriter, r *http.Request, s *session) {
	f := r.PostForm
	spec := noctuary.NewIntegration{ID: strings.TrimSpace(f.Get("id")), Environment: strings.TrimSpace(f.Get("environment")),
		Direction: noctuary.Direction(f.Get("direction")), From: strings.TrimSpace(f.Get("from")), APIURL: strings.TrimSpace(f.Get("api_url"))}
	typed := spec
	spec.ID = cmp.Or(spec.ID, spec.Environment)
	var err error
	switch typ := f.Get("type"); {
	case typ != "pagerduty":
		err = noctuary.Errorf(noctuary.EInvalid, "The only integration type is PagerDuty.")
	case spec.Environment == "":
		err = noctuary.Errorf(noctuary.EInvalid, "Name the environment the integration serves, such as prod.")
	default:
		_, err = d.opt.Admin.CreateIntegration(r.Context(), Actor, spec)
	}
	if err != nil {
		d.refuse(w, r, s, err, func(status int, problem string) {
			d.showIntegrations(w, r, s, status, integrationsData{Form: typed}, problem, "")
		})
		return
	}
	http.Redirect(w, r, "/dashboard/integrations?created="+spec.ID+"&done=created#created", http.StatusSeeOther)
}

// setWebhookSecret sets or rotates an integration's webhook signing secret.
func (d *Dashboard) setWebhookSecret(w http.ResponseWriter, r *http.Request, s *session) {
	d.setSecret(w, r, s, "secret", "secret", d.opt.Admin.SetWebhookSecret)
}

// setToken sets or rotates an integration's PagerDuty key (checked with
// PagerDuty first).
func (d *Dashboard) setToken(w http.ResponseWriter, r *http.Request, s *session) {
	d.setSecret(w, r, s, "token", "token", d.opt.Admin.SetToken)
}

func (d *Dashboard) setSecret(w http.ResponseWriter, r *http.Request, s *session, field, done string, set func(ctx context.Context, actor, id string, v noctuary.Secret) error) {
	id := r.PathValue("id")
	err := set(r.Context(), Actor, id, noctuary.Secret(strings.TrimSpace(r.PostForm.Get(field))))
	if err != nil {
		d.refuse(w, r, s, err, func(status int, problem string) {
			d.showIntegrations(w, r, s, status, integrationsData{}, problem, "")
		})
		return
	}
	http.Redirect(w, r, "/dashboard/integrations?done="+done+"#integration-"+id, http.StatusSeeOther)
}

// checkConnection asks PagerDuty what the integration's key may do, and
// shows the answer on the page.
func (d *Dashboard) checkConnection(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	check, err := d.opt.Admin.CheckConnection(r.Context(), id)
	res := &checkResult{ID: id, Check: check}
	status := http.StatusOK
	if err != nil {
		if code := noctuary.ErrorCode(err); code == noctuary.EInternal {
			d.renderError(w, r, s, err)
			return
		}
		res.Error = sentence(noctuary.ErrorMessage(err))
		status = noctuary.HTTPStatus(noctuary.ErrorCode(err))
	}
	d.showIntegrations(w, r, s, status, integrationsData{Check: res}, "", "")
}

// refuse shows a refused change: the page again with the error's sentence
// (show), or the error page for a fault of ours.
func (d *Dashboard) refuse(w http.ResponseWriter, r *http.Request, s *session, err error, show func(status int, problem string)) {
	switch code := noctuary.ErrorCode(err); code {
	case noctuary.EInternal, noctuary.EUnavailable:
		d.renderError(w, r, s, err)
	default:
		show(noctuary.HTTPStatus(code), sentence(noctuary.ErrorMessage(err)))
	}
}

// notices are the sentences a redirect after a change shows (?done=).
var notices = map[string]string{
	"created":  "Integration added. Copy its webhook URL into PagerDuty (steps below), then set the signing secret PagerDuty shows.",
	"secret":   "Webhook signing secret saved. The previous one stays accepted for 48 hours.",
	"token":    "PagerDuty key saved: PagerDuty accepted it.",
	"enabled":  "Service enabled: its incidents get notes from now on.",
	"disabled": "Service disabled: its incidents get no notes.",
	"mode":     "Mode changed.",
	"channel":  "Slack channel changed.",
}

// notice is the sentence of the request's ?done=, "" for none.
func notice(r *http.Request) string {
	return notices[r.URL.Query().Get("done")]
}
