package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// vote is a vote of user on triage tr_<n> of checkout, written by engine.
func vote(triage, engine, user string, right bool) noctuary.Vote {
	return noctuary.Vote{Service: "checkout", TriageID: triage, Engine: engine, User: user, Right: right}
}

func TestFeedback(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		for _, v := range []noctuary.Vote{
			vote("tr_1", "heuristic", "U1", true),
			vote("tr_1", "heuristic", "U2", true),
			vote("tr_1", "heuristic", "U2", true), // a repeat counts once
			vote("tr_2", "gemini-2.5-flash", "U1", true),
			vote("tr_2", "gemini-2.5-flash", "U1", false), // a change of mind moves the vote
		} {
			if err := s.RecordFeedback(ctx, v); err != nil {
				t.Fatal(err)
			}
		}
		p := must[[]noctuary.WindowPrecision](t)(s.FeedbackPrecision(ctx, "checkout"))
		want := noctuary.WindowPrecision{Days: 30, All: noctuary.Verdicts{Right: 2, Wrong: 1},
			Engines: map[string]noctuary.Verdicts{"heuristic": {Right: 2}, "gemini-2.5-flash": {Wrong: 1}}}
		if len(p) != 2 || !samePrecision(p[0], want) || p[1].Days != 90 || p[1].All != want.All {
			t.Errorf("FeedbackPrecision = %+v, want %+v in both windows", p, want)
		}
		other := must[[]noctuary.WindowPrecision](t)(s.FeedbackPrecision(ctx, "payments"))
		if other[0].All != (noctuary.Verdicts{}) || len(other[1].Engines) != 0 {
			t.Errorf("FeedbackPrecision(payments) = %+v, want no votes", other)
		}
		wantCode(t, s.RecordFeedback(ctx, noctuary.Vote{Service: "check out", TriageID: "tr_1", User: "U1"}), noctuary.EInvalid)
		wantCode(t, s.RecordFeedback(ctx, vote("tr_1", "heuristic", "", true)), noctuary.EInvalid)
		wantCode(t, s.RecordFeedback(ctx, vote("tr_1", "heuristic", "U1 U2", true)), noctuary.EInvalid)
	})
}

func samePrecision(a, b noctuary.WindowPrecision) bool {
	if a.Days != b.Days || a.All != b.All || len(a.Engines) != len(b.Engines) {
		return false
	}
	for e, v := range b.Engines {
		if a.Engines[e] != v {
			return false
		}
	}
	return true
}

// Votes count in a window by when they were given, on the store's clock: a
// vote leaves the 30-day window after 30 days and the 90-day one after 90,
// whatever the calendar.
func TestFeedbackWindows(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, clk *storetest.Clock) {
		ctx := context.Background()
		day := 24 * time.Hour
		must0(t, s.RecordFeedback(ctx, vote("tr_old", "heuristic", "U1", false)))
		clk.Add(31 * day)
		must0(t, s.RecordFeedback(ctx, vote("tr_new", "heuristic", "U1", true)))
		p := must[[]noctuary.WindowPrecision](t)(s.FeedbackPrecision(ctx, "checkout"))
		if p[0].All != (noctuary.Verdicts{Right: 1}) || p[1].All != (noctuary.Verdicts{Right: 1, Wrong: 1}) {
			t.Errorf("31 days after the first vote: %+v, want 1/1 over 30 days and 1/2 over 90", p)
		}
		clk.Add(60 * day) // 91 days after the first vote, 60 after the second
		p = must[[]noctuary.WindowPrecision](t)(s.FeedbackPrecision(ctx, "checkout"))
		if p[0].All != (noctuary.Verdicts{}) || p[1].All != (noctuary.Verdicts{Right: 1}) {
			t.Errorf("91 days after the first vote: %+v, want none over 30 days and 1/1 over 90", p)
		}
	})
}

func must0(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
