package noctuary_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
)

func TestSecretNeverPrints(t *testing.T) {
	const value = "pd-key-Sup3rS3cret"
	s := noctuary.Secret(value)
	holder := struct {
		Token noctuary.Secret
	}{s}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "token", s, "holder", holder)
	js, err := json.Marshal(holder)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"%v":   fmt.Sprintf("%v", s),
		"%s":   fmt.Sprintf("%s", s),
		"%+v":  fmt.Sprintf("%+v", holder),
		"%#v":  fmt.Sprintf("%#v", holder),
		"json": string(js),
		"slog": logs.String(),
	}
	for name, out := range outputs {
		if strings.Contains(out, value) {
			t.Errorf("%s leaks the secret: %s", name, out)
		}
		if !strings.Contains(out, "[redacted]") {
			t.Errorf("%s does not say [redacted]: %s", name, out)
		}
	}
	if s.Reveal() != value {
		t.Errorf("Reveal() = %q", s.Reveal())
	}
}

func TestErrorCodeAndMessage(t *testing.T) {
	cause := fmt.Errorf("dial tcp 10.0.0.1:6379: connection refused")
	tests := []struct {
		err      error
		code     string
		message  string
		internal bool
	}{
		{nil, "", "", false},
		{noctuary.Errorf(noctuary.EInvalid, "kind is required"), noctuary.EInvalid, "kind is required", false},
		{fmt.Errorf("ctx: %w", noctuary.Wrap(cause, noctuary.EUnavailable, "the store is unavailable")), noctuary.EUnavailable, "the store is unavailable", false},
		{cause, noctuary.EInternal, "", true},
	}
	for _, tt := range tests {
		if got := noctuary.ErrorCode(tt.err); got != tt.code {
			t.Errorf("ErrorCode(%v) = %q, want %q", tt.err, got, tt.code)
		}
		msg := noctuary.ErrorMessage(tt.err)
		if tt.internal {
			if strings.Contains(msg, "10.0.0.1") {
				t.Errorf("internal error message leaks its cause: %q", msg)
			}
			continue
		}
		if msg != tt.message {
			t.Errorf("ErrorMessage(%v) = %q, want %q", tt.err, msg, tt.message)
		}
	}
}
