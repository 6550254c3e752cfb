package store_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

func TestIncidentLifecycle(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, clk *storetest.Clock) {
		ctx := context.Background()
		_, err := s.IncidentState(ctx, "P1")
		wantCode(t, err, noctuary.ENotFound)

		trig := webhook("ev-1", "P1")
		trig.Incident.Number, trig.Incident.HTMLURL = 42, "https://pd.example/incidents/P1"
		must[noctuary.IncidentState](t)(s.UpdateIncident(ctx, trig, "checkout"))

		ack := noctuary.WebhookEvent{ID: "ev-2", Type: noctuary.EventIncidentAcknowledged, Integration: "default",
			OccurredAt: t0.Add(time.Minute), Agent: &noctuary.Reference{ID: "U1", Summary: "Ada Lovelace"},
			Incident: noctuary.Incident{ID: "P1"}}
		clk.Set(t0.Add(2 * time.Minute))
		st := must[noctuary.IncidentState](t)(s.UpdateIncident(ctx, ack, ""))
		if st.Incident.Title != "checkout 5xx" || st.Incident.Number != 42 || st.Incident.Status != "acknowledged" ||
			st.AcknowledgedBy != "Ada Lovelace" || !st.AcknowledgedAt.Equal(ack.OccurredAt) ||
			st.ServiceKey != "checkout" || !st.UpdatedAt.Equal(t0.Add(2*time.Minute)) {
			t.Errorf("after ack: %+v", st)
		}
		tr := noctuary.Triage{ID: "tri-1", Integration: "default", Service: "checkout", Incident: trig.Incident,
			Engine: noctuary.EngineHeuristic, Hypothesis: "deploy", Confidence: 0.9, CreatedAt: t0}
		if err := s.SaveTriage(ctx, tr); err != nil {
			t.Fatal(err)
		}
		res := trig
		res.ID, res.Type, res.OccurredAt, res.Incident = "ev-3", noctuary.EventIncidentResolved, t0.Add(time.Hour), noctuary.Incident{ID: "P1"}
		must[noctuary.IncidentState](t)(s.UpdateIncident(ctx, res, ""))
		st = must[noctuary.IncidentState](t)(s.IncidentState(ctx, "P1"))
		if st.Incident.Status != "resolved" || !st.ResolvedAt.Equal(res.OccurredAt) || st.TriageID != "tri-1" ||
			st.Incident.HTMLURL != trig.Incident.HTMLURL {
			t.Errorf("after resolve: %+v", st)
		}
		got := must[noctuary.Triage](t)(s.Triage(ctx, "tri-1"))
		if got.Hypothesis != "deploy" || got.Incident.ID != "P1" {
			t.Errorf("Triage = %+v", got)
		}
		_, err = s.Triage(ctx, "nope")
		wantCode(t, err, noctuary.ENotFound)
		_, err = s.UpdateIncident(ctx, noctuary.WebhookEvent{ID: "x"}, "")
		wantCode(t, err, noctuary.EInvalid)
	})
}

func TestSaveTriageWithoutState(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		tr := noctuary.Triage{ID: "tri-1", Integration: "default", Service: "checkout", Incident: noctuary.Incident{ID: "P9", Title: "t"}}
		if err := s.SaveTriage(ctx, tr); err != nil {
			t.Fatal(err)
		}
		st := must[noctuary.IncidentState](t)(s.IncidentState(ctx, "P9"))
		if st.TriageID != "tri-1" || st.ServiceKey != "checkout" || st.Incident.Title != "t" || st.Integration != "default" {
			t.Errorf("state = %+v", st)
		}
		wantCode(t, s.SaveTriage(ctx, noctuary.Triage{ID: "x"}), noctuary.EInvalid)
	})
}

func TestLockTriage(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		_, release, ok, err := s.LockTriage(ctx, "tri-1", time.Minute)
		if err != nil || !ok {
			t.Fatalf("first lock: %v, %v", ok, err)
		}
		if _, _, ok, err := s.LockTriage(ctx, "tri-1", time.Minute); ok || err != nil {
			t.Fatalf("second lock: %v, %v", ok, err)
		}
		release()
		_, release2, ok, err := s.LockTriage(ctx, "tri-1", time.Minute)
		if err != nil || !ok {
			t.Fatalf("lock after release: %v, %v", ok, err)
		}
		release() // a stale release must not free someone else's lock
		if _, _, ok, _ := s.LockTriage(ctx, "tri-1", time.Minute); ok {
			t.Fatal("a stale release freed the current holder's lock")
		}
		release2()
	})
}

// TestLockTriageExpires: a holder that stops renewing (it died: its
// context ended) leaves the lock behind for one lease only.
func TestLockTriageExpires(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx, die := context.WithCancel(context.Background())
		if _, _, ok, err := s.LockTriage(ctx, "tri-1", 10*time.Millisecond); !ok || err != nil {
			t.Fatalf("lock: %v, %v", ok, err)
		}
		die()
		time.Sleep(250 * time.Millisecond) // past the TTL, and the embedded store's expiry tick
		if _, _, ok, err := s.LockTriage(context.Background(), "tri-1", time.Minute); !ok || err != nil {
			t.Fatalf("lock after expiry: %v, %v", ok, err)
		}
	})
}

