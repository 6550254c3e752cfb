package pd

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/pd/pdtest"
)

// TestRequestsCountedByKey: an integration has a main key and two extra
// keys, of which PagerDuty refuses the second (revoked). Its requests are
// counted by the key's place in the configuration ("main", "extra-1",
// "extra-2"), never by anything derived from the key: 6 notes go with the
// main key and the first extra key, and the refused key's one request is a
// 4xx of "extra-2".
func TestRequestsCountedByKey(t *testing.T) {
	const thirdToken = "u+pd-THIRD-00aa11bb22cc33dd"
	srv := pdtest.New(t, testToken)
	srv.AddToken(secondToken)
	reg := prometheus.NewRegistry()
	c, err := NewClient(noctuary.Integration{ID: "prod", Direction: noctuary.DirectionBidirectional, Token: testToken,
		ExtraTokens: []noctuary.Secret{secondToken, thirdToken}, From: testFrom, APIURL: srv.URL},
		ClientOptions{Metrics: NewMetrics(reg), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 6 {
		if _, err := c.AddNote(ctx, "Q1", fmt.Sprintf("note %d", i)); err != nil {
			t.Fatalf("note %d: %v", i, err)
		}
	}
	got := map[string]float64{}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "noctuary_pagerduty_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			got[strings.Join(labels, " ")] = m.GetCounter().GetValue()
		}
	}
	post := "op=POST /incidents/{id}/notes"
	main, extra1 := got["key=main "+post+" status=2xx"], got["key=extra-1 "+post+" status=2xx"]
	if len(got) != 3 || main == 0 || extra1 == 0 || main+extra1 != 6 || got["key=extra-2 "+post+" status=4xx"] != 1 {
		t.Errorf("counted %v; want 6 notes posted with key=main and key=extra-1 (both), one 4xx of key=extra-2, nothing else", got)
	}
}

// TestKeyLabel: a key's label is its place, bounded: extra keys past the
// ninth share one label.
func TestKeyLabel(t *testing.T) {
	tests := []struct {
		k     int
		oauth bool
		want  string
	}{
		{0, false, "main"}, {1, false, "extra-1"}, {9, false, "extra-9"}, {10, false, "extra-more"},
		{40, false, "extra-more"}, {0, true, "oauth"},
	}
	for _, tt := range tests {
		if got := keyLabel(tt.k, tt.oauth); got != tt.want {
			t.Errorf("keyLabel(%d, %v) = %q; want %q", tt.k, tt.oauth, got, tt.want)
		}
	}
}
