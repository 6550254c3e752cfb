package pd

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/noctuary/noctuary"
)

// SignatureHeader is the header carrying PagerDuty's webhook signatures.
const SignatureHeader = "X-PagerDuty-Signature"

const signaturePrefix = "v1="

// VerifySignature checks header, the value of X-PagerDuty-Signature, against
// body, the raw request body: it accepts when any v1 signature in the header
// is the HMAC-SHA256 of body under any of secrets (several secrets are valid
// during a rotation). Comparisons are constant time. A missing header, a
// header without a v1 signature, no matching signature, or no usable secret
// all give an *noctuary.Error with code EUnauthorized: verification is never
// skipped.
//
// go-pagerduty's webhookv3.VerifySignature is not used because it splits the
// header on "," without trimming spaces (so "v1=aa, v1=bb" fails on the second
// entry), checks a single secret (a rotation would need one call per secret,
// re-reading the body each time), takes an *http.Request whose body it
// re-reads through its own 2 MiB limit (ours is 1 MiB, applied by ingest
// before verification), and its errors suggest 400/403 where the ingest
// contract answers 401.
func VerifySignature(body []byte, header string, secrets []noctuary.Secret) error {
	macs := expectedMACs(body, secrets)
	if len(macs) == 0 {
		return noctuary.Errorf(noctuary.EUnauthorized, "This integration has no webhook signing secret configured, so no webhook can be verified.")
	}
	if strings.TrimSpace(header) == "" {
		return noctuary.Errorf(noctuary.EUnauthorized, "The %s header is missing; PagerDuty webhooks must be signed.", SignatureHeader)
	}
	sigs := parseSignatures(header)
	if len(sigs) == 0 {
		return noctuary.Errorf(noctuary.EUnauthorized, "The %s header holds no v1=<hex> signature.", SignatureHeader)
	}
	for _, sig := range sigs {
		for _, mac := range macs {
			if hmac.Equal(sig, mac) {
				return nil
			}
		}
	}
	return noctuary.Errorf(noctuary.EUnauthorized, "The webhook signature does not match the integration's signing secret.")
}

// expectedMACs returns the HMAC-SHA256 of body under each non-empty secret. An
// empty secret is skipped: anyone can sign with an empty key.
func expectedMACs(body []byte, secrets []noctuary.Secret) [][]byte {
	macs := make([][]byte, 0, len(secrets))
	for _, s := range secrets {
		if s.IsZero() {
			continue
		}
		m := hmac.New(sha256.New, []byte(s.Reveal()))
		m.Write(body)
		macs = append(macs, m.Sum(nil))
	}
	return macs
}

// parseSignatures returns the decoded v1 signatures of a comma-separated
// header, ignoring other versions and entries that are not hex.
func parseSignatures(header string) [][]byte {
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		hexSig, ok := strings.CutPrefix(strings.TrimSpace(part), signaturePrefix)
		if !ok {
			continue
		}
		sig, err := hex.DecodeString(strings.TrimSpace(hexSig))
		if err != nil || len(sig) != sha256.Size {
			continue
		}
		sigs = append(sigs, sig)
	}
	return sigs
}
