package bot

import (
	"slices"
	"strings"
	"testing"
)

// TestSlashCreateAndUnknownEnable: /noctuary enable of an unknown key is
// refused with the nearest key and changes nothing; /noctuary create (admins
// only) makes the service, which enable then opts in.
func TestSlashCreateAndUnknownEnable(t *testing.T) {
	tests := []struct {
		user, text string
		want       string
		audit      []string
	}{
		{user: adminUser, text: "enable chekout", want: "service chekout is not known (did you mean checkout?)",
			audit: []string{"U0ADMIN service.enable chekout not_found"}},
		{user: adminUser, text: "enable nosuchsvc <#C0123ABCD|x>", want: "/noctuary create nosuchsvc <environment> <PagerDuty service ID>",
			audit: []string{"U0ADMIN service.enable nosuchsvc not_found channel=C0123ABCD"}},
		{user: "U0BOB", text: "create search prod PSEARCH", want: "Only Noctuary's Slack admins may run `/noctuary create`"},
		{user: adminUser, text: "create search", want: "Usage: `/noctuary create <service> <environment> <PagerDuty service ID> [#channel]`"},
		{user: adminUser, text: "create search prod PSEARCH <#C0123ABCD|search>",
			want:  "Created `search` in environment `prod` for PagerDuty service PSEARCH, read-only and not enabled yet: `/noctuary enable search` opts it in.",
			audit: []string{"U0ADMIN service.create search ok channel=C0123ABCD environment=prod pagerduty_service_ids=PSEARCH"}},
		{user: adminUser, text: "create search prod PSEARCH", want: "`/noctuary enable search #channel` opts it in.",
			audit: []string{"U0ADMIN service.create search ok environment=prod pagerduty_service_ids=PSEARCH"}},
		{user: adminUser, text: "create checkout prod PNEW", want: "service checkout already exists",
			audit: []string{"U0ADMIN service.create checkout conflict environment=prod pagerduty_service_ids=PNEW"}},
		{user: adminUser, text: "create search prod PSEARCH #general", want: `"#general" is not a channel`},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			h := newHarness(t, "embedded")
			seedServices(t, h)
			before, services := h.audit(), h.services()
			got := h.command(tt.user, tt.text)
			if !strings.Contains(got, tt.want) {
				t.Errorf("reply %q\nwant it to contain %q", got, tt.want)
			}
			if added := h.audit()[len(before):]; !slices.Equal(added, tt.audit) {
				t.Errorf("audited %q, want %q", added, tt.audit)
			}
			created := strings.HasPrefix(got, "Created")
			if changed := h.services() != services; changed != created {
				t.Errorf("services changed: %v, but the reply is %q", changed, got)
			}
		})
	}
	h := newHarness(t, "embedded")
	if got := h.command(adminUser, "help"); !strings.Contains(got, "• `create <service> <environment> <PagerDuty service ID> [#channel]` — ") {
		t.Errorf("help does not list create: %q", got)
	}
}
