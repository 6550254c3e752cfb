package actions

import (
	"encoding/json"
	"net/url"
	"slices"

	"github.com/noctuary/noctuary"
)

// payload is the JSON body of an action request (docs/architecture.md, "Action webhooks").
type payload struct {
	Action     string            `json:"action"`
	Params     map[string]string `json:"params"`
	Incident   incidentRef       `json:"incident"`
	Service    string            `json:"service"`
	ApprovedBy approver          `json:"approved_by"`
	AuditID    string            `json:"audit_id"`
}

type incidentRef struct {
	ID     string `json:"id"`
	Number int    `json:"number"`
	URL    string `json:"url"`
}

type approver struct {
	SlackUser string `json:"slack_user"`
	Email     string `json:"email"`
}

// encode checks req and returns the request body. An action is never sent
// unsigned, without an idempotency key, or with undeclared parameters.
func encode(req noctuary.ActionRequest) ([]byte, error) {
	a := req.Action
	if a.Name == "" {
		return nil, noctuary.Errorf(noctuary.EInvalid, "the action has no name")
	}
	if u, err := url.Parse(a.Webhook); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, noctuary.Errorf(noctuary.EInvalid, "action %s needs an absolute http(s) webhook URL", a.Name)
	}
	if a.Secret.IsZero() {
		return nil, noctuary.Errorf(noctuary.EInvalid, "action %s has no secret; it is never sent unsigned", a.Name)
	}
	if req.AuditID == "" {
		return nil, noctuary.Errorf(noctuary.EInvalid, "action %s needs an audit ID (its idempotency key)", a.Name)
	}
	params := map[string]string{}
	for k, v := range req.Params {
		if !slices.Contains(a.Params, k) {
			return nil, noctuary.Errorf(noctuary.EInvalid, "parameter %q is not declared for action %s", k, a.Name)
		}
		params[k] = v
	}
	return json.Marshal(payload{
		Action:     a.Name,
		Params:     params,
		Incident:   incidentRef{ID: req.Incident.ID, Number: req.Incident.Number, URL: req.Incident.HTMLURL},
		Service:    req.Service,
		ApprovedBy: approver{SlackUser: req.ApprovedBy, Email: req.ApprovedByEmail},
		AuditID:    req.AuditID,
	})
}