// TestReserve: the budget is a token bucket per bucket name: burst requests
// at once, then one each 60s/perMinute; a caller with a smaller burst
// leaves the rest of the bucket to those with the larger one.
func TestReserve(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		steps := []struct {
			bucket   string
			burst    int
			min, max time.Duration
		}{
			{"pd:default", 3, 0, 0}, {"pd:default", 3, 0, 0},
			{"pd:default", 1, 59 * time.Second, 60 * time.Second}, // a smaller burst leaves the last request
			{"pd:default", 3, 0, 0},
			{"pd:default", 3, 29 * time.Second, 30 * time.Second}, // spent: one more in 60s/2
			{"pd:other", 3, 0, 0},
		}
		for i, st := range steps {
			got := must[time.Duration](t)(s.Reserve(ctx, st.bucket, 2, st.burst))
			if got < st.min || got > st.max {
				t.Errorf("step %d: wait %v, want within [%v, %v]", i, got, st.min, st.max)
			}
		}
		_, err := s.Reserve(ctx, "pd", 0, 1)
		wantCode(t, err, noctuary.EInvalid)
	})
}

// TestTriagePointerMovesForwardOnly: a triage of an earlier onset saved
// after a later one (the incident was reopened meanwhile) is kept, but the
// incident keeps pointing at the later triage.
func TestTriagePointerMovesForwardOnly(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		inc := noctuary.Incident{ID: "QREOPENED"}
		newer := noctuary.Triage{ID: "tr_new", Incident: inc, Onset: t0.Add(time.Hour)}
		older := noctuary.Triage{ID: "tr_old", Incident: inc, Onset: t0}
		for _, tr := range []noctuary.Triage{newer, older} {
			if err := s.SaveTriage(ctx, tr); err != nil {
				t.Fatal(err)
			}
		}
		st := must[noctuary.IncidentState](t)(s.IncidentState(ctx, "QREOPENED"))
		if st.TriageID != "tr_new" {
			t.Fatalf("incident points at %q, want tr_new", st.TriageID)
		}
		must[noctuary.Triage](t)(s.Triage(ctx, "tr_old"))
	})
}

// TestLockTriageLeaseIsRenewed: a live holder keeps the lock well past its
// lease; releasing it ends its held context.
func TestLockTriageLeaseIsRenewed(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		held, release, ok, err := s.LockTriage(ctx, "tri-1", time.Second)
		if !ok || err != nil {
			t.Fatalf("lock: %v, %v", ok, err)
		}
		defer release()
		time.Sleep(2500 * time.Millisecond) // two and a half leases
		if _, _, ok, _ := s.LockTriage(ctx, "tri-1", time.Minute); ok || held.Err() != nil {
			t.Fatalf("the renewed lock was taken (%v) or its holder told it was lost (%v)", ok, held.Err())
		}
		release()
		if held.Err() == nil {
			t.Fatal("held still live after release")
		}
	})
}

// TestIncidentCourse: every acknowledgement, resolution and reopen applied
// is kept in order with its agent, the latest MaxCourse of them; a late
// event (older than the latest applied) takes its place in the course and
// changes nothing of the current episode.
func TestIncidentCourse(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		must[noctuary.IncidentState](t)(s.UpdateIncident(ctx, webhook("ev-0", "P2"), "checkout"))
		step := func(id, typ string, at time.Duration, by string) noctuary.IncidentState {
			ev := noctuary.WebhookEvent{ID: id, Type: typ, Integration: "default", OccurredAt: t0.Add(at), Incident: noctuary.Incident{ID: "P2"}}
			if by != "" {
				ev.Agent = &noctuary.Reference{ID: "U1", Summary: by}
			}
			return must[noctuary.IncidentState](t)(s.UpdateIncident(ctx, ev, ""))
		}
		step("ev-1", noctuary.EventIncidentAcknowledged, time.Minute, "Ada")
		step("ev-2", noctuary.EventIncidentResolved, 5*time.Minute, "Ada")
		step("ev-3", noctuary.EventIncidentAnnotated, 6*time.Minute, "Ada") // not a step of the course
		step("ev-4", noctuary.EventIncidentReopened, 10*time.Minute, "Bob")
		st := step("ev-late", noctuary.EventIncidentAcknowledged, 2*time.Minute, "Eve") // PagerDuty's retry, late
		want := []noctuary.Transition{
			{Type: noctuary.EventIncidentAcknowledged, At: t0.Add(time.Minute), By: "Ada"},
			{Type: noctuary.EventIncidentAcknowledged, At: t0.Add(2 * time.Minute), By: "Eve"},
			{Type: noctuary.EventIncidentResolved, At: t0.Add(5 * time.Minute), By: "Ada"},
			{Type: noctuary.EventIncidentReopened, At: t0.Add(10 * time.Minute), By: "Bob"},
		}
		if st = step("ev-late", noctuary.EventIncidentAcknowledged, 2*time.Minute, "Eve"); !equalCourse(st.Course, want) || st.Incident.Status != "triggered" {
			t.Fatalf("the late ack delivered again: course %+v, status %q", st.Course, st.Incident.Status)
		}
		if !equalCourse(st.Course, want) || !st.ResolvedAt.IsZero() || !st.AcknowledgedAt.IsZero() {
			t.Fatalf("after ack, resolve, reopen and a late ack: course %+v, resolved %v, acknowledged %v", st.Course, st.ResolvedAt, st.AcknowledgedAt)
		}
		for i := range noctuary.MaxCourse {
			st = step("ev-more-"+strconv.Itoa(i), noctuary.EventIncidentUnacknowledged, 11*time.Minute+time.Duration(i)*time.Second, "")
		}
		if len(st.Course) != noctuary.MaxCourse || st.Course[0].Type != noctuary.EventIncidentUnacknowledged ||
			!st.Course[noctuary.MaxCourse-1].At.Equal(t0.Add(11*time.Minute+time.Duration(noctuary.MaxCourse-1)*time.Second)) {
			t.Errorf("after %d more steps the course holds %d, the oldest %+v", noctuary.MaxCourse, len(st.Course), st.Course[0])
		}
	})
}

