package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/admin"
)

const (
	newToken   = noctuary.Secret("new-token-do-not-leak")
	newerToken = noctuary.Secret("newer-token-do-not-leak")
	badToken   = noctuary.Secret("bad-token-do-not-leak")
	downToken  = noctuary.Secret("down-token-do-not-leak")
)

func rotationOptions() admin.Options {
	return admin.Options{MasterKey: masterKey, Checker: checker{valid: map[noctuary.Secret]bool{newToken: true, newerToken: true}}}
}

func TestKeys(t *testing.T) {
	eachKind(t, admin.Options{RotationPeriod: 30 * 24 * time.Hour, MasterKey: masterKey, Checker: rotationOptions().Checker}, func(t *testing.T, e env) {
		ctx := context.Background()
		must[[]noctuary.KeyStatus](t)(e.Keys(ctx)) // first seen at t0
		e.clock.Add(10 * 24 * time.Hour)
		if err := e.RotateKey(ctx, "api", "prod", newToken); err != nil {
			t.Fatal(err)
		}
		e.clock.Add(24 * time.Hour)
		rotated := t0.Add(10 * 24 * time.Hour)
		want := []noctuary.KeyStatus{
			{Environment: "default", Integration: "default", Age: 11 * 24 * time.Hour, DueAt: t0.Add(30 * 24 * time.Hour)},
			{Environment: "prod", Integration: "prod", Age: 24 * time.Hour, RotatedAt: rotated, DueAt: rotated.Add(30 * 24 * time.Hour), Pending: true},
		}
		got := must[[]noctuary.KeyStatus](t)(e.Keys(ctx))
		if len(got) != 2 || got[0].Age != want[0].Age || !got[0].DueAt.Equal(want[0].DueAt) || !got[0].RotatedAt.IsZero() || got[0].Pending || !got[1].RotatedAt.Equal(want[1].RotatedAt) || got[1].Age != want[1].Age ||
			!got[1].DueAt.Equal(want[1].DueAt) || !got[1].Pending {
			t.Errorf("Keys = %+v\nwant %+v", got, want)
		}
	})
}

func TestRotateKeyRefusals(t *testing.T) {
	tests := []struct {
		name  string
		opt   admin.Options
		env   string
		token noctuary.Secret
		code  string
		msg   string
	}{
		{"no master key", admin.Options{Checker: rotationOptions().Checker}, "prod", newToken, noctuary.EInvalid,
			"key rotation needs NOCTUARY_MASTER_KEY (32 random bytes, base64) to store keys encrypted"},
		{"key refused by PagerDuty", rotationOptions(), "prod", badToken, noctuary.EInvalid,
			"PagerDuty did not accept the new key for environment prod; the current key stays in use"},
		{"PagerDuty unreachable", rotationOptions(), "prod", downToken, noctuary.EUnavailable,
			"PagerDuty did not answer the check of the new key for environment prod (unreachable, failing or rate limited); the current key stays in use."},
		{"empty key", rotationOptions(), "prod", " ", noctuary.EInvalid, "the new PagerDuty key is empty"},
		{"unknown environment", rotationOptions(), "qa", newToken, noctuary.ENotFound, `no PagerDuty integration is configured for environment "qa"`},
		{"no checker", admin.Options{MasterKey: masterKey}, "prod", newToken, noctuary.EInvalid, "key rotation needs a PagerDuty key checker; none is configured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachKind(t, tt.opt, func(t *testing.T, e env) {
				ctx := context.Background()
				err := e.RotateKey(ctx, "slack:U0ADMIN", tt.env, tt.token)
				wantErr(t, err, tt.code, tt.msg)
				if tok := must[noctuary.Secret](t)(e.Token(ctx, "prod")); tok != configToken {
					t.Error("a refused rotation changed the token")
				}
				entries := e.audit(t)
				if len(entries) != 1 || entries[0].Action != admin.ActionKeyRotate || entries[0].Result != tt.code {
					t.Errorf("audit = %+v", entries)
				}
				leaks(t, e, err, entries, tt.token)
			})
		})
	}
}

