package store_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// TestIncidentIndex: incidents are listed newest first seen, paginated,
// each once however often updated, with their triage; an incident's
// approvals and a triage's votes read back.
func TestIncidentIndex(t *testing.T) {
	storetest.EachKind(t, t0, store.Options{}, func(t *testing.T, s *store.Store, clk *storetest.Clock) {
		ctx := context.Background()
		for _, id := range []string{"Q1", "Q2", "Q3", "Q1"} { // Q1 again: still first seen first
			ev := noctuary.WebhookEvent{ID: "ev-" + id, Type: noctuary.EventIncidentTriggered, OccurredAt: clk.Now(), Incident: noctuary.Incident{ID: id}}
			must[noctuary.IncidentState](t)(s.UpdateIncident(ctx, ev, "checkout"))
			clk.Add(time.Second)
		}
		tr := noctuary.Triage{ID: "tr_2", Service: "checkout", Incident: noctuary.Incident{ID: "Q2"}, Engine: "heuristic", Onset: clk.Now()}
		if err := s.SaveTriage(ctx, tr); err != nil {
			t.Fatal(err)
		}
		ids := func(offset, limit int) string {
			page, total, err := s.Incidents(ctx, offset, limit)
			if err != nil || total != 3 {
				t.Fatalf("Incidents(%d, %d): total %d, %v", offset, limit, total, err)
			}
			var out []string
			for _, in := range page {
				out = append(out, in.State.Incident.ID)
				if (in.Triage != nil) != (in.State.Incident.ID == "Q2") {
					t.Errorf("%s: triage %+v", in.State.Incident.ID, in.Triage)
				}
			}
			return strings.Join(out, " ")
		}
		if got := ids(0, 10); got != "Q3 Q2 Q1" {
			t.Errorf("Incidents = %s, want Q3 Q2 Q1", got)
		}
		if got := ids(1, 1); got != "Q2" {
			t.Errorf("second page of one = %s, want Q2", got)
		}
		for _, id := range []string{"ap_b", "ap_a"} {
			a := noctuary.Approval{ID: id, IncidentID: "Q2", Service: "checkout", Action: "rollback", CreatedAt: clk.Now(), ExpiresAt: clk.Now().Add(time.Hour)}
			if err := s.CreateApproval(ctx, a); err != nil {
				t.Fatal(err)
			}
			clk.Add(time.Second)
		}
		if got := must[[]noctuary.Approval](t)(s.IncidentApprovals(ctx, "Q2")); len(got) != 2 || got[0].ID != "ap_b" || got[1].ID != "ap_a" {
			t.Errorf("IncidentApprovals = %+v, want ap_b then ap_a", got)
		}
		if got := must[[]noctuary.Approval](t)(s.IncidentApprovals(ctx, "Q1")); len(got) != 0 {
			t.Errorf("approvals of Q1 = %+v", got)
		}
		for _, v := range []noctuary.Vote{{User: "U0BOBBOB", Right: false}, {User: "U0ALICE", Right: true}} {
			v.Service, v.TriageID, v.Engine = "checkout", "tr_2", "heuristic"
			if err := s.RecordFeedback(ctx, v); err != nil {
				t.Fatal(err)
			}
		}
		want := []noctuary.Vote{{Service: "checkout", TriageID: "tr_2", Engine: "heuristic", User: "U0ALICE", Right: true},
			{Service: "checkout", TriageID: "tr_2", Engine: "heuristic", User: "U0BOBBOB"}}
		if got := must[[]noctuary.Vote](t)(s.TriageVotes(ctx, "checkout", "tr_2")); !reflect.DeepEqual(got, want) {
			t.Errorf("TriageVotes = %+v\nwant %+v", got, want)
		}
	})
}

