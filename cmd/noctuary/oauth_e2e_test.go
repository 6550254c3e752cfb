package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
	"github.com/noctuary/noctuary/pd/pdtest"
	"github.com/noctuary/noctuary/store/storetest"
)

const (
	testOAuthClient = "noctuary-app"
	testOAuthSecret = "oauth-client-SECRET-not-for-logs"
)

// testClock is a settable clock, shared by the replicas and the fakes.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newClockEnv starts Noctuary like newEnv, its credential clock set to clock.
func newClockEnv(t *testing.T, clock *testClock, change func(*config.Config)) *env {
	t.Helper()
	e := &env{t: t, pd: pdtest.New(t, testPDToken), redis: storetest.StartRedis(t)}
	e.cfg = testConfig(e.redis.URL, e.pd.URL)
	if change != nil {
		change(e.cfg)
	}
	e.main = e.startClock(e.cfg, clock)
	e.url = "http://" + e.main.Addr
	return e
}

// startClock runs one more Main on cfg with clock (a second replica).
func (e *env) startClock(cfg *config.Config, clock *testClock) *Main {
	e.t.Helper()
	m := NewMain(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	m.Now = clock.Now
	if err := m.Run(context.Background()); err != nil {
		e.t.Fatalf("Main.Run: %v", err)
	}
	e.t.Cleanup(func() { _ = m.Close() })
	return m
}

func TestOAuthAppTokensAreScopedAndRenewedBeforeExpiry(t *testing.T) {
	t.Parallel()
	clock := &testClock{t: time.Now()}
	id := pdtest.NewIdentity(t, testOAuthClient, testOAuthSecret)
	id.Now, id.TTL = clock.Now, time.Hour
	e := newClockEnv(t, clock, func(cfg *config.Config) {
		cfg.Integrations[0].Token = ""
		cfg.Integrations[0].OAuth = &noctuary.OAuthApp{ClientID: testOAuthClient, ClientSecret: testOAuthSecret,
			Region: "us", Subdomain: "acme", TokenURL: id.TokenURL()}
	})
	e.pd.Authorize = id.Authorize

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
			r.Scope != "as_account-us.acme incidents.read incidents.write services.read oncalls.read users.read" {
			t.Errorf("token request %+v: want client_credentials with exactly the scopes Noctuary uses", r)
		}
	}
	if first.Auth != "Bearer pdus+_token-1" || second.Auth != "Bearer pdus+_token-2" {
		t.Errorf("notes authorised with %q then %q, want the first token then the renewed one", first.Auth, second.Auth)
	}
	if first.From != "noctuary@example.com" || second.From != first.From {
		t.Errorf("notes from %q and %q, want the integration's From", first.From, second.From)
	}
}
