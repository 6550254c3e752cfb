package actions

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/noctuary/noctuary"
)

// Headers of an action request.
const (
	HeaderTimestamp   = "X-Noctuary-Timestamp"
	HeaderSignature   = "X-Noctuary-Signature"
	HeaderIdempotency = "Idempotency-Key"
)

const signaturePrefix = "v1="

// Sign returns the X-Noctuary-Signature value of body sent at timestamp
// (unix seconds, as in X-Noctuary-Timestamp): "v1=" and the hex HMAC-SHA256
// of "<timestamp>.<body>" keyed with the action's secret.
func Sign(secret noctuary.Secret, timestamp string, body []byte) string {
	return signaturePrefix + hex.EncodeToString(mac(secret, timestamp, body))
}

// Verify checks an X-Noctuary-Signature header against the timestamp and
// raw body, in constant time. It returns an EUnauthorized error when the
// signature is missing, malformed or wrong, or when the secret is empty.
// Receivers should also reject timestamps far from their clock (replays).
func Verify(secret noctuary.Secret, timestamp string, body []byte, signature string) error {
	if secret.IsZero() {
		return noctuary.Errorf(noctuary.EUnauthorized, "no secret is configured to verify the action signature")
	}
	hexSig, ok := strings.CutPrefix(strings.TrimSpace(signature), signaturePrefix)
	if !ok || timestamp == "" {
		return noctuary.Errorf(noctuary.EUnauthorized, "the action request needs %s and a %s of the form v1=<hex>", HeaderTimestamp, HeaderSignature)
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || !hmac.Equal(got, mac(secret, timestamp, body)) {
		return noctuary.Errorf(noctuary.EUnauthorized, "the action signature does not match")
	}
	return nil
}

func mac(secret noctuary.Secret, timestamp string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret.Reveal()))
	h.Write([]byte(timestamp))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}
