package sources_test

import (
	"net/http"
	"testing"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/ingest/sources"
)

// checkTranslation fails unless a translation that succeeded gives events
// that pass the ingest validation but for their dates, and an error that
// failed carries a code.
func checkTranslation(t *testing.T, res sources.Result, err error) {
	t.Helper()
	if err != nil {
		if code := noctuary.ErrorCode(err); code == noctuary.EInternal || noctuary.ErrorMessage(err) == "" {
			t.Fatalf("error without a code or sentence: %v", err)
		}
		return
	}
	if res.Unmapped == nil {
		t.Fatal("Unmapped is nil")
	}
	for _, ev := range res.Events {
		at := ev.OccurredAt
		if err := ev.Validate(at); err != nil && !at.IsZero() {
			t.Fatalf("event %+v is invalid: %v", ev, err)
		}
	}
}

func FuzzAlertmanager(f *testing.F) {
	am := sources.Alertmanager{ServiceLabel: "job"}
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := am.Translate(http.Header{}, body)
		checkTranslation(t, res, err)
	})
}
