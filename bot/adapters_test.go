package bot

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/agent/actions"
	"github.com/noctuary/noctuary/pd"
)

// pdClients adapts package pd to what the approvals need, per integration,
// as Main does (cmd/noctuary/pagerduty.go) minus key rotation.
type pdClients map[string]*pd.Client

func (p pdClients) AddNote(ctx context.Context, integ, incident, content string) error {
	_, err := p[integ].AddNote(ctx, incident, content)
	return err
}

func (p pdClients) Acknowledge(ctx context.Context, integ, incident string) error {
	return p[integ].Acknowledge(ctx, incident)
}

func (p pdClients) OnCallEmails(ctx context.Context, integ, policy string) ([]string, error) {
	return p[integ].OnCallEmails(ctx, policy)
}

// pdKeyChecker checks a new key against the integration's PagerDuty, as
// Main's admin.KeyChecker does.
type pdKeyChecker struct{}

func (pdKeyChecker) CheckKey(ctx context.Context, integ noctuary.Integration, token noctuary.Secret) error {
	integ.Token = token
	c, err := pd.NewClient(integ, pd.ClientOptions{MaxAttempts: 1})
	if err != nil {
		return err
	}
	return c.CheckKey(ctx)
}

// actionHook is a declared action's webhook; it counts verified calls.
type actionHook struct {
	srv   *httptest.Server
	mu    sync.Mutex
	calls map[string]int // verified calls per path
	bad   int            // calls with an invalid signature
}

const hookSecret = noctuary.Secret("rollback-hook-secret")

func newActionHook(t testing.TB) *actionHook {
	a := &actionHook{calls: map[string]int{}}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		defer a.mu.Unlock()
		if actions.Verify(hookSecret, r.Header.Get(actions.HeaderTimestamp), body, r.Header.Get(actions.HeaderSignature)) != nil {
			a.bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		a.calls[r.URL.Path]++
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(a.srv.Close)
	return a
}

// count returns the verified calls of path and the badly signed calls.
func (a *actionHook) count(path string) (int, int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls[path], a.bad
}

// total counts every call, verified or not.
func (a *actionHook) total() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := a.bad
	for _, c := range a.calls {
		n += c
	}
	return n
}
