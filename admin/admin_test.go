package admin_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/admin"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

var _ admin.Store = (*store.Store)(nil)

var t0 = storetest.Epoch(2026, 11, 23, 2, 0, 0)

// checker is a fake PagerDuty key check: it accepts only the keys listed.
type checker struct{ valid map[noctuary.Secret]bool }

func (c checker) CheckKey(_ context.Context, _ noctuary.Integration, token noctuary.Secret) error {
	if token == downToken { // as pd answers when PagerDuty is unreachable, 5xx or 429 past its retries
		return noctuary.Errorf(noctuary.EUnavailable, "PagerDuty did not accept the request to check the API key after 4 attempt(s); retry in 2s.")
	}
	if !c.valid[token] {
		return noctuary.Errorf(noctuary.EUnauthorized, "PagerDuty answered 401 for key %s", token.Reveal())
	}
	return nil
}

type env struct {
	*admin.Admin
	store *store.Store
	clock *storetest.Clock
	logs  *bytes.Buffer
}

const configToken = noctuary.Secret("config-token")

var masterKey = bytes.Repeat([]byte{7}, admin.MasterKeySize)

// eachKind runs fn against a real redis-server and the embedded store.
func eachKind(t *testing.T, opt admin.Options, fn func(t *testing.T, e env)) {
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			clk := storetest.NewClock(t0)
			s := storetest.Open(t, kind, store.Options{Now: clk.Now, Integrations: []noctuary.Integration{
				{ID: "prod", Environment: "prod", Token: configToken},
				{ID: "default", Environment: "default", Token: "default-token"},
			}})
			logs := &bytes.Buffer{}
			o := opt
			o.Store, o.Now, o.Logger = s, clk.Now, slog.New(slog.NewTextHandler(logs, nil))
			fn(t, env{Admin: admin.New(o), store: s, clock: clk, logs: logs})
		})
	}
}

func (e env) audit(t *testing.T) []noctuary.AuditEntry {
	t.Helper()
	entries, err := e.store.AuditEntries(context.Background(), "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func wantErr(t *testing.T, err error, code, message string) {
	t.Helper()
	if noctuary.ErrorCode(err) != code || (message != "" && noctuary.ErrorMessage(err) != message) {
		t.Fatalf("error = %q (%s, %v)\nwant %q (%s)", noctuary.ErrorMessage(err), noctuary.ErrorCode(err), err, message, code)
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
