package pd

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
)

func sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

func TestVerifySignature(t *testing.T) {
	body := []byte(`{"event":{"id":"01DEMO","event_type":"pagey.ping"}}`)
	cur, old := noctuary.Secret("current-secret"), noctuary.Secret("old-secret")
	good, oldSig := sign("current-secret", body), sign("old-secret", body)
	other := sign("someone-else", body)
	tests := []struct {
		name    string
		header  string
		secrets []noctuary.Secret
		ok      bool
	}{
		{"single match", good, []noctuary.Secret{cur}, true},
		{"rotation: second of two signatures", other + "," + good, []noctuary.Secret{cur}, true},
		{"spaces after commas", other + ", " + good, []noctuary.Secret{cur}, true},
		{"surrounding spaces", "  " + good + "  ", []noctuary.Secret{cur}, true},
		{"rotation: old secret still valid", oldSig, []noctuary.Secret{cur, old}, true},
		{"unknown versions ignored", "v0=abcd, v2=" + good[3:] + ", " + good, []noctuary.Secret{cur}, true},
		{"uppercase hex", "v1=" + strings.ToUpper(good[3:]), []noctuary.Secret{cur}, true},
		{"missing header", "", []noctuary.Secret{cur}, false},
		{"blank header", "   ", []noctuary.Secret{cur}, false},
		{"no v1 entry", "v2=" + good[3:], []noctuary.Secret{cur}, false},
		{"not hex", "v1=zz", []noctuary.Secret{cur}, false},
		{"truncated signature", good[:20], []noctuary.Secret{cur}, false},
		{"wrong secret", other, []noctuary.Secret{cur, old}, false},
		{"no secrets", good, nil, false},
		{"only empty secrets", sign("", body), []noctuary.Secret{""}, false},
		{"signature of another body", sign("current-secret", []byte("{}")), []noctuary.Secret{cur}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifySignature(body, tt.header, tt.secrets)
			if tt.ok {
				if err != nil {
					t.Fatalf("VerifySignature: %v", err)
				}
				return
			}
			wantCode(t, err, noctuary.EUnauthorized)
			if msg := noctuary.ErrorMessage(err); !strings.HasSuffix(msg, ".") || strings.Contains(msg, "secret-") {
				t.Errorf("message %q is not a clean sentence", msg)
			}
		})
	}
}

// FuzzVerifySignature checks that no header panics, that only a header holding
// the right signature verifies, and that appending the right signature to any
// header makes it verify.
func FuzzVerifySignature(f *testing.F) {
	secrets := []noctuary.Secret{"current-secret", "old-secret"}
	f.Add([]byte(`{"event":{}}`), sign("current-secret", []byte(`{"event":{}}`)))
	f.Fuzz(func(t *testing.T, body []byte, header string) {
		err := VerifySignature(body, header, secrets)
		if err != nil && noctuary.ErrorCode(err) != noctuary.EUnauthorized {
			t.Fatalf("error code %q", noctuary.ErrorCode(err))
		}
		lower := strings.ToLower(header)
		valid := strings.Contains(lower, sign("current-secret", body)[3:]) || strings.Contains(lower, sign("old-secret", body)[3:])
		if err == nil && !valid {
			t.Fatalf("header %q verified without the right signature", header)
		}
		if err := VerifySignature(body, header+","+sign("old-secret", body), secrets); err != nil {
			t.Fatalf("valid signature appended to %q refused: %v", header, err)
		}
	})
}
