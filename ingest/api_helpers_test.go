package ingest_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/admin"
	"github.com/noctuary/noctuary/bot/blocks"
	"github.com/noctuary/noctuary/ingest"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

var _ ingest.Admin = (*admin.Admin)(nil)

// rollbackHook is checkout's declared action's webhook: its path and query
// must never show in the admin API.
const rollbackHook = "https://deployer.internal/hooks/rollback?token=hook-credential"

// startAPI serves the admin API over a real redis-server, with the admin
// operations of package admin, the Slack preview of bot/blocks, and checkout (with a declared action) and
// payments declared as the configuration file would.
func startAPI(t *testing.T) *env {
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
	sopt := serverOptions(st)
	sopt.Admin = admin.New(admin.Options{Store: st, Logger: slog.New(slog.DiscardHandler)})
	sopt.Registry = prometheus.NewRegistry()
	sopt.SlackPreview = func(t noctuary.Triage, st noctuary.IncidentState, approvals []noctuary.Approval, paused bool) any {
		return blocks.Preview(t, st, approvals, paused)
	}
	return startWith(t, st, sopt)
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
