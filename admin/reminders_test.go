package admin_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/admin"
)

// dmRecorder is a fake Slack direct messenger; failing makes it refuse.
type dmRecorder struct {
	mu      sync.Mutex
	sent    []string // "user: text"
	failing bool
}

func (d *dmRecorder) DirectMessage(_ context.Context, user, text string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.failing {
		return errors.New("slack queue unavailable")
	}
	d.sent = append(d.sent, user+": "+text)
	return nil
}

func (d *dmRecorder) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.sent)
}

func TestRemindRotationsWeeklyUntilRotated(t *testing.T) {
	eachKind(t, rotationOptions(), func(t *testing.T, e env) {
		ctx := context.Background()
		dm := &dmRecorder{}
		admins := []string{"U0ADMIN", "U0SECOPS"}
		remind := func(want int) {
			t.Helper()
			before := dm.count()
			if _, err := e.RemindRotations(ctx, admins, dm); err != nil {
				t.Fatal(err)
			}
			if got := dm.count() - before; got != want {
				t.Fatalf("%d reminders sent at %s, want %d", got, e.clock.Now(), want)
			}
		}
		remind(0) // keys first seen at t0
		e.clock.Add(89 * 24 * time.Hour)
		remind(0)
		e.clock.Add(24 * time.Hour) // day 90: both keys due
		remind(4)
		remind(0)
		e.clock.Add(6 * 24 * time.Hour)
		remind(0)
		e.clock.Add(24 * time.Hour) // a week later
		remind(4)
		if err := e.RotateKey(ctx, "slack:U0ADMIN", "prod", newToken); err != nil {
			t.Fatal(err)
		}
		e.clock.Add(7 * 24 * time.Hour)
		remind(2) // only default's key is still due
		if !strings.Contains(dm.sent[len(dm.sent)-1], "integration `default`") {
			t.Errorf("last reminder %q, want default's", dm.sent[len(dm.sent)-1])
		}
		for _, s := range dm.sent {
			if strings.Contains(s, configToken.Reveal()) || strings.Contains(s, "default-token") {
				t.Errorf("a reminder holds the key: %q", s)
			}
		}
		if n := len(e.auditOf(t, admin.ActionRotationReminder)); n != 5 {
			t.Errorf("%d reminder audit entries, want 5", n)
		}
	})
}

func TestRemindRotationsRetriesWhatCouldNotBeQueued(t *testing.T) {
	eachKind(t, admin.Options{}, func(t *testing.T, e env) {
		ctx := context.Background()
		dm := &dmRecorder{failing: true}
		must[[]noctuary.KeyStatus](t)(e.Keys(ctx))
		e.clock.Add(91 * 24 * time.Hour)
		if _, err := e.RemindRotations(ctx, []string{"U0ADMIN"}, dm); err == nil {
			t.Fatal("no error while no reminder could be queued")
		}
		dm.failing = false
		sent := must[[]noctuary.CredentialAge](t)(e.RemindRotations(ctx, []string{"U0ADMIN"}, dm))
		if len(sent) != 2 || dm.count() != 2 {
			t.Errorf("after the queue is back: %d secrets, %d messages; want 2 and 2", len(sent), dm.count())
		}
	})
}

func TestCredentialAgesFollowTheSecret(t *testing.T) {
	eachKind(t, admin.Options{}, func(t *testing.T, e env) {
		ctx := context.Background()
		ages := must[[]noctuary.CredentialAge](t)(e.CredentialAges(ctx))
		if len(ages) != 2 || ages[0].Kind != noctuary.CredentialAPIKey || !ages[0].Since.Equal(t0) || !ages[0].DueAt.Equal(t0.Add(admin.DefaultRotationPeriod)) {
			t.Fatalf("ages = %+v", ages)
		}
		e.clock.Add(24 * time.Hour)
		since := must[time.Time](t)(e.store.SecretSince(ctx, "prod", noctuary.CredentialWebhookSecret, "fp1", e.clock.Now()))
		e.clock.Add(24 * time.Hour)
		again := must[time.Time](t)(e.store.SecretSince(ctx, "prod", noctuary.CredentialWebhookSecret, "fp1", e.clock.Now()))
		changed := must[time.Time](t)(e.store.SecretSince(ctx, "prod", noctuary.CredentialWebhookSecret, "fp2", e.clock.Now()))
		if !since.Equal(t0.Add(24*time.Hour)) || !again.Equal(since) || !changed.Equal(t0.Add(48*time.Hour)) {
			t.Errorf("since %s, again %s, changed %s: want a secret's first sighting, kept until it changes", since, again, changed)
		}
	})
}

// auditOf returns the audit entries of one action.
func (e env) auditOf(t *testing.T, action string) []noctuary.AuditEntry {
	t.Helper()
	var out []noctuary.AuditEntry
	for _, a := range e.audit(t) {
		if a.Action == action {
			out = append(out, a)
		}
	}
	return out
}

// TestReminderStatesTheAgeOfItsWeek: a reminder counted in a week states an
// age within that week, even when the clock moves while it is prepared
// (here a day at each reading; in Main's end-to-end test, a replica's test
// clock moved two days on). Reminded at day 96 for the week of days 90-96,
// a pass starting at day 96 has nothing new to say.
func TestReminderStatesTheAgeOfItsWeek(t *testing.T) {
	eachKind(t, rotationOptions(), func(t *testing.T, e env) {
		ctx := context.Background()
		dm := &dmRecorder{}
		must[[]noctuary.CredentialAge](t)(e.RemindRotations(ctx, []string{"U0ADMIN"}, dm)) // keys first seen at t0
		e.clock.Add(96 * 24 * time.Hour)
		if sent := must[[]noctuary.CredentialAge](t)(e.RemindRotations(ctx, []string{"U0ADMIN"}, dm)); len(sent) != 2 {
			t.Fatalf("reminded of %d keys at day 96, want 2", len(sent))
		}
		opt := rotationOptions()
		opt.Store, opt.Logger = e.store, slog.New(slog.DiscardHandler)
		opt.Now = func() time.Time {
			now := e.clock.Now()
			e.clock.Add(24 * time.Hour)
			return now
		}
		before := dm.count()
		must[[]noctuary.CredentialAge](t)(admin.New(opt).RemindRotations(ctx, []string{"U0ADMIN"}, dm))
		if dm.count() != before {
			t.Errorf("a pass starting at day 96 sent %q, want nothing (days 90-96 were reminded of)", dm.sent[before:])
		}
	})
}
