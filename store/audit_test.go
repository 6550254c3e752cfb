package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

func TestAudit(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, clk *storetest.Clock) {
		ctx := context.Background()
		entries := []noctuary.AuditEntry{
			{ID: "tri-1", Actor: "noctuary", Action: "note", Service: "checkout", Result: "ok"},
			{Actor: "U1", Action: "enable", Service: "payments", Result: "ok"},
			{Actor: "U2", Action: "rotate-key", Result: "ok"},
			{Actor: "U1", Action: "approve", Service: "checkout", Result: "ok", Details: map[string]string{"action": "rollback"}},
		}
		var ids []string
		for i, e := range entries {
			clk.Set(t0.Add(time.Duration(i) * time.Minute))
			ids = append(ids, must[string](t)(s.Audit(ctx, e)))
		}
		if ids[0] != "tri-1" || ids[1] == "" || ids[1] == ids[2] {
			t.Fatalf("ids = %q", ids)
		}
		all := must[[]noctuary.AuditEntry](t)(s.AuditEntries(ctx, "", 0))
		if len(all) != 4 || all[0].Action != "approve" || all[3].ID != "tri-1" || all[2].ID != ids[1] {
			t.Fatalf("all = %+v", all)
		}
		if !all[3].Time.Equal(t0) || all[0].Details["action"] != "rollback" {
			t.Errorf("entries = %+v", all)
		}
		got := must[[]noctuary.AuditEntry](t)(s.AuditEntries(ctx, "checkout", 1))
		if len(got) != 1 || got[0].Action != "approve" {
			t.Errorf("checkout, limit 1 = %+v", got)
		}
	})
}

func TestAuditEntriesScansPages(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		must[string](t)(s.Audit(ctx, noctuary.AuditEntry{Actor: "U1", Action: "enable", Service: "rare"}))
		for i := range 1200 {
			must[string](t)(s.Audit(ctx, noctuary.AuditEntry{Actor: "U1", Action: fmt.Sprint(i), Service: "busy"}))
		}
		got := must[[]noctuary.AuditEntry](t)(s.AuditEntries(ctx, "rare", 10))
		if len(got) != 1 || got[0].Action != "enable" {
			t.Errorf("rare = %+v", got)
		}
		if got := must[[]noctuary.AuditEntry](t)(s.AuditEntries(ctx, "busy", 700)); len(got) != 700 || got[0].Action != "1199" {
			t.Errorf("busy: %d entries, newest %q", len(got), got[0].Action)
		}
	})
}
