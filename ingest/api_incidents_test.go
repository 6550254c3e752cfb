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

// incidentFixture stores three incidents (Q1 first seen, Q3 last), Q1
// triaged, with a pending and a done approval and a vote, and checkout in
// action mode. It returns the pending approval's ID.
func incidentFixture(t *testing.T, e *apiEnv) string {
	t.Helper()
	ctx := context.Background()
	for _, id := range []string{"Q1", "Q2", "Q3"} {
		ev := noctuary.WebhookEvent{ID: "ev-" + id, Type: noctuary.EventIncidentTriggered, Integration: "prod", OccurredAt: time.Now(),
			Incident: noctuary.Incident{ID: id, Number: 100 + len(id), Title: "Checkout 5xx " + id, Status: "triggered", Urgency: "high"}}
		if _, err := e.store.UpdateIncident(ctx, ev, "checkout"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Millisecond) // the index orders by the millisecond first seen
	}
	tr := noctuary.Triage{ID: "tr_q1", Service: "checkout", Mode: noctuary.ModeReadOnly, Engine: "heuristic", Onset: time.Now(), CreatedAt: time.Now(),
		Incident:   noctuary.Incident{ID: "Q1", Title: "Checkout 5xx Q1", Status: "triggered"},
		Hypothesis: "Deploy sha=a4f2c1 rolled out 4 minutes before onset", Confidence: 0.94, Note: "Noctuary Context\nHypothesis: Deploy sha=a4f2c1",
		Signals: []noctuary.Signal{{Event: noctuary.ContextEvent{Service: "checkout", Kind: "deploy", Source: "argocd", OccurredAt: time.Now(), Summary: "rolled out"},
			Class: noctuary.ClassChange, Score: 0.9}},
		Recommendation: noctuary.Recommendation{Text: "Rollback to sha=f8b3e22", Action: "rollback", Params: map[string]string{"sha": "f8b3e22"}, Destructive: true},
	}
	if err := e.store.SaveTriage(ctx, tr); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"ap_done", "ap_pending"} {
		a := noctuary.Approval{ID: id, TriageID: tr.ID, IncidentID: "Q1", Service: "checkout", Action: "rollback", Destructive: true,
			Params: map[string]string{"sha": "f8b3e22"}, ExpiresAt: time.Now().Add(time.Hour)}
		if err := e.store.CreateApproval(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.store.RunApproval(ctx, "ap_done", "U0ALICE", "job-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.TransitionApproval(ctx, "ap_done", noctuary.ApprovalRunning, noctuary.ApprovalDone, "U0ALICE", "rollback succeeded: HTTP 200"); err != nil {
		t.Fatal(err)
	}
	if err := e.store.RecordFeedback(ctx, noctuary.Vote{Service: "checkout", TriageID: tr.ID, Engine: "heuristic", User: "U0BOBBOB", Right: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.UpdateService(ctx, "checkout", func(s *noctuary.Service) error {
		s.Enabled, s.Mode = true, noctuary.ModeAction
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return "ap_pending"
}

type incidentList struct {
	Incidents []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Triage *struct {
			ID, Hypothesis, Recommendation string
			Confidence                     float64
		} `json:"triage"`
	} `json:"incidents"`
	Total      int  `json:"total"`
	NextOffset *int `json:"next_offset"`
}

// TestAdminAPIIncidentList: newest first, with status and triage digest,
// paginated by limit and offset.
func TestAdminAPIIncidentList(t *testing.T) {
	e := startAPI(t)
	incidentFixture(t, e)
	tests := []struct {
		query string
		ids   string
		next  int // -1: none
	}{
		{"", "Q3 Q2 Q1", -1},
		{"limit=2", "Q3 Q2", 2},
		{"limit=2&offset=2", "Q1", -1},
		{"offset=3", "", -1},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := do(t, http.MethodGet, e.url+"/api/v1/incidents?"+tt.query, nil, asAdmin(""))
			check(t, r, http.StatusOK, "")
			var got incidentList
			if err := json.Unmarshal([]byte(r.raw), &got); err != nil || got.Incidents == nil || got.Total != 3 {
				t.Fatalf("answer %s (%v)", r.raw, err)
			}
			var ids []string
			for _, in := range got.Incidents {
				ids = append(ids, in.ID)
				if in.Status != "triggered" {
					t.Errorf("%s: status %q", in.ID, in.Status)
				}
				if (in.ID == "Q1") != (in.Triage != nil) {
					t.Errorf("%s: triage %+v", in.ID, in.Triage)
				}
				if in.Triage != nil && (in.Triage.ID != "tr_q1" || in.Triage.Confidence != 0.94 || in.Triage.Recommendation != "Rollback to sha=f8b3e22") {
					t.Errorf("triage digest %+v", in.Triage)
				}
			}
			if strings.Join(ids, " ") != tt.ids || (tt.next < 0) != (got.NextOffset == nil) || got.NextOffset != nil && *got.NextOffset != tt.next {
				t.Errorf("ids %v next %v, want %q next %d", ids, got.NextOffset, tt.ids, tt.next)
			}
		})
	}
}

// TestAdminAPIIncident: one incident with its note, signals, approvals,
// votes and the Slack message's blocks as posted (the pending approval is
// a button, the done one an outcome line).
func TestAdminAPIIncident(t *testing.T) {
	e := startAPI(t)
	pending := incidentFixture(t, e)
	r := do(t, http.MethodGet, e.url+"/api/v1/incidents/Q1", nil, asAdmin(""))
	check(t, r, http.StatusOK, "")
	var got struct {
		Triage struct {
			Note    string            `json:"note"`
			Signals []noctuary.Signal `json:"signals"`
		} `json:"triage"`
		Approvals []noctuary.Approval `json:"approvals"`
		Feedback  []struct {
			User  string `json:"user"`
			Right bool   `json:"right"`
		} `json:"feedback"`
		SlackBlocks []map[string]any `json:"slack_blocks"`
	}
	if err := json.Unmarshal([]byte(r.raw), &got); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.Triage.Note, "Noctuary Context") || len(got.Triage.Signals) != 1 {
		t.Errorf("triage note %q, %d signals", got.Triage.Note, len(got.Triage.Signals))
	}
	if len(got.Approvals) != 2 || got.Approvals[0].State != noctuary.ApprovalDone || got.Approvals[1].State != noctuary.ApprovalPending {
		t.Errorf("approvals %+v", got.Approvals)
	}
	if len(got.Feedback) != 1 || got.Feedback[0].User != "U0BOBBOB" || !got.Feedback[0].Right {
		t.Errorf("feedback %+v", got.Feedback)
	}
	blocks, _ := json.Marshal(got.SlackBlocks)
	for _, want := range []string{`"type":"header"`, "Checkout 5xx Q1", `"value":"` + pending + `"`, "Approve rollback", "rollback*: done"} {
		if !strings.Contains(string(blocks), want) {
			t.Errorf("Slack blocks lack %q: %s", want, blocks)
		}
	}
	if strings.Contains(string(blocks), `"value":"ap_done"`) {
		t.Errorf("the decided approval is still a button: %s", blocks)
	}

	r = do(t, http.MethodGet, e.url+"/api/v1/incidents/Q2", nil, asAdmin(""))
	if check(t, r, http.StatusOK, ""); !strings.Contains(r.raw, `"approvals":[]`) || !strings.Contains(r.raw, `"feedback":[]`) || strings.Contains(r.raw, "slack_blocks") {
		t.Errorf("untriaged incident: %s", r.raw)
	}
}

func TestAdminAPIIncidentInvalidInput(t *testing.T) {
	e := startAPI(t)
	tests := []struct {
		path   string
		status int
		code   string
		msg    string
	}{
		{"/incidents?limit=0", 400, "invalid", "limit must be a number from 1 to 100."},
		{"/incidents?limit=101", 400, "invalid", "limit must be a number from 1 to 100."},
		{"/incidents?offset=-1", 400, "invalid", "offset must be a number from 0."},
		{"/incidents?offset=first", 400, "invalid", "offset must be a number from 0."},
		{"/incidents/QNOPE", 404, "not_found", `incident "QNOPE" is not known`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := do(t, http.MethodGet, e.url+"/api/v1"+tt.path, nil, asAdmin(""))
			check(t, r, tt.status, tt.code)
			if msg, _ := r.body["error"].(string); !strings.Contains(msg, tt.msg) {
				t.Errorf("error = %q, want it to hold %q", msg, tt.msg)
			}
		})
	}
}
