package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

func TestKeyRotation(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, clk *storetest.Clock) {
		ctx := context.Background()
		rec := must[noctuary.KeyRecord](t)(s.KeyRecord(ctx, "prod"))
		if !reflect.DeepEqual(rec, noctuary.KeyRecord{FirstSeen: t0}) {
			t.Fatalf("first KeyRecord = %+v", rec)
		}
		clk.Set(t0.Add(time.Hour))
		if rec := must[noctuary.KeyRecord](t)(s.KeyRecord(ctx, "prod")); !rec.FirstSeen.Equal(t0) {
			t.Errorf("first_seen moved to %v", rec.FirstSeen)
		}
		steps := []struct {
			rotate    string // "" = confirm
			confirm   string // the key that worked
			want      noctuary.KeyRecord
			confirmed bool
		}{
			{rotate: "k1\x00\xff", want: noctuary.KeyRecord{Current: []byte("k1\x00\xff"), Pending: true}},
			{rotate: "k2", want: noctuary.KeyRecord{Current: []byte("k2"), Pending: true}},          // previous stays the configured key
			{confirm: "k1\x00\xff", want: noctuary.KeyRecord{Current: []byte("k2"), Pending: true}}, // rotated since: not confirmed
			{confirm: "k2", want: noctuary.KeyRecord{Current: []byte("k2")}, confirmed: true},
			{rotate: "k3", want: noctuary.KeyRecord{Current: []byte("k3"), Previous: []byte("k2"), Pending: true}},
			{confirm: "k3", want: noctuary.KeyRecord{Current: []byte("k3")}, confirmed: true},
		}
		for i, st := range steps {
			if st.rotate != "" {
				must[noctuary.KeyRecord](t)(s.RotateKey(ctx, "prod", []byte(st.rotate)))
			} else if ok := must[bool](t)(s.ConfirmKey(ctx, "prod", []byte(st.confirm))); ok != st.confirmed {
				t.Errorf("step %d: ConfirmKey = %v", i, ok)
			}
			got := must[noctuary.KeyRecord](t)(s.KeyRecord(ctx, "prod"))
			st.want.FirstSeen, st.want.RotatedAt = t0, t0.Add(time.Hour)
			if !reflect.DeepEqual(got, st.want) {
				t.Errorf("step %d: %+v\nwant %+v", i, got, st.want)
			}
		}
		if ok := must[bool](t)(s.ConfirmKey(ctx, "prod", []byte("k3"))); ok {
			t.Error("ConfirmKey confirmed twice")
		}
		_, err := s.RotateKey(ctx, "prod", nil)
		wantCode(t, err, noctuary.EInvalid)
	})
}

func TestGlobalPause(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		for _, want := range []bool{true, true, false, false} {
			if err := s.SetGlobalPaused(ctx, want); err != nil {
				t.Fatal(err)
			}
			if got := must[bool](t)(s.GlobalPaused(ctx)); got != want {
				t.Errorf("GlobalPaused = %v, want %v", got, want)
			}
		}
	})
}

func TestIntegrationsAreSorted(t *testing.T) {
	opt := store.Options{Integrations: []noctuary.Integration{{ID: "staging", Environment: "staging"}, {ID: "prod", Environment: "prod"}}}
	eachKind(t, opt, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		got := must[[]noctuary.Integration](t)(s.Integrations(context.Background()))
		if len(got) != 2 || got[0].ID != "prod" || got[1].ID != "staging" {
			t.Errorf("Integrations = %+v", got)
		}
	})
}
