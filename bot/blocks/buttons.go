package blocks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/noctuary/noctuary"
	"github.com/slack-go/slack"
)

// buttons returns the actions block's elements: offers and Acknowledge in
// action mode (unless paused or resolved), then the feedback buttons, which
// every mode keeps.
func buttons(m Message) []slack.BlockElement {
	var out []slack.BlockElement
	if actionable(m) {
		for _, o := range shownOffers(m) {
			out = append(out, offerButton(o, m.Triage))
		}
		if !acknowledged(m.State) {
			out = append(out, slack.NewButtonBlockElement(ActionAcknowledge, m.Triage.Incident.ID, plain("Acknowledge")).
				WithStyle(slack.StylePrimary))
		}
	}
	if m.Triage.ID != "" {
		out = append(out,
			slack.NewButtonBlockElement(ActionRight, m.Triage.ID, plain("Hypothesis right")),
			slack.NewButtonBlockElement(ActionWrong, m.Triage.ID, plain("Hypothesis wrong")))
	}
	return out
}

// actionable reports whether the message offers actions: action mode,
// nothing paused, the incident not resolved.
func actionable(m Message) bool {
	return m.Triage.Mode == noctuary.ModeAction && !m.Paused && !resolved(m.State)
}

// shownOffers are the undecided offers, at most as many as leave room for
// Acknowledge and the two feedback buttons within Slack's 25 elements.
func shownOffers(m Message) []Offer {
	decided := map[string]bool{}
	for _, o := range m.Outcomes {
		decided[o.ApprovalID] = true
	}
	var out []Offer
	for _, o := range m.Offers {
		if decided[o.ApprovalID] || o.ApprovalID == "" {
			continue
		}
		if len(out) == maxActionElems-3 {
			break
		}
		out = append(out, o)
	}
	return out
}

// buttonsShown is the set of approval IDs whose buttons the message shows.
func buttonsShown(m Message) map[string]bool {
	out := map[string]bool{}
	if actionable(m) {
		for _, o := range shownOffers(m) {
			out[o.ApprovalID] = true
		}
	}
	return out
}

// buttonLabel is the offer's button text: "Apply flush-cache" or "Approve
// rollback".
func buttonLabel(o Offer) string {
	if o.Destructive {
		return Truncate("Approve "+o.Action, maxButtonText)
	}
	return Truncate("Apply "+o.Action, maxButtonText)
}

func offerButton(o Offer, t noctuary.Triage) *slack.ButtonBlockElement {
	if !o.Destructive {
		return slack.NewButtonBlockElement(ActionApply, o.ApprovalID, plain(buttonLabel(o)))
	}
	text := fmt.Sprintf("This runs %s for %s on %s", o.Action, t.Service, title(t.Incident))
	if ranked := t.Ranked(); o.Suggestion < len(ranked) && o.Action == ranked[o.Suggestion].Action && len(ranked[o.Suggestion].Params) > 0 {
		text += " with " + params(ranked[o.Suggestion].Params)
	}
	text += ". It is destructive and will not be retried automatically."
	confirm := slack.NewConfirmationBlockObject(
		plain(Truncate("Approve "+o.Action+"?", maxConfirmHead)),
		plain(Truncate(text, maxConfirmText)),
		plain("Approve"), plain("Cancel")).WithStyle(slack.StyleDanger)
	return slack.NewButtonBlockElement(ActionApprove, o.ApprovalID, plain(buttonLabel(o))).
		WithStyle(slack.StyleDanger).WithConfirm(confirm)
}

func params(p map[string]string) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	pairs := make([]string, 0, len(keys))
	for _, k := range keys {
		pairs = append(pairs, k+"="+p[k])
	}
	return strings.Join(pairs, ", ")
}

func resolved(st noctuary.IncidentState) bool {
	return !st.ResolvedAt.IsZero() || st.Incident.Status == "resolved"
}

func acknowledged(st noctuary.IncidentState) bool {
	return !st.AcknowledgedAt.IsZero() || st.Incident.Status == "acknowledged"
}
