// Package blocks renders Noctuary's neutral triage model as Slack Block Kit.
// The renderers are pure: the same Message always gives the same blocks, which
// golden files under testdata pin.
package blocks

import (
	"fmt"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/slack-go/slack"
)

// Action IDs of the message's buttons. Button values are opaque IDs only,
// never action parameters.
const (
	// ActionApprove approves a destructive declared action; value: approval ID.
	ActionApprove = "noctuary_approve"
	// ActionApply runs a non-destructive declared action; value: approval ID.
	ActionApply = "noctuary_apply"
	// ActionAcknowledge acknowledges the incident; value: incident ID.
	ActionAcknowledge = "noctuary_ack"
	// ActionRight records "hypothesis right"; value: triage ID.
	ActionRight = "noctuary_feedback_right"
	// ActionWrong records "hypothesis wrong"; value: triage ID.
	ActionWrong = "noctuary_feedback_wrong"
	// ActionsBlockPrefix starts the actions block's ID; the incident ID follows.
	ActionsBlockPrefix = "noctuary_actions:"
)

// Offer is a declared action that may be run from the message, backed by a
// pending approval.
type Offer struct {
	ApprovalID  string `json:"approval_id"`
	Action      string `json:"action"`
	Destructive bool   `json:"destructive"`
	// Suggestion is the index of the triage's ranked suggestion the action
	// carries out (0: the recommendation; see noctuary.Triage.Ranked).
	Suggestion int `json:"suggestion,omitempty"`
}

// Outcome is what became of an offer: who decided, when, and the result.
type Outcome struct {
	ApprovalID  string                 `json:"approval_id"`
	Action      string                 `json:"action"`
	Destructive bool                   `json:"destructive"`
	UserID      string                 `json:"user_id"`
	At          time.Time              `json:"at"`
	State       noctuary.ApprovalState `json:"state"`
	Result      string                 `json:"result,omitempty"`
}

// Message is everything the incident's Slack message shows.
type Message struct {
	Triage noctuary.Triage
	// State is the incident's live state; its zero value means "not known yet".
	State    noctuary.IncidentState
	Offers   []Offer
	Outcomes []Outcome
	// Paused is true while the service (or everything) is paused.
	Paused bool
}

// Render returns the message's blocks: header, the PagerDuty note's failure
// (while it is not posted), hypothesis, signals, suggestions (the
// recommendation first), status, outcomes, buttons and footer.
func Render(m Message) []slack.Block {
	t := m.Triage
	out := []slack.Block{slack.NewHeaderBlock(plain(Truncate(title(t.Incident), maxHeaderText)))}
	if s := notPosted(t); s != "" {
		out = append(out, section(s))
	}
	out = append(out, section(hypothesis(t)))
	if len(t.Signals) > 0 {
		out = append(out, section(signals(t)))
	}
	for _, s := range suggestions(m) {
		out = append(out, section(s))
	}
	if s := status(m.State); s != "" {
		out = append(out, section(s))
	}
	if len(m.Outcomes) > 0 {
		out = append(out, section(outcomes(m.Outcomes)))
	}
	if b := buttons(m); len(b) > 0 {
		out = append(out, slack.NewActionBlock(Truncate(ActionsBlockPrefix+t.Incident.ID, 255), b...))
	}
	if note := modeNote(m); note != "" {
		out = append(out, slack.NewContextBlock("noctuary_mode", mrkdwn(note)))
	}
	return append(out, slack.NewContextBlock("noctuary_footer", mrkdwn(footer(t))))
}

// Fallback is the message's notification text (mrkdwn, escaped: Slack
// parses mentions there too).
func Fallback(m Message) string {
	return Truncate(oneLine(fmt.Sprintf("%s: %s (confidence: %s)", title(m.Triage.Incident),
		m.Triage.Hypothesis, percent(m.Triage.Confidence))), maxSectionText)
}

func title(inc noctuary.Incident) string {
	name := inc.Title
	if name == "" {
		name = "Incident " + inc.ID
	}
	if inc.Number > 0 {
		return fmt.Sprintf("#%d · %s", inc.Number, name)
	}
	return name
}

