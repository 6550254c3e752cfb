package ingest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// TestAdminAPIPostmortem: the draft as Markdown by default, as JSON when
// asked, a 404 with a sentence before there is one, and 401 without the
// admin token.
func TestAdminAPIPostmortem(t *testing.T) {
	e := startAPI(t)
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Second)
	p := noctuary.Postmortem{ID: "pm_q1", Revision: 2, IncidentID: "Q1", Service: "checkout", Writer: "template",
		TriggeredAt: t0.Add(-10 * time.Minute), ResolvedAt: t0, CreatedAt: t0, CreatedBy: "noctuary",
		Timeline: []noctuary.TimelineEntry{{At: t0, Kind: noctuary.TimelineResolved, What: "Incident resolved"}},
		Markdown: "# Postmortem draft: Checkout 5xx\n\n## Timeline (UTC)\n"}
	if err := e.store.SavePostmortem(ctx, p); err != nil {
		t.Fatal(err)
	}
	url := e.url + "/api/v1/incidents/Q1/postmortem"
	tests := []struct {
		name    string
		url     string
		header  map[string]string
		status  int
		code    string
		ctype   string
		wantRaw string
	}{
		{name: "markdown by default", url: url, header: asAdmin(""), status: http.StatusOK, ctype: "text/markdown; charset=utf-8", wantRaw: p.Markdown},
		{name: "markdown asked", url: url, header: map[string]string{"Authorization": "Bearer " + tokenAdmin, "Accept": "text/markdown"}, status: http.StatusOK, ctype: "text/markdown; charset=utf-8", wantRaw: p.Markdown},
		{name: "json", url: url, header: map[string]string{"Authorization": "Bearer " + tokenAdmin, "Accept": "application/json"}, status: http.StatusOK, ctype: "application/json; charset=utf-8"},
		{name: "none yet", url: e.url + "/api/v1/incidents/Q2/postmortem", header: asAdmin(""), status: http.StatusNotFound, code: "not_found"},
		{name: "no token", url: url, header: map[string]string{"Accept": "application/json"}, status: http.StatusUnauthorized, code: "unauthorized"},
		{name: "wrong token", url: url, header: bearer("not-the-admin-token"), status: http.StatusUnauthorized, code: "unauthorized"},
		{name: "ingest token", url: url, header: bearer(tokenAll), status: http.StatusUnauthorized, code: "unauthorized"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, http.MethodGet, tc.url, nil, tc.header)
			check(t, r, tc.status, tc.code)
			if tc.ctype != "" && r.header.Get("Content-Type") != tc.ctype {
				t.Errorf("Content-Type %q, want %q", r.header.Get("Content-Type"), tc.ctype)
			}
			if tc.wantRaw != "" && r.raw != tc.wantRaw {
				t.Errorf("body %q, want %q", r.raw, tc.wantRaw)
			}
			if tc.status == http.StatusNotFound && !strings.Contains(r.body["error"].(string), "no postmortem draft yet") {
				t.Errorf("404 says %q", r.body["error"])
			}
		})
	}
	r := do(t, http.MethodGet, url, nil, map[string]string{"Authorization": "Bearer " + tokenAdmin, "Accept": "application/json"})
	var got noctuary.Postmortem
	if err := json.Unmarshal([]byte(r.raw), &got); err != nil || got.ID != "pm_q1" || got.Revision != 2 || got.Markdown != p.Markdown ||
		len(got.Timeline) != 1 || !got.ResolvedAt.Equal(t0) || got.ImpactWindow() != 10*time.Minute {
		t.Errorf("JSON draft %+v (%v) from %s", got, err, r.raw)
	}
}
