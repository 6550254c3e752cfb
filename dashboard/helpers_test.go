package dashboard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/admin"
	"github.com/noctuary/noctuary/bot/blocks"
	"github.com/noctuary/noctuary/dashboard"
	"github.com/noctuary/noctuary/dashboard/slackview"
	"github.com/noctuary/noctuary/pd"
	"github.com/noctuary/noctuary/pd/pdtest"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

var (
	_ dashboard.Store = (*store.Store)(nil)
	_ dashboard.Admin = (*admin.Admin)(nil)
)

const (
	adminToken = "test-admin-token"
	publicURL  = "https://noctuary.example"
)

// env is the dashboard over a real redis-server, with package admin's
// operations (keys checked with a fake PagerDuty through package pd) and
// the services checkout and payments.
type env struct {
	t     *testing.T
	url   string
	store *store.Store
	pd    *pdtest.Server
	// client keeps the cookies of one browser and follows no redirect.
	client *http.Client
	// csrf is the session's token, read from the last page.
	csrf string
	opt  dashboard.Options
}

// otherReplica points the client at a second dashboard over the same store,
// as another replica behind a load balancer.
func (e *env) otherReplica() {
	srv := httptest.NewServer(dashboard.New(e.opt).Handler())
	e.t.Cleanup(srv.Close)
	e.url = srv.URL
}

// liveStore is the store with integrations' secrets opened by the admin,
// as Main wires it.
type liveStore struct {
	*store.Store
	adm *admin.Admin
}

func (l liveStore) Integration(ctx context.Context, id string) (noctuary.Integration, error) {
	return l.adm.Integration(ctx, id)
}

// start serves a dashboard with the Slack preview of bot/blocks and
// slackview over a fresh store holding the services named.
func start(t *testing.T, services ...string) *env {
	t.Helper()
	return startWith(t, store.Options{}, services...)
}

// startWith is start over a store opened with opt (e.g. the configuration
// file's integrations).
func startWith(t *testing.T, opt store.Options, services ...string) *env {
	t.Helper()
	st := storetest.Open(t, "redis", opt)
	for _, key := range services {
		svc := noctuary.Service{Key: key, Environment: "prod", PagerDutyServiceIDs: []string{"P" + strings.ToUpper(key)}, Mode: noctuary.ModeReadOnly}
		if err := st.PutService(context.Background(), svc); err != nil {
			t.Fatal(err)
		}
	}
	adm := admin.New(admin.Options{Store: st, Checker: pdKeys{}, Connections: pdKeys{},
		MasterKey: bytes.Repeat([]byte{7}, admin.MasterKeySize), Logger: slog.New(slog.DiscardHandler)})
	dopt := dashboard.Options{Store: liveStore{Store: st, adm: adm}, Admin: adm, AdminToken: adminToken, PublicURL: publicURL,
		SlackPreview: preview, PreviewCSS: slackview.CSS, FailedSignInDelay: time.Millisecond, SignInsPerMinute: 1, SignInBurst: 4, Logger: slog.New(slog.DiscardHandler)}
	e := &env{t: t, store: st, pd: pdtest.New(t, "pd-token"), client: newClient(t), opt: dopt}
	e.otherReplica()
	return e
}

// preview is the Slack message as Main renders it for the dashboard.
func preview(t noctuary.Triage, st noctuary.IncidentState, approvals []noctuary.Approval, paused bool) (template.HTML, error) {
	b, err := json.Marshal(blocks.Preview(t, st, approvals, paused))
	if err != nil {
		return "", err
	}
	return slackview.Render(b)
}

// newClient is a browser: cookies kept, redirects not followed.
func newClient(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// pdKeys checks keys and connections with package pd's client.
type pdKeys struct{}

func (pdKeys) CheckKey(ctx context.Context, integ noctuary.Integration, token noctuary.Secret) error {
	_, err := pdKeys{}.CheckConnection(ctx, integ, token)
	return err
}

func (pdKeys) CheckConnection(ctx context.Context, integ noctuary.Integration, token noctuary.Secret) (noctuary.ConnectionCheck, error) {
	integ.Token = token
	cl, err := pd.NewClient(integ, pd.ClientOptions{MaxAttempts: 1})
	if err != nil {
		return noctuary.ConnectionCheck{}, err
	}
	return cl.CheckConnection(ctx)
}

// page is an answer: its status, location and body.
type page struct {
	status   int
	location string
	body     string
}

// has reports whether the page's HTML holds s.
func (p page) has(s string) bool { return strings.Contains(p.body, s) }

// get fetches path with the client's cookies.
func (e *env) get(path string) page {
	e.t.Helper()
	return e.do(http.MethodGet, path, nil)
}

// post sends form to path with the session's CSRF token (unless form sets
// its own).
func (e *env) post(path string, form url.Values) page {
	e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", e.csrf)
	}
	return e.do(http.MethodPost, path, form)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (e *env) do(method, path string, form url.Values) page {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if m := csrfField.FindStringSubmatch(string(b)); m != nil {
		e.csrf = m[1]
	}
	return page{status: res.StatusCode, location: res.Header.Get("Location"), body: string(b)}
}

// signIn signs the client in with token and returns the answer.
func (e *env) signIn(token string) page {
	e.t.Helper()
	form := e.get("/dashboard/sign-in")
	m := regexp.MustCompile(`name="signin" value="([^"]+)"`).FindStringSubmatch(form.body)
	if m == nil {
		e.t.Fatalf("the sign-in page has no form token:\n%s", form.body)
	}
	return e.do(http.MethodPost, "/dashboard/sign-in", url.Values{"signin": {m[1]}, "token": {token}, "next": {"/dashboard/integrations"}})
}

// signedIn signs in with the admin token and loads a page for the CSRF token.
func (e *env) signedIn() *env {
	e.t.Helper()
	if p := e.signIn(adminToken); p.status != http.StatusSeeOther {
		e.t.Fatalf("sign-in: %d %s", p.status, p.body)
	}
	e.get("/dashboard/integrations")
	return e
}

// expect fails unless p has status and holds every one of want.
func expect(t *testing.T, p page, status int, want ...string) {
	t.Helper()
	if p.status != status {
		t.Errorf("status %d, want %d; body:\n%s", p.status, status, p.body)
		return
	}
	for _, w := range want {
		if !p.has(w) {
			t.Errorf("the page lacks %q:\n%s", w, p.body)
		}
	}
}

// audited returns the store's audit entries as "actor action result".
func (e *env) audited() []string {
	e.t.Helper()
	entries, err := e.store.AuditEntries(context.Background(), "", 100)
	if err != nil {
		e.t.Fatal(err)
	}
	out := make([]string, len(entries))
	for i, en := range entries {
		out[i] = en.Actor + " " + en.Action + " " + en.Result
	}
	return out
}