func hypothesis(t noctuary.Triage) string {
	line := fmt.Sprintf("*Hypothesis:* %s (confidence: %s)", oneLine(t.Hypothesis), percent(t.Confidence))
	if !t.NoContext {
		return line
	}
	return fmt.Sprintf("*No context:* no ContextEvents of `%s` or its dependencies fell in the correlation window, "+
		"so the cause is likely outside recent changes.\n%s", Escape(t.Service), line)
}

// signals lists the maxSignals highest-scoring signals in time order, as
// the note does, and counts the rest of the window's.
func signals(t noctuary.Triage) string {
	shown := noctuary.TopSignals(t.Signals, maxSignals)
	var b strings.Builder
	b.WriteString("*Recent signals* (UTC):")
	for _, s := range shown {
		e := s.Event
		label := e.Kind
		if strings.TrimSpace(e.Summary) != "" {
			label = noctuary.NewQuote(e.Source, e.Summary).Quoted()
		}
		fmt.Fprintf(&b, "\n• `%s` *%s* (%s): %s", clock(e.OccurredAt), oneLine(e.Kind), oneLine(e.Source),
			link(e.Link, noctuary.Defuse(label)))
	}
	if n := t.SignalTotal() - len(shown); n > 0 {
		fmt.Fprintf(&b, "\n…and %d more", n)
	}
	return b.String()
}

func recommendation(r noctuary.Recommendation) string {
	text := r.Text
	if text == "" {
		text = "none"
	}
	return "*Recommended action:* " + oneLine(text)
}

func status(st noctuary.IncidentState) string {
	created := st.Incident.CreatedAt
	var ack string
	if !st.AcknowledgedAt.IsZero() {
		ack = fmt.Sprintf("acknowledged by %s at %s UTC", Escape(orSomeone(st.AcknowledgedBy)), clock(st.AcknowledgedAt))
		if !created.IsZero() && st.AcknowledgedAt.After(created) {
			ack += fmt.Sprintf(", %s after trigger", humanDuration(st.AcknowledgedAt.Sub(created)))
		}
	}
	switch {
	case !st.ResolvedAt.IsZero() || st.Incident.Status == "resolved":
		line := "*Status:* :white_check_mark: Resolved"
		if !st.ResolvedAt.IsZero() {
			line += " at " + clock(st.ResolvedAt) + " UTC"
		}
		if ack != "" {
			line += " (" + ack + ")"
		}
		return line
	case ack != "":
		return "*Status:* :eyes: A" + ack[1:]
	default:
		return ""
	}
}

func orSomeone(name string) string {
	if name == "" {
		return "someone"
	}
	return name
}

func outcomes(os []Outcome) string {
	lines := make([]string, 0, len(os))
	for _, o := range os {
		verb := "applied"
		if o.Destructive {
			verb = "approved"
		}
		line := fmt.Sprintf("`%s` <@%s> %s *%s*: %s", clock(o.At), Escape(o.UserID), verb, Escape(o.Action), o.State)
		if o.Result != "" {
			line += " — " + Escape(Truncate(o.Result, maxResultText))
		}
		lines = append(lines, line)
	}
	return Truncate(strings.Join(lines, "\n"), maxSectionText)
}

func modeNote(m Message) string {
	switch {
	case m.Paused:
		return ":double_vertical_bar: Paused: nothing is written to PagerDuty and no action runs until an admin runs `/noctuary resume`."
	case m.Triage.Mode != noctuary.ModeAction:
		return fmt.Sprintf("Read-only: an admin can promote this service with `/noctuary mode %s action`", Escape(m.Triage.Service))
	default:
		return ""
	}
}

func footer(t noctuary.Triage) string {
	inc := t.Incident
	label := "PagerDuty incident " + inc.ID
	if inc.Number > 0 {
		label = fmt.Sprintf("PagerDuty incident #%d", inc.Number)
	}
	parts := []string{link(inc.HTMLURL, label), "engine: " + Escape(t.Engine)}
	if t.FallbackReason != "" {
		parts = append(parts, "LLM not used: "+Escape(Truncate(t.FallbackReason, maxSummary)))
	}
	parts = append(parts, "triage "+Escape(t.ID), "times UTC")
	return strings.Join(parts, " · ")
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, Truncate(s, maxSectionText), false, false)
}

func section(s string) *slack.SectionBlock { return slack.NewSectionBlock(mrkdwn(s), nil, nil) }
