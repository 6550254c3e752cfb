package sources_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/ingest/sources"
)

const ghSecret = "It's a Secret to Everybody"

var gh = sources.GitHub{Secret: ghSecret, Repositories: map[string]string{"codertocat/hello-world": "checkout"}}

// ghHeader is the header of a delivery of event with body, signed with secret.
func ghHeader(event string, body []byte, secret string) http.Header {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	h := http.Header{}
	h.Set("X-GitHub-Event", event)
	h.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	return h
}

// ghCase is a golden case of a signed delivery of event.
func ghCase(t *testing.T, event, name string, g sources.GitHub) goldenCase {
	body, err := os.ReadFile(filepath.Join("testdata", "github", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	golden := "github/" + name + ".golden.json"
	if g.Repositories == nil {
		golden = "github/" + name + "_unmapped.golden.json"
	}
	return goldenCase{payload: "github/" + name + ".json", golden: golden, header: ghHeader(event, body, ghSecret), translator: g}
}

func TestGitHubGolden(t *testing.T) {
	unmapped := sources.GitHub{Secret: ghSecret}
	runGolden(t, []goldenCase{
		ghCase(t, "deployment_status", "deployment_status_success", gh),
		ghCase(t, "deployment_status", "deployment_status_failure", gh),
		ghCase(t, "deployment_status", "deployment_status_in_progress", gh),
		ghCase(t, "deployment", "deployment", gh),
		ghCase(t, "release", "release_published", gh),
		ghCase(t, "push", "push_default_branch", gh),
		ghCase(t, "push", "push_tag_deleted", gh),
		ghCase(t, "ping", "ping", gh),
		ghCase(t, "deployment_status", "deployment_status_success", unmapped),
	})
}

// TestGitHubSignatureDocs checks the signature against GitHub's own example:
// https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
func TestGitHubSignatureDocs(t *testing.T) {
	h := http.Header{}
	h.Set("X-GitHub-Event", "issues")
	h.Set("X-Hub-Signature-256", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
	// Verified, then refused as not JSON.
	if _, err := gh.Translate(h, []byte("Hello, World!")); noctuary.ErrorCode(err) != noctuary.EInvalid {
		t.Fatalf("GitHub's documented signature: err = %v, want the body refused as not JSON", err)
	}
}

func TestGitHubRefused(t *testing.T) {
	body, err := os.ReadFile("testdata/github/deployment_status_success.json")
	if err != nil {
		t.Fatal(err)
	}
	signed := ghHeader("deployment_status", body, ghSecret)
	for _, tc := range []struct {
		name   string
		g      sources.GitHub
		header http.Header
		body   string
		code   string
		reason string
	}{
		{"no signature", gh, http.Header{"X-Github-Event": {"ping"}}, string(body), noctuary.EUnauthorized, "X-Hub-Signature-256 is missing"},
		{"other secret", gh, ghHeader("deployment_status", body, "another"), string(body), noctuary.EUnauthorized, "does not match"},
		{"not hex", gh, http.Header{"X-Hub-Signature-256": {"sha256=zz"}}, string(body), noctuary.EUnauthorized, "does not match"},
		{"sha1 only", gh, http.Header{"X-Hub-Signature": {"sha1=0000"}}, string(body), noctuary.EUnauthorized, "missing"},
		{"body changed", gh, signed, strings.Replace(string(body), "success", "failure", 1), noctuary.EUnauthorized, "does not match"},
		{"source off", sources.GitHub{}, signed, string(body), noctuary.ENotFound, "sources.github.secret"},
		{"no event header", gh, func() http.Header { h := signed.Clone(); h.Del("X-GitHub-Event"); return h }(), string(body), noctuary.EInvalid, "X-GitHub-Event"},
		{"form-encoded", gh, ghHeader("push", []byte("payload=%7B%7D"), ghSecret), "payload=%7B%7D", noctuary.EInvalid, "application/json"},
		{"not JSON", gh, ghHeader("push", []byte("{"), ghSecret), "{", noctuary.EInvalid, "not a valid GitHub push payload"},
		{"bad time", gh, ghHeader("release", []byte(`{"action":"published","repository":{"full_name":"a/b"},"release":{"published_at":"soon"}}`), ghSecret),
			`{"action":"published","repository":{"full_name":"a/b"},"release":{"published_at":"soon"}}`, noctuary.EInvalid, "release.published_at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.g.Translate(tc.header, []byte(tc.body))
			if noctuary.ErrorCode(err) != tc.code || !strings.Contains(noctuary.ErrorMessage(err), tc.reason) {
				t.Fatalf("err = %v (%s), want %s containing %q", err, noctuary.ErrorCode(err), tc.code, tc.reason)
			}
			if strings.Contains(err.Error(), ghSecret) {
				t.Fatal("the error shows the secret")
			}
		})
	}
}

func FuzzGitHub(f *testing.F) {
	f.Fuzz(func(t *testing.T, event string, body []byte) {
		res, err := gh.Translate(ghHeader(event, body, ghSecret), body)
		checkTranslation(t, res, err)
	})
}