// TestIncidentLateAcknowledgement: an acknowledgement applied after the
// resolution that followed it (two workers at once) takes its place before
// it in the course and becomes the episode's acknowledgement; the status
// stays resolved.
func TestIncidentLateAcknowledgement(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		must[noctuary.IncidentState](t)(s.UpdateIncident(ctx, webhook("ev-0", "P3"), "checkout"))
		apply := func(id, typ, status string, at time.Duration) noctuary.IncidentState {
			ev := noctuary.WebhookEvent{ID: id, Type: typ, Integration: "default", OccurredAt: t0.Add(at),
				Incident: noctuary.Incident{ID: "P3", Status: status}, Agent: &noctuary.Reference{ID: "U1", Summary: "Ada"}}
			return must[noctuary.IncidentState](t)(s.UpdateIncident(ctx, ev, ""))
		}
		apply("ev-res", noctuary.EventIncidentResolved, "resolved", 5*time.Minute)
		st := apply("ev-ack", noctuary.EventIncidentAcknowledged, "acknowledged", time.Minute)
		want := []noctuary.Transition{
			{Type: noctuary.EventIncidentAcknowledged, At: t0.Add(time.Minute), By: "Ada"},
			{Type: noctuary.EventIncidentResolved, At: t0.Add(5 * time.Minute), By: "Ada"},
		}
		if !equalCourse(st.Course, want) || !st.AcknowledgedAt.Equal(t0.Add(time.Minute)) || st.AcknowledgedBy != "Ada" ||
			st.Incident.Status != "resolved" || !st.ResolvedAt.Equal(t0.Add(5*time.Minute)) {
			t.Fatalf("resolved, then its earlier ack: course %+v, acknowledged %v by %q, status %q, resolved %v",
				st.Course, st.AcknowledgedAt, st.AcknowledgedBy, st.Incident.Status, st.ResolvedAt)
		}
	})
}

// TestIncidentCourseSameInstant: an acknowledgement and a resolution that
// PagerDuty dates alike, applied in either order (two workers at once),
// make the same course: acknowledged, then resolved.
func TestIncidentCourseSameInstant(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		want := []noctuary.Transition{
			{Type: noctuary.EventIncidentAcknowledged, At: t0.Add(time.Minute)},
			{Type: noctuary.EventIncidentResolved, At: t0.Add(time.Minute)},
		}
		for _, order := range [][]string{{noctuary.EventIncidentAcknowledged, noctuary.EventIncidentResolved}, {noctuary.EventIncidentResolved, noctuary.EventIncidentAcknowledged}} {
			id := "P-" + order[0]
			must[noctuary.IncidentState](t)(s.UpdateIncident(ctx, webhook("ev-0-"+id, id), "checkout"))
			var st noctuary.IncidentState
			for i, typ := range order {
				ev := noctuary.WebhookEvent{ID: id + strconv.Itoa(i), Type: typ, Integration: "default", OccurredAt: t0.Add(time.Minute), Incident: noctuary.Incident{ID: id}}
				st = must[noctuary.IncidentState](t)(s.UpdateIncident(ctx, ev, ""))
			}
			if !equalCourse(st.Course, want) {
				t.Errorf("%v applied at the same instant: course %+v, want acknowledged then resolved", order, st.Course)
			}
		}
	})
}

func equalCourse(got, want []noctuary.Transition) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i].Type != want[i].Type || !got[i].At.Equal(want[i].At) || got[i].By != want[i].By {
			return false
		}
	}
	return true
}
