package blocks

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/noctuary/noctuary"
)

// TestPreviewIsTheMessageAsPosted: the preview of a triage and its
// approvals is the message the bot renders with the same offers and
// outcomes; an expired approval shows as neither.
func TestPreviewIsTheMessageAsPosted(t *testing.T) {
	tr := triage(noctuary.ModeAction)
	approvals := []noctuary.Approval{
		{ID: "ap_pending", Action: "rollback", Destructive: true, State: noctuary.ApprovalPending},
		{ID: "ap_done", Action: "flush-cache", State: noctuary.ApprovalDone, DecidedBy: "U0ALICE", DecidedAt: onset, Result: "flush-cache succeeded: HTTP 200"},
		{ID: "ap_expired", Action: "rollback", Destructive: true, State: noctuary.ApprovalExpired},
	}
	want := Render(Message{Triage: tr,
		Offers: []Offer{{ApprovalID: "ap_pending", Action: "rollback", Destructive: true}},
		Outcomes: []Outcome{{ApprovalID: "ap_done", Action: "flush-cache", UserID: "U0ALICE", At: onset,
			State: noctuary.ApprovalDone, Result: "flush-cache succeeded: HTTP 200"}}})
	got := Preview(tr, noctuary.IncidentState{}, approvals, false)
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("Preview =\n%s\nwant\n%s", g, w)
	}
	if reflect.DeepEqual(Preview(tr, noctuary.IncidentState{}, approvals, true), want) {
		t.Error("a paused service's preview shows the buttons")
	}
}
