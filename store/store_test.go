package store_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// t0 is the fake clock's start.
var t0 = storetest.Epoch(2026, 11, 23, 2, 0, 0)

// eachKind runs fn against a fresh store of every kind, whose clock starts
// at t0.
func eachKind(t *testing.T, opt store.Options, fn func(t *testing.T, s *store.Store, clk *storetest.Clock)) {
	t.Helper()
	storetest.EachKind(t, t0, opt, fn)
}

// wantCode fails t unless err carries the error code want.
func wantCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := noctuary.ErrorCode(err); got != want {
		t.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestOpenKinds(t *testing.T) {
	ctx := context.Background()
	srv := storetest.StartRedis(t)
	real, err := store.Open(ctx, srv.URL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer real.Close()
	emb := storetest.Open(t, "embedded", store.Options{})
	for _, s := range []*store.Store{real, emb} {
		if err := s.Ping(ctx); err != nil {
			t.Errorf("Ping: %v", err)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	_, err := store.Open(ctx, "http://nope", store.Options{})
	wantCode(t, err, noctuary.EInvalid)

	srv := storetest.StartRedis(t)
	srv.Stop()
	_, err = store.Open(ctx, srv.URL, store.Options{})
	wantCode(t, err, noctuary.EUnavailable)
}

func TestRedisDownIsUnavailable(t *testing.T) {
	ctx := context.Background()
	srv := storetest.StartRedis(t)
	s, err := store.Open(ctx, srv.URL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	srv.Stop()
	ev := noctuary.ContextEvent{Service: "checkout", Kind: "deploy", Source: "argocd", OccurredAt: time.Now()}
	calls := map[string]func() error{
		"Ping": func() error { return s.Ping(ctx) },
		"EnqueueWebhook": func() error {
			_, err := s.EnqueueWebhook(ctx, noctuary.WebhookEvent{ID: "e1"})
			return err
		},
		"ReadWebhooks": func() error { _, err := s.ReadWebhooks(ctx, "w", 1, 0); return err },
		"AddEvents":    func() error { _, _, err := s.AddEvents(ctx, []noctuary.ContextEvent{ev}); return err },
		"EventsInWindow": func() error {
			_, err := s.EventsInWindow(ctx, []string{"checkout"}, t0, t0)
			return err
		},
		"Service": func() error { _, err := s.Service(ctx, "checkout"); return err },
		"UpdateService": func() error {
			_, err := s.UpdateService(ctx, "checkout", func(*noctuary.Service) error { return nil })
			return err
		},
		"Reserve":      func() error { _, err := s.Reserve(ctx, "pd", 1, 1); return err },
		"AuditEntries": func() error { _, err := s.AuditEntries(ctx, "", 1); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			wantCode(t, call(), noctuary.EUnavailable)
		})
	}
}

func TestClosedEmbeddedIsUnavailable(t *testing.T) {
	s, err := store.Open(context.Background(), "", store.Options{Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.Ping(context.Background()), noctuary.EUnavailable)
}

func TestIntegrations(t *testing.T) {
	prod := noctuary.Integration{ID: "prod", Environment: "production", Direction: noctuary.DirectionBidirectional,
		Token: "pd-token", ExtraTokens: []noctuary.Secret{"pd-token-2"}, WebhookSecrets: []noctuary.Secret{"whsec"}, From: "bot@example.com"}
	opt := store.Options{Integrations: []noctuary.Integration{prod}}
	eachKind(t, opt, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		got := must[noctuary.Integration](t)(s.Integration(ctx, "prod"))
		if got.Token.Reveal() != "pd-token" || len(got.ExtraTokens) != 1 || got.ExtraTokens[0].Reveal() != "pd-token-2" || got.From != "bot@example.com" {
			t.Errorf("Integration = %+v", got)
		}
		got = must[noctuary.Integration](t)(s.IntegrationForEnvironment(ctx, "production"))
		if got.ID != "prod" {
			t.Errorf("IntegrationForEnvironment = %q", got.ID)
		}
		_, err := s.Integration(ctx, "nope")
		wantCode(t, err, noctuary.ENotFound)
		_, err = s.IntegrationForEnvironment(ctx, "staging")
		wantCode(t, err, noctuary.ENotFound)
	})
}

func TestErrorsWrapCause(t *testing.T) {
	srv := storetest.StartRedis(t)
	s, err := store.Open(context.Background(), srv.URL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv.Stop()
	err = s.Ping(context.Background())
	var e *noctuary.Error
	if !errors.As(err, &e) || e.Err == nil || e.Message != "the store is unavailable" {
		t.Fatalf("Ping error = %#v", err)
	}
}

func TestNoSecretInRedis(t *testing.T) {
	ctx := context.Background()
	srv := storetest.StartRedis(t)
	prod := noctuary.Integration{ID: "prod", Environment: "production", Direction: noctuary.DirectionInbound,
		Token: "pd-token-xyz", ExtraTokens: []noctuary.Secret{"pd-extra-xyz"}, WebhookSecrets: []noctuary.Secret{"whsec-xyz"}, APIURL: "https://pd.example"}
	actions := map[string][]noctuary.ActionSpec{"checkout": {{Name: "rollback", Webhook: "https://a.example", Secret: "act-secret-xyz"}}}
	s, err := store.Open(ctx, srv.URL, store.Options{Integrations: []noctuary.Integration{prod}, Actions: actions, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.PutService(ctx, noctuary.Service{Key: "checkout", Actions: actions["checkout"]}); err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	h := must[map[string]string](t)(rdb.HGetAll(ctx, "noctuary:v1:integration:prod").Result())
	want := map[string]string{"environment": "production", "direction": "inbound", "from": "", "api_url": "https://pd.example"}
	if !maps.Equal(h, want) {
		t.Errorf("integration hash = %v, want %v", h, want)
	}
	for _, k := range must[[]string](t)(rdb.Keys(ctx, "*").Result()) {
		v := dumpKey(ctx, t, rdb, k)
		for _, secret := range []string{"pd-token-xyz", "pd-extra-xyz", "whsec-xyz", "act-secret-xyz"} {
			if strings.Contains(v, secret) {
				t.Errorf("key %s holds a secret", k)
			}
		}
	}
}

// dumpKey returns the value of key k as text, whatever its type.
func dumpKey(ctx context.Context, t *testing.T, rdb *redis.Client, k string) string {
	t.Helper()
	var v any
	var err error
	switch typ := rdb.Type(ctx, k).Val(); typ {
	case "string":
		v, err = rdb.Get(ctx, k).Result()
	case "hash":
		v, err = rdb.HGetAll(ctx, k).Result()
	case "set":
		v, err = rdb.SMembers(ctx, k).Result()
	case "zset":
		v, err = rdb.ZRange(ctx, k, 0, -1).Result()
	case "stream":
		v, err = rdb.XRange(ctx, k, "-", "+").Result()
	default:
		t.Fatalf("key %s has unexpected type %q", k, typ)
	}
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(v)
}
