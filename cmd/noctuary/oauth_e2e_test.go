package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
	"github.com/noctuary/noctuary/internal/logtest"
	"github.com/noctuary/noctuary/pd/pdtest"
	"github.com/noctuary/noctuary/store/storetest"
)

const (
	testOAuthClient = "noctuary-app"
	testOAuthSecret = "oauth-client-SECRET-not-for-logs"
)

// newClockEnv starts Noctuary like newEnv, its credential clock set to
// clock, measuring credential ages every reminderRound; authorize, when
// set, is what the fake PagerDuty accepts.
func newClockEnv(t *testing.T, clock *storetest.Clock, logs io.Writer, authorize func(string) bool, change func(*config.Config)) *env {
	t.Helper()
	e := &env{t: t, pd: pdtest.New(t, testPDToken), redis: storetest.StartRedis(t)}
	e.pd.Authorize = authorize
	e.cfg = testConfig(e.redis.URL, e.pd.URL)
	if change != nil {
		change(e.cfg)
	}
	e.main = e.startClock(e.cfg, clock, logs)
	e.url = "http://" + e.main.Addr
	return e
}

// reminderRound is how often the tests' replicas measure credential ages.
const reminderRound = 40 * time.Millisecond

// startClock runs one more Main on cfg with clock (a second replica),
// logging to logs.
func (e *env) startClock(cfg *config.Config, clock *storetest.Clock, logs io.Writer) *Main {
	e.t.Helper()
	m := NewMain(cfg, slog.New(slog.NewTextHandler(logs, nil)))
	m.Now, m.reminderEvery = clock.Now, reminderRound
	if err := m.Run(context.Background()); err != nil {
		e.t.Fatalf("Main.Run: %v", err)
	}
	e.t.Cleanup(func() { _ = m.Close() })
	waitReported(e.t, m)
	return m
}

func TestOAuthAppTokensAreScopedAndRenewedBeforeExpiry(t *testing.T) {
	t.Parallel()
	clock := storetest.NewClock(time.Now())
	id := pdtest.NewIdentity(t, testOAuthClient, testOAuthSecret)
	id.Now, id.TTL = clock.Now, time.Hour
	logs := &logtest.Buffer{}
	e := newClockEnv(t, clock, logs, id.Authorize, func(cfg *config.Config) {
		cfg.Integrations[0].Token = ""
		cfg.Integrations[0].OAuth = &noctuary.OAuthApp{ClientID: testOAuthClient, ClientSecret: testOAuthSecret,
			Region: "us", Subdomain: "acme", TokenURL: id.TokenURL()}
	})

	e.sendWebhook(webhook("EV-OAUTH-1", noctuary.EventIncidentTriggered, "QOAUTH1", "PCHECKOUT", onsetAt()))
	first := e.waitNotes("QOAUTH1", 1, 15*time.Second)[0]
	// 56 minutes on, the hour-long token is within its renewal margin (5
	// minutes) and is still valid: the next note gets a new token.
	clock.Add(56 * time.Minute)
	e.sendWebhook(webhook("EV-OAUTH-2", noctuary.EventIncidentTriggered, "QOAUTH2", "PCHECKOUT", onsetAt()))
	second := e.waitNotes("QOAUTH2", 1, 15*time.Second)[0]

	reqs := id.Requests()
	if len(reqs) != 2 {
		t.Fatalf("token requests = %d (%+v), want 2: one, then one renewal", len(reqs), reqs)
	}
	for _, r := range reqs {
		if r.GrantType != "client_credentials" || r.ClientID != testOAuthClient || !r.SecretOK ||
			r.Scope != "as_account-us.acme incidents.read incidents.write services.read oncalls.read users.read webhook_subscriptions.read" {
			t.Errorf("token request %+v: want client_credentials with exactly the scopes Noctuary uses", r)
		}
	}
	if first.Auth != "Bearer pdus+_token-1" || second.Auth != "Bearer pdus+_token-2" {
		t.Errorf("notes authorised with %q then %q, want the first token then the renewed one", first.Auth, second.Auth)
	}
	if first.From != "noctuary@example.com" || second.From != first.From {
		t.Errorf("notes from %q and %q, want the integration's From", first.From, second.From)
	}
	// At start-up the credential was reported: the scopes granted, no
	// more power than needed.
	r, err := e.main.Store.CredentialReport(context.Background(), "default")
	if err != nil || r == nil {
		t.Fatalf("credential report %v, %v", r, err)
	}
	if r.Kind != "oauth" || strings.Join(r.Scopes, " ") != reqs[0].Scope || r.Warning != "" || len(r.Missing) != 0 {
		t.Errorf("report %+v, want the app's exact scopes without a warning", r)
	}
	mustContain(t, logs.String(), "PagerDuty credential", "kind=oauth")
	if strings.Contains(logs.String(), testOAuthSecret) || strings.Contains(logs.String(), "pdus+_token") {
		t.Error("the client secret or a token reached the logs")
	}
}

