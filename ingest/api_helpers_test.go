package ingest_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/admin"
	"github.com/noctuary/noctuary/bot/blocks"
	"github.com/noctuary/noctuary/ingest"
	"github.com/noctuary/noctuary/pd"
	"github.com/noctuary/noctuary/pd/pdtest"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

var _ ingest.Admin = (*admin.Admin)(nil)

// rollbackHook is checkout's declared action's webhook: its path and query
// must never show in the admin API.
const rollbackHook = "https://deployer.internal/hooks/rollback?token=hook-credential"

// apiEnv is the admin API over a real redis-server and a fake PagerDuty.
type apiEnv struct {
	*env
	pd *pdtest.Server
}

// publicURL is the test server's NOCTUARY_PUBLIC_URL.
const publicURL = "https://noctuary.example/"

// startAPI serves the admin API over a real redis-server, with the admin
// operations of package admin (keys checked with a fake PagerDuty through
// package pd, secrets sealed with a master key), the Slack preview of
// bot/blocks, and checkout (with a declared action) and payments declared
// as the configuration file would.
func startAPI(t *testing.T) *apiEnv {
	t.Helper()
	opt := storeOptions()
	opt.Actions = map[string][]noctuary.ActionSpec{"checkout": {{Name: "rollback", Description: "Roll back",
		Destructive: true, Webhook: rollbackHook, Secret: "hook-secret", Params: []string{"sha"}}}}
	st := storetest.Open(t, "redis", opt)
	for _, key := range []string{"checkout", "payments"} {
		svc := noctuary.Service{Key: key, Environment: "prod", PagerDutyServiceIDs: []string{"P" + strings.ToUpper(key)}, Mode: noctuary.ModeReadOnly, LLM: true}
		if err := st.PutService(context.Background(), svc); err != nil {
			t.Fatal(err)
		}
	}
	adm := admin.New(admin.Options{Store: st, Checker: pdChecker{}, Connections: pdChecker{},
		MasterKey: bytes.Repeat([]byte{7}, admin.MasterKeySize), Logger: slog.New(slog.DiscardHandler)})
	sopt := serverOptions(liveStore{Store: st, adm: adm})
	sopt.Admin, sopt.PublicURL = adm, publicURL
	sopt.Registry = prometheus.NewRegistry()
	sopt.SlackPreview = func(t noctuary.Triage, st noctuary.IncidentState, approvals []noctuary.Approval, paused bool) any {
		return blocks.Preview(t, st, approvals, paused)
	}
	e := startWith(t, st, sopt)
	return &apiEnv{env: e, pd: pdtest.New(t, "pd-token")}
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

// pdChecker checks keys and connections with package pd's client.
type pdChecker struct{}

func (pdChecker) client(integ noctuary.Integration, token noctuary.Secret) (*pd.Client, error) {
	integ.Token = token
	return pd.NewClient(integ, pd.ClientOptions{MaxAttempts: 1})
}

func (c pdChecker) CheckKey(ctx context.Context, integ noctuary.Integration, token noctuary.Secret) error {
	cl, err := c.client(integ, token)
	if err != nil {
		return err
	}
	return cl.CheckKey(ctx)
}

func (c pdChecker) CheckConnection(ctx context.Context, integ noctuary.Integration, token noctuary.Secret) (noctuary.ConnectionCheck, error) {
	cl, err := c.client(integ, token)
	if err != nil {
		return noctuary.ConnectionCheck{}, err
	}
	return cl.CheckConnection(ctx)
}

// asAdmin is the header map of an admin API request by actor ("" for none).
func asAdmin(actor string) map[string]string {
	h := bearer(tokenAdmin)
	if actor != "" {
		h[ingest.ActorHeader] = actor
	}
	return h
}

// auditLines returns the store's audit entries, newest first, as
// "actor action service result".
func auditLines(t *testing.T, st *store.Store) []string {
	t.Helper()
	entries, err := st.AuditEntries(context.Background(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = strings.Join([]string{e.Actor, e.Action, e.Service, e.Result}, " ")
	}
	return out
}
