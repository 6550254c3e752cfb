package sources

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
)

// Result is one payload translated: the events of the items that map to a
// service, and a name for each item that maps to none.
type Result struct {
	Events []noctuary.ContextEvent `json:"events"`
	// Unmapped names the items left out because they map to no service
	// ("alert HighLatency: no label service"); never nil.
	Unmapped []string `json:"unmapped"`
}

// newResult returns an empty Result whose Unmapped is not nil, so that the
// answer lists [] rather than null.
func newResult() Result { return Result{Unmapped: []string{}} }

// Clip returns s cut to at most n bytes without splitting a UTF-8 sequence,
// with "…" at the end when it was cut, so that a long tool message still
// makes a valid event.
func Clip(s string, n int) string { return noctuary.Cut(s, n, "…") }

// ServiceKey returns v as a service key, and false when it is not a valid
// one (the item is then unmapped rather than the payload refused).
func ServiceKey(v string) (string, bool) {
	v = strings.TrimSpace(v)
	return v, noctuary.ValidServiceKey(v)
}

// timeLayouts are the timestamp forms tools send: RFC 3339 with or without
// fractions, and the ISO 8601 offsets without a colon that PagerDuty uses
// (2020-07-17T08:42:58.315+0000).
// (Parsing takes fractional seconds whether or not a layout names them.)
var timeLayouts = []string{time.RFC3339, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05"}

// ParseTime parses a tool's timestamp: RFC 3339, or ISO 8601 with an offset
// like +0000, or without a zone (taken as UTC).
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, noctuary.Errorf(noctuary.EInvalid, "timestamp %q is not ISO 8601 (such as 2020-07-17T08:42:58.315+0000)", Clip(s, 40))
}

// fieldTime parses the timestamp of the payload's field name.
func fieldTime(name, s string) (time.Time, error) {
	t, err := ParseTime(s)
	if err != nil {
		return t, noctuary.Errorf(noctuary.EInvalid, "%s: %s", name, noctuary.ErrorMessage(err))
	}
	return t, nil
}

// hashID returns a short stable digest of parts, for event IDs of items that
// carry no ID of their own.
func hashID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// attrs returns the non-empty values of kv (key, value, key, value…) as an
// attribute map, each value clipped to the attribute limit.
func attrs(kv ...string) map[string]string {
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		if v := strings.TrimSpace(kv[i+1]); v != "" {
			m[kv[i]] = Clip(v, noctuary.MaxAttributeValueLen)
		}
	}
	return m
}

// decodeJSON decodes body into v, ignoring fields v lacks (they are the
// tool's business); what is the payload's name, for the error.
func decodeJSON(body []byte, what string, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return noctuary.Wrap(err, noctuary.EInvalid, fmt.Sprintf("The body is not a valid %s payload: %s.", what, jsonReason(err)))
	}
	return nil
}

// jsonReason explains a decoding error without encoding/json's Go type names.
func jsonReason(err error) string {
	var typeErr *json.UnmarshalTypeError
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("invalid JSON at byte %d", syntax.Offset)
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return "expected a JSON object, found " + typeErr.Value
		}
		return fmt.Sprintf("%s has the wrong type (%s)", typeErr.Field, typeErr.Value)
	}
	return "the body ends too early"
}

// firstURL returns the first of urls that can be an event's link (an
// absolute http(s) URL within the limit), or "".
func firstURL(urls ...string) string {
	for _, s := range urls {
		u, err := url.Parse(s)
		if err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && len(s) <= noctuary.MaxLinkLen {
			return s
		}
	}
	return ""
}
