package ingest_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/noctuary/noctuary/pd"
	"github.com/noctuary/noctuary/store/storetest"
)

// TestSignedWebhookIsMarked: a signed webhook (a ping too) records when the
// integration last heard from PagerDuty, which the dashboard shows; a bad
// signature records nothing.
func TestSignedWebhookIsMarked(t *testing.T) {
	st := storetest.Open(t, "redis", storeOptions())
	e := startWith(t, st, serverOptions(st))
	ping := webhookBody("PING1", "pagey.ping")
	check(t, do(t, http.MethodPost, e.url+"/webhooks/pagerduty/prod", ping, map[string]string{pd.SignatureHeader: sign(ping, "wrong")}), http.StatusUnauthorized, "unauthorized")
	seen, err := st.WebhookTimes(context.Background())
	if err != nil || len(seen) != 0 {
		t.Fatalf("after a bad signature: %v, %v; want nothing marked", seen, err)
	}
	check(t, do(t, http.MethodPost, e.url+"/webhooks/pagerduty/prod", ping, map[string]string{pd.SignatureHeader: sign(ping, secretNew)}), http.StatusAccepted, "")
	seen, err = st.WebhookTimes(context.Background())
	if err != nil || seen["prod"].IsZero() {
		t.Fatalf("after a signed ping: %v, %v; want prod marked", seen, err)
	}
}
