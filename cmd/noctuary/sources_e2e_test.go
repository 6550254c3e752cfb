package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
)

const (
	e2eGitHubSecret = "gh-e2e-secret"
	e2eRoutingKey   = "R0CHECKOUT0000000000000000000000"
	e2eSHA          = "a4f2c1e8d7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2"
	e2ePreviousSHA  = "f8b3e22d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f"
)

// sourcesConfig points the four sources at the service checkout.
func sourcesConfig(c *config.Config) {
	c.Sources.GitHub = config.GitHubSource{Secret: e2eGitHubSecret, Repositories: map[string]string{"acme/checkout-api": "checkout"}}
	c.Sources.PagerDutyChange = config.PagerDutyChangeSource{RoutingKeys: map[noctuary.Secret]string{e2eRoutingKey: "checkout"}}
	c.Sources.Kubernetes.Namespaces = map[string]string{"shop": "checkout"}
}

// ghDeploymentStatus is octokit's deployment_status example (a real GitHub
// payload) for a deployment of sha to production of acme/checkout-api at at.
func ghDeploymentStatus(t *testing.T, id int, sha string, at time.Time) []byte {
	t.Helper()
	raw, err := os.ReadFile("../../ingest/sources/testdata/github/deployment_status_success.json")
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	repo, dep, st := p["repository"].(map[string]any), p["deployment"].(map[string]any), p["deployment_status"].(map[string]any)
	repo["full_name"], repo["html_url"] = "acme/checkout-api", "https://github.com/acme/checkout-api"
	dep["id"], dep["sha"], dep["created_at"] = id, sha, at.Add(-time.Minute).Format(time.RFC3339)
	st["created_at"], st["target_url"] = at.Format(time.RFC3339), fmt.Sprintf("https://github.com/acme/checkout-api/actions/runs/%d", id)
	body, _ := json.Marshal(p)
	return body
}

// postSource posts body to /v1/events/<name> and expects 202 with the counts.
func (e *env) postSource(name string, body []byte, headers map[string]string, accepted int, unmapped ...string) {
	e.t.Helper()
	headers["Content-Type"] = "application/json"
	status, out := e.do("POST", "/v1/events/"+name, body, headers)
	got, _ := json.Marshal(out)
	if unmapped == nil {
		unmapped = []string{}
	}
	want, _ := json.Marshal(map[string]any{"accepted": accepted, "duplicates": 0, "unmapped": unmapped})
	if status != http.StatusAccepted || string(got) != string(want) {
		e.t.Fatalf("%s answered %d %s, want 202 %s", name, status, got, want)
	}
}

func ghHeaders(event string, body []byte) map[string]string {
	mac := hmac.New(sha256.New, []byte(e2eGitHubSecret))
	mac.Write(body)
	return map[string]string{"X-GitHub-Event": event, "X-Hub-Signature-256": "sha256=" + hex.EncodeToString(mac.Sum(nil))}
}

