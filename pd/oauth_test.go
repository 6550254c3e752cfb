package pd

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/pd/pdtest"
)

const (
	testClientID     = "app-client-id"
	testClientSecret = "app-CLIENT-secret-0123456789"
)

// fakeClock is a settable clock shared by the client and the fakes.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// oauthEnv is a client of an OAuth integration on a fake PagerDuty and a
// fake identity service sharing one clock.
type oauthEnv struct {
	pd    *pdtest.Server
	id    *pdtest.Identity
	clock *fakeClock
	c     *Client
}

func newOAuthEnv(t *testing.T, secret string) *oauthEnv {
	e := &oauthEnv{pd: pdtest.New(t, "unused"), id: pdtest.NewIdentity(t, testClientID, testClientSecret),
		clock: &fakeClock{t: time.Now()}}
	e.id.Now, e.pd.Authorize = e.clock.Now, e.id.Authorize
	integ := noctuary.Integration{ID: "prod", Environment: "prod", Direction: noctuary.DirectionBidirectional, From: testFrom,
		APIURL: e.pd.URL, OAuth: &noctuary.OAuthApp{ClientID: testClientID, ClientSecret: noctuary.Secret(secret),
			Region: "eu", Subdomain: "acme", TokenURL: e.id.TokenURL()}}
	c, err := NewClient(integ, ClientOptions{Logger: slog.New(slog.DiscardHandler), Now: e.clock.Now, MaxAttempts: 2})
	if err != nil {
		t.Fatal(err)
	}
	c.sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	e.c = c
	return e
}

func TestOAuthRequestsExactScopesAndRenewsBeforeExpiry(t *testing.T) {
	e := newOAuthEnv(t, testClientSecret)
	e.id.TTL = 100 * time.Second // renewed a fifth of its life before expiry: at 80 s
	ctx := context.Background()
	for _, step := range []time.Duration{0, 79 * time.Second, 2 * time.Second, 79 * time.Second} {
		e.clock.Add(step)
		if _, err := e.c.AddNote(ctx, "Q1", "note"); err != nil {
			t.Fatalf("AddNote after %s: %v", step, err)
		}
	}
	reqs := e.id.Requests()
	if len(reqs) != 2 {
		t.Fatalf("token requests = %d, want 2 (one at start, one 80 s later, before expiry at 100 s)", len(reqs))
	}
	want := "as_account-eu.acme incidents.read incidents.write services.read oncalls.read users.read webhook_subscriptions.read"
	for _, r := range reqs {
		if r.GrantType != "client_credentials" || r.ClientID != testClientID || !r.SecretOK || r.Scope != want {
			t.Errorf("token request %+v, want client_credentials for %s with scope %q", r, testClientID, want)
		}
	}
	notes := e.pd.Notes("Q1")
	if got := []string{notes[0].Auth, notes[1].Auth, notes[2].Auth, notes[3].Auth}; got[0] != "Bearer pdus+_token-1" ||
		got[1] != got[0] || got[2] != "Bearer pdus+_token-2" || got[3] != got[2] {
		t.Errorf("notes were authorised with %v, want token-1 twice then token-2 twice", got)
	}
}

func TestOAuthRefusedClientIsUnauthorizedWithoutTheSecret(t *testing.T) {
	e := newOAuthEnv(t, "wrong-SECRET-value")
	_, err := e.c.AddNote(context.Background(), "Q1", "note")
	wantCode(t, err, noctuary.EUnauthorized)
	if strings.Contains(err.Error(), "wrong-SECRET-value") || !strings.Contains(err.Error(), "refused the OAuth client") {
		t.Errorf("error = %v: want the refusal named, without the secret", err)
	}
	if n := len(e.id.Requests()); n != 1 {
		t.Errorf("token requests = %d, want 1: a refused client is not retried", n)
	}
	if n := e.pd.Requests(); n != 0 {
		t.Errorf("PagerDuty got %d requests without a token, want 0", n)
	}
}

func TestOAuthTokenRefusedByPagerDutyIsFetchedAgain(t *testing.T) {
	e := newOAuthEnv(t, testClientSecret)
	ctx := context.Background()
	if _, err := e.c.AddNote(ctx, "Q1", "first"); err != nil {
		t.Fatal(err)
	}
	e.id.TTL = time.Hour
	e.clock.Add(25 * time.Hour) // the first token expired on PagerDuty's side
	if _, err := e.c.AddNote(ctx, "Q1", "second"); err != nil {
		t.Fatalf("AddNote with a renewed token: %v", err)
	}
	if n := len(e.id.Requests()); n != 2 {
		t.Errorf("token requests = %d, want 2", n)
	}
}

func TestReport(t *testing.T) {
	now := time.Now()
	account := "as_account-us.acme"
	tests := []struct {
		name                    string
		granted                 []string
		wantExcess, wantMissing string
	}{
		{"exact", append([]string{account}, OAuthScopes...), "", ""},
		{"more", append([]string{account, "users.write", "services.write"}, OAuthScopes...), "users.write services.write", ""},
		{"less", []string{account, "incidents.read"}, "", "incidents.write services.read oncalls.read users.read webhook_subscriptions.read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := scopeReport(tt.granted, account, now)
			if got := strings.Join(r.Excess, " "); got != tt.wantExcess {
				t.Errorf("excess = %q, want %q", got, tt.wantExcess)
			}
			if got := strings.Join(r.Missing, " "); got != tt.wantMissing {
				t.Errorf("missing = %q, want %q", got, tt.wantMissing)
			}
			if (r.Warning != "") != (tt.wantExcess != "") {
				t.Errorf("warning = %q, want one exactly when scopes are in excess", r.Warning)
			}
		})
	}
}

func TestReportOfAnAppAndOfAKey(t *testing.T) {
	e := newOAuthEnv(t, testClientSecret)
	e.id.Grant = "as_account-eu.acme incidents.read incidents.write services.read oncalls.read users.read webhook_subscriptions.read users.write"
	r, err := e.c.Report(context.Background(), e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != "oauth" || strings.Join(r.Excess, " ") != "users.write" || !strings.Contains(r.Warning, "users.write") {
		t.Errorf("app report = %+v, want users.write in excess and a warning", r)
	}
	f := newFakePD(t)
	k, err := newTestClient(t, f, ClientOptions{}).Report(context.Background(), e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if k.Kind != "api_key" || !strings.Contains(k.Warning, "scoped OAuth app") {
		t.Errorf("key report = %+v, want a warning that a REST key has more power than needed", k)
	}
}
