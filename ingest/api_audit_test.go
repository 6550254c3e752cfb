package ingest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// TestAdminAPIAudit: entries filtered by service, incident, actor and time,
// newest first, as JSON or exported as NDJSON.
func TestAdminAPIAudit(t *testing.T) {
	e := startAPI(t)
	ctx := context.Background()
	entries := []noctuary.AuditEntry{
		{Actor: "slack:U0ADMIN", Action: "service.enable", Service: "checkout", Result: "ok"},
		{Actor: "slack:U0ALICE", Action: "action.approve", Service: "checkout", Incident: "Q1ABCDEF", Result: "ok"},
		{Actor: "api:admin", Action: "service.mode", Service: "payments", Result: "ok"},
		{Actor: "slack:U0ALICE", Action: "triage.feedback", Service: "payments", Incident: "Q2PAY", Result: "right"},
	}
	var mid time.Time
	for i, en := range entries {
		if i == 2 {
			time.Sleep(5 * time.Millisecond) // entries' IDs are the times they were written
			mid = time.Now()
			time.Sleep(5 * time.Millisecond)
		}
		if _, err := e.store.Audit(ctx, en); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		query string
		want  []string // actions, newest first
	}{
		{"", []string{"triage.feedback", "service.mode", "action.approve", "service.enable"}},
		{"service=checkout", []string{"action.approve", "service.enable"}},
		{"incident=Q1ABCDEF", []string{"action.approve"}},
		{"actor=slack:U0ALICE", []string{"triage.feedback", "action.approve"}},
		{"actor=slack:U0ALICE&service=payments", []string{"triage.feedback"}},
		{"since=" + url.QueryEscape(mid.Format(time.RFC3339Nano)), []string{"triage.feedback", "service.mode"}},
		{"until=" + url.QueryEscape(mid.Format(time.RFC3339Nano)), []string{"action.approve", "service.enable"}},
		{"limit=1", []string{"triage.feedback"}},
		{"service=billing", nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := do(t, http.MethodGet, e.url+"/api/v1/audit?"+tt.query, nil, asAdmin(""))
			check(t, r, http.StatusOK, "")
			var got struct {
				Entries []noctuary.AuditEntry `json:"entries"`
			}
			if err := json.Unmarshal([]byte(r.raw), &got); err != nil || got.Entries == nil {
				t.Fatalf("answer %s (%v)", r.raw, err)
			}
			if a := actions(got.Entries); strings.Join(a, " ") != strings.Join(tt.want, " ") {
				t.Errorf("JSON: %v, want %v", a, tt.want)
			}
			for _, how := range []struct{ suffix, accept string }{{"&format=ndjson", ""}, {"", "application/x-ndjson"}} {
				h := asAdmin("")
				if how.accept != "" {
					h["Accept"] = how.accept
				}
				r := do(t, http.MethodGet, e.url+"/api/v1/audit?"+tt.query+how.suffix, nil, h)
				if a := ndjsonActions(t, r); r.status != http.StatusOK || strings.Join(a, " ") != strings.Join(tt.want, " ") {
					t.Errorf("NDJSON (%q %q): %d %v, want %v", how.suffix, how.accept, r.status, a, tt.want)
				}
			}
		})
	}
}

func actions(entries []noctuary.AuditEntry) []string {
	var out []string
	for _, en := range entries {
		out = append(out, en.Action)
	}
	return out
}

// ndjsonActions decodes an NDJSON answer, one entry a line.
func ndjsonActions(t *testing.T, r response) []string {
	t.Helper()
	var entries []noctuary.AuditEntry
	sc := bufio.NewScanner(strings.NewReader(r.raw))
	for sc.Scan() {
		var en noctuary.AuditEntry
		if err := json.Unmarshal(sc.Bytes(), &en); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		entries = append(entries, en)
	}
	return actions(entries)
}

func TestAdminAPIAuditInvalidInput(t *testing.T) {
	e := startAPI(t)
	tests := []struct{ query, msg string }{
		{"service=check%20out", `service "check out" is not a service key`},
		{"since=yesterday", "since must be an RFC 3339 time"},
		{"until=2026-11-23", "until must be an RFC 3339 time"},
		{"since=2026-11-23T02:00:00Z&until=2026-11-23T01:00:00Z", "until is before since"},
		{"limit=0", "limit must be a number from 1 to 1000."},
		{"limit=1001", "limit must be a number from 1 to 1000."},
		{"limit=ten", "limit must be a number from 1 to 1000."},
		{"format=ndjson&limit=-1", "limit must be a number from 1 to 1000."},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := do(t, http.MethodGet, e.url+"/api/v1/audit?"+tt.query, nil, asAdmin(""))
			check(t, r, http.StatusBadRequest, "invalid")
			if msg, _ := r.body["error"].(string); !strings.Contains(msg, tt.msg) {
				t.Errorf("error = %q, want it to hold %q", msg, tt.msg)
			}
		})
	}
}