// dms returns the direct messages the fake Slack received: posts to a user.
func (f *fakeSlack) dms() []slackCall {
	var out []slackCall
	for _, p := range f.posts() {
		if strings.HasPrefix(p.Form.Get("channel"), "U") {
			out = append(out, p)
		}
	}
	return out
}

// waitDMs waits until n direct messages arrived, then some more rounds of
// both replicas, and fails unless exactly n did.
func waitDMs(t *testing.T, f *fakeSlack, n int) []slackCall {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(f.dms()) < n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(10 * reminderRound)
	dms := f.dms()
	if len(dms) != n {
		t.Fatalf("%d direct messages, want %d", len(dms), n)
	}
	return dms
}

func TestRotationRemindersOnceAWeekAcrossReplicas(t *testing.T) {
	t.Parallel()
	fake := newFakeSlack(t)
	// The key is first seen now by the store's clock; the credential clock
	// is 91 days and an hour on, so the key's rotation (90 days) is a day
	// overdue.
	clock := storetest.NewClock(time.Now().Add(91*24*time.Hour + time.Hour))
	logs := &logtest.Buffer{}
	e := newClockEnv(t, clock, logs, nil, func(cfg *config.Config) {
		withSlack(fake)(cfg)
		cfg.Slack.Admins = []string{"U0ADMIN", "U0SECOPS"}
	})
	e.startClock(e.cfg, clock, logs) // a second replica

	dms := waitDMs(t, fake, 2)
	if got := dms[0].Form.Get("channel") + " " + dms[1].Form.Get("channel"); got != "U0ADMIN U0SECOPS" && got != "U0SECOPS U0ADMIN" {
		t.Errorf("reminded %s, want each admin once", got)
	}
	mustContain(t, dms[0].Form.Get("text"), "PagerDuty REST API key of integration `default`", "91 days old", "/noctuary rotate default")

	clock.Add(5 * 24 * time.Hour) // the same week since it fell due: no new reminder
	waitDMs(t, fake, 2)
	clock.Add(2 * 24 * time.Hour) // a week later: one more each
	dms = waitDMs(t, fake, 4)
	mustContain(t, dms[3].Form.Get("text"), "98 days old")

	if age := e.metric(`noctuary_credential_age_seconds{integration="default",kind="api_key"}`); age < 98*86400 || age > 98*86400+3600 {
		t.Errorf("api_key age metric = %v s, want 98 days", age)
	}
	if age := e.metric(`noctuary_credential_age_seconds{integration="default",kind="webhook_secret"}`); age < 7*86400 || age > 7*86400+1 {
		t.Errorf("webhook_secret age metric = %v s, want 7 days (first seen at the start)", age)
	}
	status, text := e.slashCommand("U0BOB", "keys", testSigningSecret)
	if status != http.StatusOK {
		t.Fatalf("keys: %d %q", status, text)
	}
	mustContain(t, text, "key 98 days old", "(*overdue*)", "can do: REST API key (works)",
		":warning: more power than needed", "use a scoped OAuth app", "webhook signing secret 7 days old")
	if strings.Contains(logs.String(), testPDToken) || strings.Contains(logs.String(), testWebhookKey) {
		t.Error("a secret reached the logs")
	}
}
