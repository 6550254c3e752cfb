package sources_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/ingest/sources"
)

var pdChange = sources.PagerDutyChange{RoutingKeys: map[noctuary.Secret]string{
	"samplekeyhere":                    "acme-build",
	"abc123abc123abc123abc123abc123ab": "checkout",
	"abcdabcdabcdabcdabcdabcdabcdabcd": "checkout",
}}

func TestPagerDutyChangeGolden(t *testing.T) {
	runGolden(t, []goldenCase{
		{payload: "pagerduty_change/docs_example.json", golden: "pagerduty_change/docs_example.golden.json", translator: pdChange},
		{payload: "pagerduty_change/ansible_deploy.json", golden: "pagerduty_change/ansible_deploy.golden.json", translator: pdChange},
		{payload: "pagerduty_change/github_action_push.json", golden: "pagerduty_change/github_action_push.golden.json", translator: pdChange},
	})
}

func TestPagerDutyChangeRefused(t *testing.T) {
	for _, tc := range []struct{ name, body, code, reason string }{
		{"undeclared key", `{"routing_key":"R0NOPE","payload":{"summary":"x"}}`, noctuary.EUnauthorized, "not declared"},
		{"no key", `{"payload":{"summary":"x"}}`, noctuary.EUnauthorized, "routing_key is missing"},
		{"not JSON", `{"routing_key":`, noctuary.EInvalid, "not a valid PagerDuty change event payload"},
		{"no summary", `{"routing_key":"samplekeyhere","payload":{"summary":" "}}`, noctuary.EInvalid, "payload.summary is required"},
		{"no payload", `{"routing_key":"samplekeyhere"}`, noctuary.EInvalid, "payload.summary is required"},
		{"bad timestamp", `{"routing_key":"samplekeyhere","payload":{"summary":"x","timestamp":"17/07/2020"}}`, noctuary.EInvalid, "payload.timestamp"},
		{"details not an object", `{"routing_key":"samplekeyhere","payload":{"summary":"x","custom_details":[1]}}`, noctuary.EInvalid, "payload.custom_details has the wrong type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pdChange.Translate(nil, []byte(tc.body))
			if noctuary.ErrorCode(err) != tc.code || !strings.Contains(noctuary.ErrorMessage(err), tc.reason) {
				t.Fatalf("err = %v (%s), want %s containing %q", err, noctuary.ErrorCode(err), tc.code, tc.reason)
			}
		})
	}
}

func TestPagerDutyChangeTimestamps(t *testing.T) {
	for _, ts := range []string{"2020-07-17T08:42:58.315+0000", "2020-07-17T08:42:58.315Z", "2020-07-17T10:42:58.315+02:00",
		"2020-07-17T10:42:58.315+0200", "2020-07-17T08:42:58.315"} {
		res, err := pdChange.Translate(nil, []byte(`{"routing_key":"samplekeyhere","payload":{"summary":"x","timestamp":"`+ts+`"}}`))
		if err != nil {
			t.Fatalf("%s: %v", ts, err)
		}
		if got := res.Events[0].OccurredAt.Format("2006-01-02T15:04:05.000Z07:00"); got != "2020-07-17T08:42:58.315Z" {
			t.Errorf("%s read as %s", ts, got)
		}
	}
	res, err := pdChange.Translate(nil, []byte(`{"routing_key":"samplekeyhere","payload":{"summary":"x"}}`))
	if err != nil || !res.Events[0].OccurredAt.IsZero() {
		t.Fatalf("without a timestamp: %v, %v; want an undated event (dated on receipt)", res.Events, err)
	}
}

func TestChangeKind(t *testing.T) {
	for _, tc := range []struct{ summary, details, want string }{
		{"Build Success: Increase snapshot create timeout to 30 seconds", `{"build_state":"passed"}`, "build"},
		{"The application was deployed", `{}`, "deploy"},
		{"checkout v2.3.1 rolled out to prod", `{}`, "deploy"},
		{"Release 4.2 promoted", `{}`, "deploy"},
		{"Reverted checkout to v2.3.0", `{}`, "rollback"},
		{"Rollback of checkout deploy", `{}`, "rollback"},
		{"Enabled new-checkout for 10%", `{"flag_key":"new-checkout"}`, "feature_flag"},
		{"Updated the pool size", `{"configmap":"checkout-config"}`, "config_change"},
		{"Ran database migrations", `{}`, "migration"},
		{"HPA scaled checkout to 12 replicas", `{}`, "scale"},
		{"Please escalate the ticket", `{}`, "change"},
		{"terraform apply on prod-vpc", `{}`, "infra_change"},
		{"[PR Merged - acme/api] Fix typo", `{"commits":1}`, "merge"},
		{"Codertocat pushed branch master from Codertocat/Hello-World", `{}`, "push"},
		{"Something happened", `{"owner":"sre"}`, "change"},
	} {
		var d map[string]json.RawMessage
		if err := json.Unmarshal([]byte(tc.details), &d); err != nil {
			t.Fatal(err)
		}
		if got := sources.ChangeKind(tc.summary, d); got != tc.want {
			t.Errorf("ChangeKind(%q, %s) = %s, want %s", tc.summary, tc.details, got, tc.want)
		}
	}
}

func FuzzPagerDutyChange(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := pdChange.Translate(nil, body)
		checkTranslation(t, res, err)
	})
}
