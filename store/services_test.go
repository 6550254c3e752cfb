package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

var rollback = noctuary.ActionSpec{Name: "rollback", Destructive: true, Webhook: "https://actions.example/rollback", Secret: "s"}

func checkout() noctuary.Service {
	auto := 0.9
	return noctuary.Service{
		Key: "checkout", Environment: "production", PagerDutyServiceIDs: []string{"PABC123", "PDEF456"},
		Enabled: true, Mode: noctuary.ModeAction, Paused: true, SlackChannel: "C0123", Approvers: []string{"U1", "U2"},
		ApproveOncall: true, Dependencies: []string{"payments"}, AutoAcknowledge: &auto, LLM: false,
	}
}

func TestServiceRoundTrip(t *testing.T) {
	opt := store.Options{Actions: map[string][]noctuary.ActionSpec{"checkout": {rollback}}}
	eachKind(t, opt, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		_, err := s.Service(ctx, "checkout")
		wantCode(t, err, noctuary.ENotFound)
		in := checkout()
		in.Actions = []noctuary.ActionSpec{{Name: "ignored: actions come from the options"}}
		if err := s.PutService(ctx, in); err != nil {
			t.Fatal(err)
		}
		want := checkout()
		want.Actions = []noctuary.ActionSpec{rollback}
		got := must[noctuary.Service](t)(s.Service(ctx, "checkout"))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Service = %+v\nwant %+v", got, want)
		}
		got = must[noctuary.Service](t)(s.ServiceByPagerDutyID(ctx, "PDEF456"))
		if got.Key != "checkout" {
			t.Errorf("ServiceByPagerDutyID = %q", got.Key)
		}
		in.PagerDutyServiceIDs = []string{"PNEW"}
		if err := s.PutService(ctx, in); err != nil {
			t.Fatal(err)
		}
		_, err = s.ServiceByPagerDutyID(ctx, "PABC123")
		wantCode(t, err, noctuary.ENotFound)
		must[noctuary.Service](t)(s.ServiceByPagerDutyID(ctx, "PNEW"))
	})
}

func TestPutServiceValidation(t *testing.T) {
	cases := []struct {
		name string
		svc  noctuary.Service
		code string
	}{
		{"empty key", noctuary.Service{}, noctuary.EInvalid},
		{"key with a brace", noctuary.Service{Key: "a{b}"}, noctuary.EInvalid},
		{"unknown mode", noctuary.Service{Key: "a", Mode: "yolo"}, noctuary.EInvalid},
		{"bad PagerDuty id", noctuary.Service{Key: "a", PagerDutyServiceIDs: []string{"P 1"}}, noctuary.EInvalid},
		{"bad dependency", noctuary.Service{Key: "a", Dependencies: []string{""}}, noctuary.EInvalid},
		{"no mode", noctuary.Service{Key: "a"}, ""},
	}
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) { wantCode(t, s.PutService(context.Background(), c.svc), c.code) })
		}
		got := must[noctuary.Service](t)(s.Service(context.Background(), "a"))
		if got.Mode != noctuary.ModeReadOnly || got.LLM {
			t.Errorf("defaults: mode %q, llm %v; want read-only, false as given", got.Mode, got.LLM)
		}
	})
}

func TestServicesSorted(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		for _, k := range []string{"search", "checkout", "payments"} {
			if err := s.PutService(ctx, noctuary.Service{Key: k, LLM: true}); err != nil {
				t.Fatal(err)
			}
		}
		var keys []string
		for _, svc := range must[[]noctuary.Service](t)(s.Services(ctx)) {
			keys = append(keys, svc.Key)
		}
		if want := []string{"checkout", "payments", "search"}; !slices.Equal(keys, want) {
			t.Errorf("Services = %q, want %q", keys, want)
		}
	})
}

func TestCreateServiceIfMissingKeepsLiveSettings(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		file := noctuary.Service{Key: "checkout", LLM: true}
		if created := must[bool](t)(s.CreateServiceIfMissing(ctx, file)); !created {
			t.Fatal("not created")
		}
		must[noctuary.Service](t)(s.UpdateService(ctx, "checkout", func(svc *noctuary.Service) error {
			svc.Enabled, svc.Mode = true, noctuary.ModeAction
			return nil
		}))
		if created := must[bool](t)(s.CreateServiceIfMissing(ctx, file)); created {
			t.Fatal("created twice")
		}
		got := must[noctuary.Service](t)(s.Service(ctx, "checkout"))
		if !got.Enabled || got.Mode != noctuary.ModeAction || !got.LLM {
			t.Errorf("live settings lost: %+v", got)
		}
	})
}

func TestUpdateServiceErrors(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		_, err := s.UpdateService(ctx, "ghost", func(*noctuary.Service) error { return nil })
		wantCode(t, err, noctuary.ENotFound)
		if err := s.PutService(ctx, noctuary.Service{Key: "checkout"}); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		_, err = s.UpdateService(ctx, "checkout", func(svc *noctuary.Service) error {
			svc.Enabled = true
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want boom", err)
		}
		_, err = s.UpdateService(ctx, "checkout", func(svc *noctuary.Service) error {
			svc.Mode, svc.Enabled = "yolo", true
			return nil
		})
		wantCode(t, err, noctuary.EInvalid)
		if got := must[noctuary.Service](t)(s.Service(ctx, "checkout")); got.Enabled {
			t.Error("a failed update was written")
		}
	})
}

func TestUpdateServiceConcurrent(t *testing.T) {
	const workers, each = 8, 5
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		if err := s.PutService(ctx, noctuary.Service{Key: "checkout"}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					_, err := s.UpdateService(ctx, "checkout", func(svc *noctuary.Service) error {
						svc.Approvers = append(svc.Approvers, fmt.Sprintf("U%d-%d", w, i))
						return nil
					})
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		got := must[noctuary.Service](t)(s.Service(ctx, "checkout"))
		if len(got.Approvers) != workers*each {
			t.Errorf("%d approvers, want %d: updates were lost", len(got.Approvers), workers*each)
		}
	})
}

// TestPagerDutyIDMovedToAnotherService: once an ID maps to B, dropping it
// from A's old list does not delete B's mapping.
func TestPagerDutyIDMovedToAnotherService(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		a := noctuary.Service{Key: "a", Environment: "default", PagerDutyServiceIDs: []string{"PMOVE"}, LLM: true}
		b := noctuary.Service{Key: "b", Environment: "default", PagerDutyServiceIDs: []string{"PMOVE"}, LLM: true}
		if err := s.PutService(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := s.PutService(ctx, b); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateService(ctx, "a", func(svc *noctuary.Service) error {
			svc.PagerDutyServiceIDs = nil
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		got := must[noctuary.Service](t)(s.ServiceByPagerDutyID(ctx, "PMOVE"))
		if got.Key != "b" {
			t.Fatalf("PMOVE maps to %q, want b", got.Key)
		}
	})
}
