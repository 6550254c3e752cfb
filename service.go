package noctuary

// Mode is what Noctuary may do for an enabled service.
type Mode string

// Modes of a service (docs/architecture.md, "Safety").
const (
	// ModeReadOnly posts hypotheses and takes feedback; nothing else is
	// written to PagerDuty and no action runs.
	ModeReadOnly Mode = "read-only"
	// ModeAction also allows acknowledging, applying and approving actions.
	ModeAction Mode = "action"
)

// Valid reports whether m is a known mode.
func (m Mode) Valid() bool { return m == ModeReadOnly || m == ModeAction }

// Direction says whether an integration may write to PagerDuty.
type Direction string

// Directions of an integration.
const (
	// DirectionBidirectional reads webhooks and writes notes and acknowledgements.
	DirectionBidirectional Direction = "bidirectional"
	// DirectionInbound reads webhooks only: notes stay in Slack and the dashboard.
	DirectionInbound Direction = "inbound"
)

// Valid reports whether d is a known direction.
func (d Direction) Valid() bool { return d == DirectionBidirectional || d == DirectionInbound }

// DefaultIntegration is the ID (and environment) of the integration built from
// the NOCTUARY_PAGERDUTY_* variables.
const DefaultIntegration = "default"

// Integration is one PagerDuty account binding: exactly one per environment.
type Integration struct {
	ID          string    `json:"id"`
	Environment string    `json:"environment"`
	Direction   Direction `json:"direction"`
	// Token is the PagerDuty REST API key; empty without OAuth means dry run
	// (notes logged and kept in Redis only).
	Token Secret `json:"token"`
	// ExtraTokens are more REST API keys of the same account, used besides
	// Token: PagerDuty's request limit is per key, so each adds a key's
	// budget. Only the configuration sets them (never an OAuth
	// integration's); they are not stored and not rotated by Noctuary.
	ExtraTokens []Secret `json:"extra_tokens,omitempty"`
	// WebhookSecrets are the accepted webhook signing secrets: the current one
	// first, then any still valid during a rotation.
	WebhookSecrets []Secret `json:"webhook_secrets"`
	From           string   `json:"from,omitempty"`
	APIURL         string   `json:"api_url,omitempty"`
	// OAuth, when set, is the scoped OAuth app the integration calls
	// PagerDuty with, instead of Token.
	OAuth *OAuthApp `json:"oauth,omitempty"`
}

// Service is one service's settings: what the file declares and what admins
// changed live (enabled, mode, channel, approvers, paused).
type Service struct {
	Key                 string   `json:"key"`
	Environment         string   `json:"environment"`
	PagerDutyServiceIDs []string `json:"pagerduty_service_ids,omitempty"`
	Enabled             bool     `json:"enabled"`
	Mode                Mode     `json:"mode"`
	Paused              bool     `json:"paused,omitempty"`
	SlackChannel        string   `json:"slack_channel,omitempty"`
	Approvers           []string `json:"approvers,omitempty"`
	ApproveOncall       bool     `json:"approve_oncall,omitempty"`
	Dependencies        []string `json:"dependencies,omitempty"`
	// AutoAcknowledge is the confidence at or above which the agent
	// acknowledges on its own (action mode only); nil means never.
	AutoAcknowledge *float64 `json:"auto_acknowledge,omitempty"`
	// LLM false keeps this service's data away from the LLM.
	LLM bool `json:"llm"`
	// Actions come only from the configuration file, never from Redis or
	// from LLM output.
	Actions []ActionSpec `json:"actions,omitempty"`
	// SettingsSource is the file's choice of what wins at start-up for the
	// live settings (LiveSettings); empty means SettingsLive. Only the
	// configuration file sets it: it is not stored.
	SettingsSource SettingsSource `json:"settings_source,omitempty"`
}

// Action returns the declared action called name.
func (s *Service) Action(name string) (ActionSpec, bool) {
	for _, a := range s.Actions {
		if a.Name == name {
			return a, true
		}
	}
	return ActionSpec{}, false
}

// ActionSpec is an action declared in the configuration file, run by a signed
// HTTP POST to its webhook.
type ActionSpec struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Destructive actions run only after an authorised approver approves;
	// an action is destructive unless declared otherwise.
	Destructive bool     `json:"destructive"`
	Webhook     string   `json:"webhook"`
	Secret      Secret   `json:"secret"`
	Params      []string `json:"params,omitempty"`
}
