package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// TestSaveTriageAgainKeepsTheIncident saves a triage three times, as a
// triage does (first hypothesis, note, delivered), with the incident
// acknowledged in between: each save keeps the latest triage, and the saves
// after the first leave the incident's state as the webhook left it. A
// triage of a later onset still takes the pointer, one of an earlier onset
// does not.
func TestSaveTriageAgainKeepsTheIncident(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, clk *storetest.Clock) {
		ctx := context.Background()
		trig := webhook("ev-1", "P1")
		must[noctuary.IncidentState](t)(s.UpdateIncident(ctx, trig, "checkout"))
		tr := noctuary.Triage{ID: "tri-1", Integration: "default", Service: "checkout", Incident: trig.Incident,
			Onset: t0, Engine: noctuary.EngineHeuristic, Hypothesis: "deploy", CreatedAt: t0}
		if err := s.SaveTriage(ctx, tr); err != nil {
			t.Fatal(err)
		}
		ack := noctuary.WebhookEvent{ID: "ev-2", Type: noctuary.EventIncidentAcknowledged, Integration: "default",
			OccurredAt: t0.Add(time.Minute), Incident: noctuary.Incident{ID: "P1"}}
		clk.Set(t0.Add(2 * time.Minute))
		acked := must[noctuary.IncidentState](t)(s.UpdateIncident(ctx, ack, ""))
		for i, note := range []string{"the note", "the note, delivered"} {
			tr.Note, tr.Undelivered = note, i == 0
			clk.Set(t0.Add(time.Duration(3+i) * time.Minute))
			if err := s.SaveTriage(ctx, tr); err != nil {
				t.Fatal(err)
			}
			got := must[noctuary.Triage](t)(s.Triage(ctx, "tri-1"))
			if got.Note != note || got.Undelivered != tr.Undelivered {
				t.Errorf("save %d: triage kept as %q undelivered=%v", i+2, got.Note, got.Undelivered)
			}
			st := must[noctuary.IncidentState](t)(s.IncidentState(ctx, "P1"))
			if st.TriageID != "tri-1" || st.Incident.Status != "acknowledged" || !st.UpdatedAt.Equal(acked.UpdatedAt) {
				t.Errorf("save %d: incident %+v, want it as the acknowledgement left it, pointing at tri-1", i+2, st)
			}
		}
		later := tr
		later.ID, later.Onset = "tri-2", t0.Add(time.Hour)
		if err := s.SaveTriage(ctx, later); err != nil {
			t.Fatal(err)
		}
		earlier := tr
		earlier.ID, earlier.Onset = "tri-0", t0.Add(-time.Hour)
		if err := s.SaveTriage(ctx, earlier); err != nil {
			t.Fatal(err)
		}
		if st := must[noctuary.IncidentState](t)(s.IncidentState(ctx, "P1")); st.TriageID != "tri-2" {
			t.Errorf("incident points at %q, want tri-2 (the latest onset)", st.TriageID)
		}
	})
}