// TestLiveIntegrations: one integration per environment, the file's
// included; the live ones are found like the file's, never with secrets.
func TestLiveIntegrations(t *testing.T) {
	opt := store.Options{Integrations: []noctuary.Integration{{ID: "prod", Environment: "prod", Token: "file-key"}}}
	storetest.EachKind(t, t0, opt, func(t *testing.T, s *store.Store, clk *storetest.Clock) {
		ctx := context.Background()
		rec := noctuary.IntegrationRecord{Integration: noctuary.Integration{ID: "staging", Environment: "staging", Direction: noctuary.DirectionInbound,
			Token: "leaked", ExtraTokens: []noctuary.Secret{"leaked"}, WebhookSecrets: []noctuary.Secret{"leaked"}}}
		if err := s.CreateIntegration(ctx, rec); err != nil {
			t.Fatal(err)
		}
		for _, clash := range []noctuary.Integration{{ID: "staging", Environment: "qa"}, {ID: "qa", Environment: "staging"}, {ID: "prod2", Environment: "prod"}, {ID: "prod", Environment: "qa"}} {
			if err := s.CreateIntegration(ctx, noctuary.IntegrationRecord{Integration: clash}); noctuary.ErrorCode(err) != noctuary.EConflict {
				t.Errorf("CreateIntegration(%+v) = %v, want a conflict", clash, err)
			}
		}
		want := noctuary.Integration{ID: "staging", Environment: "staging", Direction: noctuary.DirectionInbound}
		if got := must[noctuary.Integration](t)(s.Integration(ctx, "staging")); !reflect.DeepEqual(got, want) {
			t.Errorf("Integration = %+v, want %+v (no secret)", got, want)
		}
		if got := must[noctuary.Integration](t)(s.IntegrationForEnvironment(ctx, "staging")); got.ID != "staging" {
			t.Errorf("IntegrationForEnvironment = %+v", got)
		}
		if all := must[[]noctuary.Integration](t)(s.Integrations(ctx)); len(all) != 2 || all[0].ID != "prod" || all[1].ID != "staging" || all[0].Token != "file-key" {
			t.Errorf("Integrations = %+v", all)
		}
		got := must[noctuary.IntegrationRecord](t)(s.UpdateIntegrationRecord(ctx, "staging", func(r *noctuary.IntegrationRecord) error {
			r.WebhookSecret = []byte{1, 2, 3}
			return nil
		}))
		if back := must[noctuary.IntegrationRecord](t)(s.IntegrationRecord(ctx, "staging")); !reflect.DeepEqual(back, got) || !back.CreatedAt.Equal(t0) {
			t.Errorf("IntegrationRecord = %+v, want %+v created at t0", back, got)
		}
		if _, err := s.UpdateIntegrationRecord(ctx, "nope", func(*noctuary.IntegrationRecord) error { return nil }); noctuary.ErrorCode(err) != noctuary.ENotFound {
			t.Errorf("updating an unknown integration: %v", err)
		}
	})
}

// TestAuditSearch: filters and the time range (by when entries were
// written), newest first.
func TestAuditSearch(t *testing.T) {
	storetest.EachKind(t, t0, store.Options{}, func(t *testing.T, s *store.Store, clk *storetest.Clock) {
		ctx := context.Background()
		for i, e := range []noctuary.AuditEntry{
			{Actor: "slack:U0A", Action: "a1", Service: "checkout"},
			{Actor: "api:admin", Action: "a2", Service: "checkout", Incident: "Q1"},
			{Actor: "slack:U0A", Action: "a3", Service: "payments"},
		} {
			clk.Set(t0.Add(time.Duration(i) * time.Minute))
			e.Result = "ok"
			must[string](t)(s.Audit(ctx, e))
		}
		tests := []struct {
			q    noctuary.AuditQuery
			want string
		}{
			{noctuary.AuditQuery{}, "a3 a2 a1"},
			{noctuary.AuditQuery{Actor: "slack:U0A"}, "a3 a1"},
			{noctuary.AuditQuery{Service: "checkout", Incident: "Q1"}, "a2"},
			{noctuary.AuditQuery{Since: t0.Add(time.Minute)}, "a3 a2"},
			{noctuary.AuditQuery{Until: t0.Add(time.Minute)}, "a2 a1"},
			{noctuary.AuditQuery{Since: t0.Add(time.Minute), Until: t0.Add(time.Minute)}, "a2"},
			{noctuary.AuditQuery{Limit: 2}, "a3 a2"},
		}
		for _, tt := range tests {
			var got []string
			for _, e := range must[[]noctuary.AuditEntry](t)(s.AuditSearch(ctx, tt.q)) {
				got = append(got, e.Action)
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("AuditSearch(%+v) = %v, want %s", tt.q, got, tt.want)
			}
		}
	})
}
