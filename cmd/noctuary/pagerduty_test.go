package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/admin"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
	"github.com/noctuary/noctuary/pd/pdtest"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// TestKeyRecordReadOncePerCall: an integration with an extra key posts 10
// notes through the PagerDuty client factory, against a real redis-server
// and the fake PagerDuty. Each call reads the integration's key record
// (rotated key, and whether a rotation awaits its confirmation) once, not
// once for the key and again for the pending rotation: Redis runs HGETALL
// (inside the key record's script) 10 times (20 before).
func TestKeyRecordReadOncePerCall(t *testing.T) {
	const notes = 10
	fake := pdtest.New(t, testPDToken)
	fake.AddToken(testPDToken2)
	pager, _, rdb, ctx := warmPager(t, fake)
	for i := range notes {
		if err := pager.AddNote(ctx, "default", "Q1", fmt.Sprintf("note %d", i)); err != nil {
			t.Fatalf("note %d: %v", i, err)
		}
	}
	calls := commandStats(t, rdb)
	t.Logf("Redis commands for %d notes: %v", notes, calls)
	if calls["hgetall"] != notes {
		t.Errorf("the key record was read %d times for %d calls; want once a call", calls["hgetall"], notes)
	}
}

// newPagerOnRedis returns the PagerDuty client factory and admin of the
// integration "default" (environment prod, with an extra key) talking to
// fake, with a store on a fresh redis-server (a budget of 10,000 requests
// a second a key, so that it holds no caller), and a client of that server.
func newPagerOnRedis(t testing.TB, fake *pdtest.Server) (*pagerDuty, *admin.Admin, *redis.Client) {
	t.Helper()
	srv := storetest.StartRedis(t)
	integ := noctuary.Integration{ID: "default", Environment: "prod", Direction: noctuary.DirectionBidirectional,
		Token: testPDToken, ExtraTokens: []noctuary.Secret{testPDToken2}, From: "noctuary@example.com", APIURL: fake.URL}
	st, err := store.Open(context.Background(), srv.URL, store.Options{Integrations: []noctuary.Integration{integ}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	cfg := &config.Config{PagerDutyRateLimit: 600_000, MasterKey: bytes.Repeat([]byte{9}, 32)}
	pager, adm, _ := newPagerAdmin(cfg, st, slog.New(slog.DiscardHandler), nil, time.Now)
	opt, err := redis.ParseURL(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	return pager, adm, rdb
}

// warmPager is newPagerOnRedis with one note posted (the key record's
// first_seen set, the scripts loaded) and Redis's command statistics reset
// after it, and a context for the test's calls.
func warmPager(t *testing.T, fake *pdtest.Server) (*pagerDuty, *admin.Admin, *redis.Client, context.Context) {
	t.Helper()
	pager, adm, rdb := newPagerOnRedis(t, fake)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	if err := pager.AddNote(ctx, "default", "Q1", "first"); err != nil {
		t.Fatal(err)
	}
	if err := rdb.ConfigResetStat(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	return pager, adm, rdb, ctx
}

// noteDuringRotation posts note to incident Q2 with pager while adm rotates
// the main key of integration prod to key, as another replica would,
// between the note's read of the key record and PagerDuty's answer.
func noteDuringRotation(t *testing.T, ctx context.Context, fake *pdtest.Server, pager *pagerDuty, adm *admin.Admin, note string, key noctuary.Secret) {
	t.Helper()
	rotated := make(chan error, 1)
	fake.OnNote(func(pdtest.Note) {
		fake.OnNote(nil)
		rotated <- adm.RotateKey(ctx, "alice@example.com", "prod", key)
	})
	if err := pager.AddNote(ctx, "default", "Q2", note); err != nil {
		t.Fatal(err)
	}
	if err := <-rotated; err != nil {
		t.Fatalf("rotating: %v", err)
	}
}

// commandStats returns how many times Redis ran each command since its
// last CONFIG RESETSTAT (INFO commandstats; commands a script runs count
// too), INFO and CONFIG RESETSTAT left out.
func commandStats(t *testing.T, rdb *redis.Client) map[string]int {
	t.Helper()
	info, err := rdb.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for line := range strings.Lines(info) {
		name, rest, ok := strings.Cut(strings.TrimPrefix(line, "cmdstat_"), ":calls=")
		if n, _, _ := strings.Cut(rest, ","); ok && name != "info" && name != "config|resetstat" {
			out[name], _ = strconv.Atoi(n)
		}
	}
	return out
}

// TestRotationDuringCallNotConfirmedByIt: the main key is rotated while a
// note is on its way with the old key (as by another replica, between the
// note's read of the key record and PagerDuty's answer). The note's success
// does not confirm the rotated key, which it did not use: the rotation
// stays pending, with the old key to fall back to, until a note goes with
// the rotated key and confirms it. And a call that found no
// rotation pending confirms nothing: with 10 notes, Redis runs 2 scripts a
// call (the key record, the budget), not 3.
func TestRotationDuringCallNotConfirmedByIt(t *testing.T) {
	fake := pdtest.New(t, testPDToken)
	fake.AddToken(testPDToken2)
	fake.AddToken("pd-rotated-key")
	pager, adm, rdb, ctx := warmPager(t, fake)
	for i := range 10 {
		if err := pager.AddNote(ctx, "default", "Q1", fmt.Sprintf("note %d", i)); err != nil {
			t.Fatalf("note %d: %v", i, err)
		}
	}
	if n := commandStats(t, rdb)["evalsha"]; n != 20 {
		t.Errorf("Redis ran %d scripts for 10 notes; want 20 (no confirmation without a pending rotation)", n)
	}
	noteDuringRotation(t, ctx, fake, pager, adm, "during the rotation", "pd-rotated-key")
	current, previous, pending, err := adm.Tokens(ctx, "default")
	if err != nil || current != "pd-rotated-key" || previous != testPDToken || !pending {
		t.Errorf("after a note that went with the old key: pending %v, %v; want the rotation pending, the old key its fallback", pending, err)
	}
	if err := pager.AddNote(ctx, "default", "Q3", "with the rotated key"); err != nil {
		t.Fatal(err)
	}
	if _, _, pending, err := adm.Tokens(ctx, "default"); pending || err != nil {
		t.Errorf("after a note with the rotated key: pending %v, %v; want it confirmed", pending, err)
	}
	if notes := fake.Notes("Q3"); len(notes) != 1 || notes[0].Auth != "Token token=pd-rotated-key" {
		t.Errorf("notes of Q3 %+v; want one, with the rotated key", notes)
	}
}

// TestSecondRotationDuringCallNotConfirmedByIt: the main key is rotated
// while a rotation is pending and a note is on its way with its key (as by
// another replica). The note, which went with the first rotated key,
// does not confirm the second one it never used: when PagerDuty then
// refuses the second key, notes still go with the last confirmed key.
func TestSecondRotationDuringCallNotConfirmedByIt(t *testing.T) {
	fake := pdtest.New(t, testPDToken)
	fake.AddToken("pd-rotated-key")
	fake.AddToken("pd-rotated-again")
	pager, adm, _, ctx := warmPager(t, fake)
	if err := adm.RotateKey(ctx, "alice@example.com", "prod", "pd-rotated-key"); err != nil {
		t.Fatal(err)
	}
	noteDuringRotation(t, ctx, fake, pager, adm, "during the second rotation", "pd-rotated-again")
	current, previous, pending, err := adm.Tokens(ctx, "default")
	if err != nil || current != "pd-rotated-again" || previous != testPDToken || !pending {
		t.Errorf("after a note with the first rotated key: pending %v, %v; want the second rotation pending, the configured key its fallback", pending, err)
	}
	fake.RemoveToken("pd-rotated-again")
	if err := pager.AddNote(ctx, "default", "Q3", "the second rotated key refused"); err != nil {
		t.Fatalf("a note once PagerDuty refuses the unconfirmed key: %v; want it posted with the configured key", err)
	}
	if notes := fake.Notes("Q3"); len(notes) != 1 || notes[0].Auth != "Token token="+testPDToken {
		t.Errorf("notes of Q3 %+v; want one, with the configured key", notes)
	}
}

// TestRotatedReadOnlyKeyFallsBack: the main key is rotated to a read-only
// key, which passes the rotation's check (GET /abilities) and is refused
// 403 at the first write. The note goes with the previous key, and the
// rotation stays pending, with that key to fall back to, instead of every
// note failing as forbidden until someone rotates again.
func TestRotatedReadOnlyKeyFallsBack(t *testing.T) {
	fake := pdtest.New(t, testPDToken)
	fake.AddReadOnlyToken("pd-read-only-key")
	pager, adm, _, ctx := warmPager(t, fake)
	if err := adm.RotateKey(ctx, "alice@example.com", "prod", "pd-read-only-key"); err != nil {
		t.Fatal(err)
	}
	for _, incident := range []string{"Q2", "Q3"} {
		if err := pager.AddNote(ctx, "default", incident, "after the rotation"); err != nil {
			t.Fatalf("note to %s with a read-only rotated key: %v; want it posted with the previous key", incident, err)
		}
		if notes := fake.Notes(incident); len(notes) != 1 || notes[0].Auth != "Token token="+testPDToken {
			t.Errorf("notes of %s %+v; want one, with the previous key", incident, notes)
		}
	}
	if _, previous, pending, err := adm.Tokens(ctx, "default"); !pending || previous != testPDToken || err != nil {
		t.Errorf("after notes the rotated key could not write: pending %v, %v; want the rotation pending, the previous key its fallback", pending, err)
	}
}

// BenchmarkAddNoteExtraKey: one caller posts notes through the PagerDuty
// client factory of an integration with an extra key (fake PagerDuty, real
// redis-server): the Redis round trips of a call besides the request's.
func BenchmarkAddNoteExtraKey(b *testing.B) {
	fake := pdtest.New(b, testPDToken)
	fake.AddToken(testPDToken2)
	pager, _, _ := newPagerOnRedis(b, fake)
	ctx := context.Background()
	for b.Loop() {
		if err := pager.AddNote(ctx, "default", "Q1", "note"); err != nil {
			b.Fatal(err)
		}
	}
}