func TestRotateKeyKeepsTheOldKeyUntilTheNewOneWorked(t *testing.T) {
	eachKind(t, rotationOptions(), func(t *testing.T, e env) {
		ctx := context.Background()
		if _, _, pending, err := e.Tokens(ctx, "prod"); pending || err != nil {
			t.Fatalf("Tokens before rotation: pending %v, %v", pending, err)
		}
		rotate := func(tok noctuary.Secret, wantFallback noctuary.Secret) {
			t.Helper()
			if err := e.RotateKey(ctx, "slack:U0ADMIN", "prod", tok); err != nil {
				t.Fatal(err)
			}
			if got := must[noctuary.Secret](t)(e.Token(ctx, "prod")); got != tok {
				t.Error("Token does not return the rotated key")
			}
			current, previous, pending, err := e.Tokens(ctx, "prod")
			if err != nil || !pending || current != tok || previous != wantFallback {
				t.Errorf("Tokens: pending %v, %v; want the rotated key, pending, and the previous key", pending, err)
			}
		}
		rotate(newToken, configToken)
		rotate(newerToken, configToken)                                      // newToken never worked: the configured key stays the fallback
		must[struct{}](t)(struct{}{}, e.ConfirmToken(ctx, "prod", newToken)) // rotated since: not confirmed, not audited
		if _, _, pending, _ := e.Tokens(ctx, "prod"); !pending {
			t.Error("ConfirmToken with a key rotated away confirmed the current one")
		}
		if err := e.ConfirmToken(ctx, "prod", newerToken); err != nil {
			t.Fatal(err)
		}
		if current, previous, pending, _ := e.Tokens(ctx, "prod"); pending || current != newerToken || previous != "" {
			t.Error("Tokens after ConfirmToken: still pending, or not the confirmed key alone")
		}
		must[struct{}](t)(struct{}{}, e.ConfirmToken(ctx, "prod", newerToken)) // nothing to confirm: not audited
		rotate(newToken, newerToken)
		if got := must[noctuary.Secret](t)(e.Token(ctx, "default")); got != "default-token" {
			t.Error("another integration's token changed")
		}
		entries := e.audit(t)
		if len(entries) != 4 || entries[1].Action != admin.ActionKeyConfirm || entries[1].Actor != "noctuary" {
			t.Errorf("audit = %+v", entries)
		}
		leaks(t, e, nil, entries, newToken, newerToken)
	})
}

func TestTokenNeedsTheRightMasterKey(t *testing.T) {
	eachKind(t, rotationOptions(), func(t *testing.T, e env) {
		ctx := context.Background()
		if err := e.RotateKey(ctx, "api", "prod", newToken); err != nil {
			t.Fatal(err)
		}
		other := admin.New(admin.Options{Store: e.store, MasterKey: bytes.Repeat([]byte{8}, 32)})
		_, err := other.Token(ctx, "prod")
		wantErr(t, err, noctuary.EInvalid, "the rotated PagerDuty key of integration prod cannot be decrypted; is NOCTUARY_MASTER_KEY the key it was stored with?")
		_, err = admin.New(admin.Options{Store: e.store}).Token(ctx, "prod")
		wantErr(t, err, noctuary.EInvalid, "the rotated PagerDuty key of integration prod is stored encrypted, but NOCTUARY_MASTER_KEY is not set")
		_, err = e.Token(ctx, "nope")
		wantErr(t, err, noctuary.ENotFound, "")
	})
}

// leaks fails when a token appears in an error, the audit log or the logs.
func leaks(t *testing.T, e env, err error, entries []noctuary.AuditEntry, tokens ...noctuary.Secret) {
	t.Helper()
	b, _ := json.Marshal(entries)
	text := string(b) + e.logs.String()
	if err != nil {
		text += err.Error()
	}
	for _, tok := range tokens {
		if strings.TrimSpace(tok.Reveal()) != "" && strings.Contains(text, tok.Reveal()) {
			t.Errorf("%q leaked: %s", tok.Reveal(), text)
		}
	}
}
