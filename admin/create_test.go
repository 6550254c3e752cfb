package admin_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/admin"
)

// declare stores key as the configuration file would (no audit entry):
// environment default, read-only, not enabled, PagerDuty service P<KEY>.
func (e env) declare(t *testing.T, key string) {
	t.Helper()
	svc := noctuary.Service{Key: key, Environment: "default", PagerDutyServiceIDs: []string{pdID(key)}, Mode: noctuary.ModeReadOnly, LLM: true}
	if err := e.store.PutService(context.Background(), svc); err != nil {
		t.Fatal(err)
	}
}

func pdID(key string) string {
	b := []byte("P" + key)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// TestEnableRefusesUnknownService: a typo in /noctuary enable no longer
// creates a phantom service; the refusal suggests the nearest key and is
// audited once.
func TestEnableRefusesUnknownService(t *testing.T) {
	eachKind(t, admin.Options{}, func(t *testing.T, e env) {
		ctx := context.Background()
		e.declare(t, "checkout")
		e.declare(t, "payments")
		_, err := e.Enable(ctx, "slack:U0ADMIN", "chekout", "C0123CHECK")
		wantErr(t, err, noctuary.ENotFound, "service chekout is not known (did you mean checkout?). A new service is declared in the configuration file or created with /noctuary create chekout <environment> <PagerDuty service ID>.")
		if svcs := must[[]noctuary.Service](t)(e.Status(ctx, "")); len(svcs) != 2 {
			t.Errorf("%d services after enabling a typo, want 2: %+v", len(svcs), svcs)
		}
		entries := e.audit(t)
		if len(entries) != 1 || entries[0].Action != admin.ActionEnable || entries[0].Result != noctuary.ENotFound {
			t.Errorf("audit = %+v, want one refused service.enable", entries)
		}
		_, err = e.Enable(ctx, "api", "inventory", "")
		wantErr(t, err, noctuary.ENotFound, "service inventory is not known. A new service is declared in the configuration file or created with /noctuary create inventory <environment> <PagerDuty service ID>.")
	})
}

// TestCreateThenEnable: create makes a read-only, disabled service bound to
// its PagerDuty service, audited with what was asked; enable opts it in.
func TestCreateThenEnable(t *testing.T) {
	eachKind(t, admin.Options{}, func(t *testing.T, e env) {
		ctx := context.Background()
		got := must[noctuary.Service](t)(e.Create(ctx, "slack:U0ADMIN", noctuary.NewService{Key: "search", Environment: "prod", PagerDutyServiceIDs: []string{"PSEARCH"}, Channel: "C0123SEARCH"}))
		want := noctuary.Service{Key: "search", Environment: "prod", PagerDutyServiceIDs: []string{"PSEARCH"}, Mode: noctuary.ModeReadOnly, LLM: true, SlackChannel: "C0123SEARCH"}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Create = %+v\nwant %+v", got, want)
		}
		if bound, err := e.store.ServiceByPagerDutyID(ctx, "PSEARCH"); err != nil || bound.Key != "search" {
			t.Fatalf("PSEARCH is bound to %+v (%v)", bound, err)
		}
		if got = must[noctuary.Service](t)(e.Enable(ctx, "slack:U0ADMIN", "search", "")); !got.Enabled || got.SlackChannel != "C0123SEARCH" {
			t.Errorf("Enable = %+v", got)
		}
		entries := e.audit(t)
		wantEntry := noctuary.AuditEntry{ID: entries[1].ID, Time: t0, Actor: "slack:U0ADMIN", Action: admin.ActionCreate, Service: "search", Result: "ok",
			Details: map[string]string{"environment": "prod", "pagerduty_service_ids": "PSEARCH", "channel": "C0123SEARCH"}}
		if len(entries) != 2 || !reflect.DeepEqual(entries[1], wantEntry) {
			t.Errorf("audit = %+v\nwant %+v then the enable", entries, wantEntry)
		}
	})
}

func TestCreateRefusals(t *testing.T) {
	tests := []struct {
		name      string
		spec      noctuary.NewService
		code, msg string
	}{
		{"exists", noctuary.NewService{Key: "checkout", Environment: "default", PagerDutyServiceIDs: []string{"PNEW"}}, noctuary.EConflict,
			"service checkout already exists; change it with enable, mode or approvers"},
		{"unknown environment", noctuary.NewService{Key: "search", Environment: "staging", PagerDutyServiceIDs: []string{"PSEARCH"}}, noctuary.EInvalid,
			`environment "staging" has no PagerDuty integration; define it in the configuration file first`},
		{"PagerDuty service taken", noctuary.NewService{Key: "search", Environment: "prod", PagerDutyServiceIDs: []string{"PCHECKOUT"}}, noctuary.EConflict,
			"PagerDuty service PCHECKOUT already belongs to service checkout"},
		{"no PagerDuty service", noctuary.NewService{Key: "search", Environment: "prod"}, noctuary.EInvalid,
			"service search needs a PagerDuty service ID (P…): its incidents are how Noctuary knows the service"},
		{"bad PagerDuty service", noctuary.NewService{Key: "search", Environment: "prod", PagerDutyServiceIDs: []string{"psearch"}}, noctuary.EInvalid,
			`"psearch" is not a PagerDuty service ID (capital letters and digits, e.g. PABC123)`},
		{"bad key", noctuary.NewService{Key: "se arch", Environment: "prod", PagerDutyServiceIDs: []string{"PSEARCH"}}, noctuary.EInvalid, ""},
		{"bad channel", noctuary.NewService{Key: "search", Environment: "prod", PagerDutyServiceIDs: []string{"PSEARCH"}, Channel: "#search"}, noctuary.EInvalid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachKind(t, admin.Options{}, func(t *testing.T, e env) {
				ctx := context.Background()
				e.declare(t, "checkout")
				_, err := e.Create(ctx, "api", tt.spec)
				wantErr(t, err, tt.code, tt.msg)
				if svcs := must[[]noctuary.Service](t)(e.Status(ctx, "")); len(svcs) != 1 {
					t.Errorf("a refused create stored a service: %+v", svcs)
				}
				entries := e.audit(t)
				if len(entries) != 1 || entries[0].Action != admin.ActionCreate || entries[0].Result != tt.code {
					t.Errorf("audit = %+v, want one refused %s", entries, admin.ActionCreate)
				}
			})
		})
	}
}
