package store_test

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

func approval(id string) noctuary.Approval {
	return noctuary.Approval{
		ID: id, TriageID: "tr_1", IncidentID: "Q1ABC", Service: "checkout", Action: "rollback",
		Params: map[string]string{"sha": "f8b3e22"}, Destructive: true,
		CreatedAt: t0, ExpiresAt: t0.Add(30 * time.Minute),
	}
}

func createApproval(t *testing.T, s *store.Store, a noctuary.Approval) {
	t.Helper()
	if err := s.CreateApproval(context.Background(), a); err != nil {
		t.Fatal(err)
	}
}

func TestApprovalRoundTrip(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		createApproval(t, s, approval("ap_1"))
		wantCode(t, s.CreateApproval(ctx, approval("ap_1")), noctuary.EConflict)
		want := approval("ap_1")
		want.State = noctuary.ApprovalPending
		if got := must[noctuary.Approval](t)(s.Approval(ctx, "ap_1")); !reflect.DeepEqual(got, want) {
			t.Errorf("Approval = %+v\nwant %+v", got, want)
		}
		_, err := s.Approval(ctx, "ap_missing")
		wantCode(t, err, noctuary.ENotFound)
		_, err = s.Approval(ctx, "bad id with spaces")
		wantCode(t, err, noctuary.ENotFound)
	})
}

func TestCreateApprovalValidates(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		for _, a := range []noctuary.Approval{{ID: "", ExpiresAt: t0}, {ID: "ap_1"}, {ID: "a b", ExpiresAt: t0}} {
			wantCode(t, s.CreateApproval(context.Background(), a), noctuary.EInvalid)
		}
	})
}

func TestTransitionApproval(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, clk *storetest.Clock) {
		ctx := context.Background()
		createApproval(t, s, approval("ap_1"))
		clk.Set(t0.Add(time.Minute))
		a := must[noctuary.Approval](t)(s.TransitionApproval(ctx, "ap_1", noctuary.ApprovalPending, noctuary.ApprovalRunning, "U0ALICE", ""))
		if a.State != noctuary.ApprovalRunning || a.DecidedBy != "U0ALICE" || !a.DecidedAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("after approve: %+v", a)
		}
		a, err := s.TransitionApproval(ctx, "ap_1", noctuary.ApprovalPending, noctuary.ApprovalRunning, "U0BOB", "")
		wantCode(t, err, noctuary.EConflict)
		if a.DecidedBy != "U0ALICE" || a.State != noctuary.ApprovalRunning {
			t.Errorf("conflict returned %+v", a)
		}
		a = must[noctuary.Approval](t)(s.TransitionApproval(ctx, "ap_1", noctuary.ApprovalRunning, noctuary.ApprovalDone, "U0BOB", "HTTP 200"))
		if a.State != noctuary.ApprovalDone || a.Result != "HTTP 200" || a.DecidedBy != "U0ALICE" {
			t.Errorf("after done: %+v", a)
		}
		_, err = s.TransitionApproval(ctx, "ap_1", noctuary.ApprovalDone, noctuary.ApprovalPending, "", "")
		wantCode(t, err, noctuary.EInvalid)
		_, err = s.TransitionApproval(ctx, "ap_missing", noctuary.ApprovalPending, noctuary.ApprovalRunning, "U1", "")
		wantCode(t, err, noctuary.ENotFound)
	})
}

func TestTransitionApprovalExpires(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, clk *storetest.Clock) {
		ctx := context.Background()
		createApproval(t, s, approval("ap_1"))
		clk.Set(t0.Add(30 * time.Minute))
		a, err := s.TransitionApproval(ctx, "ap_1", noctuary.ApprovalPending, noctuary.ApprovalRunning, "U0ALICE", "")
		wantCode(t, err, noctuary.EInvalid)
		if noctuary.ErrorMessage(err) != "this approval expired at "+t0.Add(30*time.Minute).Format("2006-01-02 15:04:05")+" UTC" || a.State != noctuary.ApprovalExpired {
			t.Errorf("TransitionApproval = %+v, %v", a, err)
		}
		_, err = s.TransitionApproval(ctx, "ap_1", noctuary.ApprovalPending, noctuary.ApprovalRunning, "U0ALICE", "")
		wantCode(t, err, noctuary.EConflict)
	})
}

func TestTransitionApprovalHasOneWinner(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		createApproval(t, s, approval("ap_1"))
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for i := range 20 {
			wg.Go(func() {
				_, err := s.TransitionApproval(ctx, "ap_1", noctuary.ApprovalPending, noctuary.ApprovalRunning, string(rune('A'+i)), "")
				if err == nil {
					mu.Lock()
					wins++
					mu.Unlock()
				} else if noctuary.ErrorCode(err) != noctuary.EConflict {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d transitions won, want 1", wins)
		}
	})
}