// TestSourcesToNote: what Alertmanager, GitHub, a CI tool's PagerDuty
// change event and Kubernetes send, unchanged, becomes the context of a
// PagerDuty incident's note: the hypothesis names the GitHub deploy's sha,
// the previous sha (from GitHub's earlier deploy) is the rollback target,
// and the other signals are cited.
func TestSourcesToNote(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sourcesConfig)
	onset := onsetAt()
	deployAt, buildAt, alertAt := onset.Add(-4*time.Minute-9*time.Second), onset.Add(-6*time.Minute), onset.Add(-30*time.Second)
	backOffAt := onset.Add(-20 * time.Second)

	earlier := ghDeploymentStatus(t, 1001, e2ePreviousSHA, onset.Add(-2*time.Hour))
	e.postSource("github", earlier, ghHeaders("deployment_status", earlier), 1)
	deploy := ghDeploymentStatus(t, 1002, e2eSHA, deployAt)
	e.postSource("github", deploy, ghHeaders("deployment_status", deploy), 1)

	change := fmt.Appendf(nil, `{"routing_key":%q,"payload":{"summary":"Build Success: checkout #812","timestamp":%q,"source":"buildkite",
		"custom_details":{"build_state":"passed","build_number":"812"}},"links":[{"href":"https://buildkite.com/acme/checkout/builds/812"}]}`,
		e2eRoutingKey, buildAt.Format("2006-01-02T15:04:05.000-0700"))
	e.postSource("pagerduty-change", change, map[string]string{}, 1)

	alerts := fmt.Appendf(nil, `{"version":"4","groupKey":"{}:{alertname=\"HighErrorRate\"}","truncatedAlerts":0,"status":"firing","receiver":"noctuary",
		"groupLabels":{"alertname":"HighErrorRate"},"commonLabels":{"alertname":"HighErrorRate"},"commonAnnotations":{},"externalURL":"http://alertmanager:9093",
		"alerts":[
		 {"status":"firing","labels":{"alertname":"HighErrorRate","service":"checkout","severity":"critical"},"annotations":{"summary":"5xx above 5%%"},
		  "startsAt":%q,"endsAt":"0001-01-01T00:00:00Z","generatorURL":"/graph?g0.expr=rate%%28http_errors%%5B5m%%5D%%29","fingerprint":"c0ffee0000000001"},
		 {"status":"firing","labels":{"alertname":"HighErrorRate","severity":"critical"},"annotations":{},
		  "startsAt":%q,"endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"c0ffee0000000002"}]}`,
		alertAt.Format(time.RFC3339Nano), alertAt.Format(time.RFC3339Nano))
	e.postSource("alertmanager", alerts, map[string]string{"Authorization": "Bearer " + testIngestToken}, 1,
		`alert HighErrorRate (fingerprint c0ffee0000000002): no valid "service" label`)

	backOff := fmt.Appendf(nil, `{"apiVersion":"v1","kind":"Event","metadata":{"name":"checkout-7f9c6b5d4-x2kqp.17a9c3e2b1d0f4a8","namespace":"shop",
		"uid":"9b2d7c1e-4f3a-4e8b-a6d5-c4b3a2f1e0d9","resourceVersion":"48213"},
		"involvedObject":{"kind":"Pod","namespace":"shop","name":"checkout-7f9c6b5d4-x2kqp","uid":"5e4d3c2b-1a0f-4e9d-8c7b-6a5f4e3d2c1b","apiVersion":"v1","fieldPath":"spec.containers{checkout}"},
		"reason":"BackOff","message":"Back-off restarting failed container checkout in pod checkout-7f9c6b5d4-x2kqp_shop(5e4d3c2b-1a0f-4e9d-8c7b-6a5f4e3d2c1b)",
		"source":{"component":"kubelet","host":"node-1"},"firstTimestamp":%q,"lastTimestamp":%q,"count":4,"type":"Warning"}`,
		backOffAt.Add(-time.Minute).Format(time.RFC3339), backOffAt.Format(time.RFC3339))
	e.postSource("kubernetes", backOff, map[string]string{"Authorization": "Bearer " + testIngestToken}, 1)

	e.sendWebhook(webhook("EV-SOURCES", noctuary.EventIncidentTriggered, "QSOURCES", "PCHECKOUT", onset))
	note := e.waitNotes("QSOURCES", 1, 10*time.Second)[0].Content
	mustContain(t, note,
		"Hypothesis: Deploy sha="+e2eSHA+" rolled out 4 minutes before onset",
		"Recent signals: build (pagerduty_change, "+hhmmss(buildAt)+"), deploy (github, "+hhmmss(deployAt)+"), HighErrorRate (alertmanager, "+hhmmss(alertAt)+"), CrashLoopBackOff (kubernetes, "+hhmmss(backOffAt)+")",
		"Recommended action: Rollback to sha="+e2ePreviousSHA,
	)
}
