package ingest_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/ingest"
	"github.com/noctuary/noctuary/ingest/sources"
	"github.com/noctuary/noctuary/store/storetest"
)

const ghSecret = "gh-webhook-secret"

var ghSource = ingest.Source{Name: "github", Translator: sources.GitHub{
	Secret: ghSecret, Repositories: map[string]string{"codertocat/hello-world": "checkout"}}}

// ghHeaders are the headers of a GitHub delivery of event with body, signed with secret.
func ghHeaders(event string, body []byte, secret string) map[string]string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return map[string]string{"Content-Type": "application/json", "X-GitHub-Event": event,
		"X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958", "X-Hub-Signature-256": "sha256=" + hex.EncodeToString(mac.Sum(nil))}
}

// ghEnv serves the GitHub source on a clock a minute after the golden's event.
func ghEnv(t *testing.T, goldenName string) (*env, noctuary.ContextEvent) {
	want := golden(t, goldenName).Events[0]
	return sourceEnv(t, storetest.NewClock(want.OccurredAt.Add(time.Minute)), ghSource), want
}

func TestGitHubStored(t *testing.T) {
	for _, tc := range []struct{ event, name string }{
		{"deployment_status", "deployment_status_success"},
		{"deployment_status", "deployment_status_failure"},
		{"deployment", "deployment"},
		{"release", "release_published"},
		{"push", "push_default_branch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, want := ghEnv(t, "github/"+tc.name+".golden.json")
			body := payload(t, "github/"+tc.name+".json")
			checkCounts(t, do(t, http.MethodPost, e.url+"/v1/events/github", body, ghHeaders(tc.event, body, ghSecret)), 1, 0, []string{})
			checkStored(t, e, want.OccurredAt, []noctuary.ContextEvent{want}, "checkout")
		})
	}
}

// A deploy's previous_sha is the sha of the service's last deploy in the
// same environment; a deployment and its success status are one deploy.
func TestGitHubPreviousSHA(t *testing.T) {
	e, want := ghEnv(t, "github/deployment_status_success.golden.json")
	at := want.OccurredAt
	earlier := func(id, sha, env string, ago time.Duration) noctuary.ContextEvent {
		return noctuary.ContextEvent{ID: id, Service: "checkout", Kind: "deploy", Source: "ci", OccurredAt: at.Add(-ago),
			Attributes: map[string]string{"sha": sha, "environment": env}}
	}
	before := []noctuary.ContextEvent{
		earlier("d1", "aaaaaaa", "production", 2*time.Hour),
		earlier("d2", "bbbbbbb", "production", time.Hour), // the last one in production
		earlier("d3", "ccccccc", "staging", 30*time.Minute),
	}
	if _, _, err := e.store.AddEvents(t.Context(), before); err != nil {
		t.Fatal(err)
	}
	deployment := payload(t, "github/deployment.json")
	checkCounts(t, do(t, http.MethodPost, e.url+"/v1/events/github", deployment, ghHeaders("deployment", deployment, ghSecret)), 1, 0, []string{})
	status := payload(t, "github/deployment_status_success.json")
	checkCounts(t, do(t, http.MethodPost, e.url+"/v1/events/github", status, ghHeaders("deployment_status", status, ghSecret)), 0, 1, []string{})
	deploy := golden(t, "github/deployment.golden.json").Events[0]
	deploy.Attributes["previous_sha"] = "bbbbbbb"
	checkStored(t, e, at, append(before, deploy), "checkout")
}

func TestGitHubRefusedAndPing(t *testing.T) {
	e, want := ghEnv(t, "github/deployment_status_success.golden.json")
	url := e.url + "/v1/events/github"
	body := payload(t, "github/deployment_status_success.json")
	unsigned := ghHeaders("deployment_status", body, ghSecret)
	delete(unsigned, "X-Hub-Signature-256")
	check(t, do(t, http.MethodPost, url, body, unsigned), http.StatusUnauthorized, noctuary.EUnauthorized)
	check(t, do(t, http.MethodPost, url, body, ghHeaders("deployment_status", body, "guess")), http.StatusUnauthorized, noctuary.EUnauthorized)
	check(t, do(t, http.MethodPost, url, []byte("{"), ghHeaders("deployment_status", []byte("{"), ghSecret)), http.StatusBadRequest, noctuary.EInvalid)
	// The ping names the repository, which no service claims.
	ping := payload(t, "github/ping.json")
	checkCounts(t, do(t, http.MethodPost, url, ping, ghHeaders("ping", ping, ghSecret)), 0, 0, []string{"repository Octocoders/Hello-World"})
	checkStored(t, e, want.OccurredAt, nil, "checkout")

	off := sourceEnv(t, storetest.NewClock(time.Now()), ingest.Source{Name: "github", Translator: sources.GitHub{}})
	check(t, do(t, http.MethodPost, off.url+"/v1/events/github", body, ghHeaders("deployment_status", body, "")), http.StatusNotFound, noctuary.ENotFound)
}
