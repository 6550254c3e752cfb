package actions_test

import (
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/agent/actions"
)

func TestVerify(t *testing.T) {
	body := []byte(`{"action":"rollback"}`)
	good := actions.Sign(secret, "1795400400", body)
	tests := []struct {
		name      string
		secret    noctuary.Secret
		ts        string
		body      string
		signature string
		ok        bool
	}{
		{"valid", secret, "1795400400", string(body), good, true},
		{"valid with spaces", secret, "1795400400", string(body), " " + good + " ", true},
		{"other secret", "other", "1795400400", string(body), good, false},
		{"empty secret", "", "1795400400", string(body), good, false},
		{"other timestamp", secret, "1795400401", string(body), good, false},
		{"missing timestamp", secret, "", string(body), good, false},
		{"tampered body", secret, "1795400400", `{"action":"drop"}`, good, false},
		{"no prefix", secret, "1795400400", string(body), good[3:], false},
		{"v0 prefix", secret, "1795400400", string(body), "v0=" + good[3:], false},
		{"not hex", secret, "1795400400", string(body), "v1=zz", false},
		{"empty", secret, "1795400400", string(body), "", false},
		{"truncated", secret, "1795400400", string(body), good[:20], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := actions.Verify(tt.secret, tt.ts, []byte(tt.body), tt.signature)
			if (err == nil) != tt.ok {
				t.Fatalf("Verify = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && noctuary.ErrorCode(err) != noctuary.EUnauthorized {
				t.Errorf("code = %q", noctuary.ErrorCode(err))
			}
		})
	}
}

// FuzzVerify checks that Verify never panics on untrusted headers and
// accepts exactly the signature that Sign computes.
func FuzzVerify(f *testing.F) {
	f.Add("1795400400", []byte(`{"action":"rollback"}`), "v1=00")
	f.Fuzz(func(t *testing.T, ts string, body []byte, signature string) {
		want := actions.Sign(secret, ts, body)
		err := actions.Verify(secret, ts, body, signature)
		if err == nil && strings.ToLower(strings.TrimSpace(signature)) != want {
			t.Fatalf("Verify accepted %q; the signature is %q", signature, want)
		}
		if ts != "" && actions.Verify(secret, ts, body, want) != nil {
			t.Fatalf("Verify rejected Sign's signature")
		}
	})
}
