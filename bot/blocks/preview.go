package blocks

import (
	"github.com/slack-go/slack"

	"github.com/noctuary/noctuary"
)

// Preview rebuilds an incident's Slack message from what the store keeps:
// its triage (with the service's mode now), its live state and its
// approvals, pending ones as offers and decided ones as outcomes (expired
// ones show neither, as in Slack). The admin API and the dashboard show it,
// so that the Slack side is visible without a workspace.
func Preview(t noctuary.Triage, st noctuary.IncidentState, approvals []noctuary.Approval, paused bool) []slack.Block {
	m := Message{Triage: t, State: st, Paused: paused}
	for _, a := range approvals {
		switch a.State {
		case noctuary.ApprovalPending:
			m.Offers = append(m.Offers, Offer{ApprovalID: a.ID, Action: a.Action, Destructive: a.Destructive})
		case noctuary.ApprovalExpired:
		default:
			m.Outcomes = append(m.Outcomes, Outcome{ApprovalID: a.ID, Action: a.Action, Destructive: a.Destructive,
				UserID: a.DecidedBy, At: a.DecidedAt, State: a.State, Result: a.Result})
		}
	}
	return Render(m)
}
