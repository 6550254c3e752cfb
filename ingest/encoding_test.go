package ingest_test

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"testing"
	"time"

	"github.com/noctuary/noctuary/store/storetest"
)

// TestEventsCompressedBody: a compressed body (Content-Encoding other than
// identity) is refused with a sentence naming the header, on /v1/events and
// the sources alike, rather than read as broken JSON; nothing is stored.
func TestEventsCompressedBody(t *testing.T) {
	e := sourceEnv(t, storetest.NewClock(time.Now()), amSource("service"))
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	_, _ = w.Write([]byte(eventJSON("gz-1", "checkout")))
	_ = w.Close()
	const want = "The body is compressed (Content-Encoding: gzip); send it uncompressed, as JSON."
	for _, tc := range []struct{ name, path, encoding string }{
		{"events gzip", "/v1/events", "gzip"},
		{"events GZIP", "/v1/events", "GZIP"},
		{"alertmanager", "/v1/events/alertmanager", "gzip"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := bearer(tokenAll)
			h["Content-Type"], h["Content-Encoding"] = "application/json", tc.encoding
			r := do(t, http.MethodPost, e.url+tc.path, gz.Bytes(), h)
			check(t, r, http.StatusBadRequest, "invalid")
			if r.body["error"] != want && tc.encoding == "gzip" {
				t.Errorf("error %q, want %q", r.body["error"], want)
			}
		})
	}
	h := bearer(tokenAll)
	h["Content-Encoding"] = "identity"
	check(t, do(t, http.MethodPost, e.url+"/v1/events", []byte(eventJSON("id-1", "checkout")), h), http.StatusAccepted, "")
	if n := len(storedEvents(t, e.store, "checkout")); n != 1 {
		t.Errorf("%d events stored, want the identity one only", n)
	}
}
