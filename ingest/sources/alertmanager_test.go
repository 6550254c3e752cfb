package sources_test

import (
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/ingest/sources"
)

func TestAlertmanagerGolden(t *testing.T) {
	runGolden(t, []goldenCase{
		{payload: "alertmanager/firing.json", golden: "alertmanager/firing_by_job.golden.json", translator: sources.Alertmanager{ServiceLabel: "job"}},
		{payload: "alertmanager/firing.json", golden: "alertmanager/firing_unmapped.golden.json", translator: sources.Alertmanager{ServiceLabel: "service"}},
		{payload: "alertmanager/resolved.json", golden: "alertmanager/resolved.golden.json", translator: sources.Alertmanager{ServiceLabel: "deployment"}},
	})
}

func TestAlertmanagerMalformed(t *testing.T) {
	am := sources.Alertmanager{ServiceLabel: "service"}
	for _, tc := range []struct{ name, body, reason string }{
		{"not JSON", `{"version":"4",`, "not a valid Alertmanager webhook payload"},
		{"array", `[]`, "expected a JSON object"},
		{"other version", `{"version":"3","alerts":[]}`, "version 4"},
		{"no version", `{"alerts":[]}`, "version 4"},
		{"alerts not a list", `{"version":"4","alerts":{}}`, "alerts has the wrong type"},
		{"bad startsAt", `{"version":"4","alerts":[{"status":"firing","labels":{"service":"x"},"startsAt":"yesterday"}]}`, "Alert 0: startsAt"},
		{"resolved without endsAt", `{"version":"4","alerts":[{"status":"resolved","labels":{"service":"x"},"startsAt":"2026-01-01T00:00:00Z"}]}`, "Alert 0: endsAt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := am.Translate(nil, []byte(tc.body))
			if noctuary.ErrorCode(err) != noctuary.EInvalid || !strings.Contains(noctuary.ErrorMessage(err), tc.reason) {
				t.Fatalf("err = %v, want an invalid error containing %q", err, tc.reason)
			}
		})
	}
}
