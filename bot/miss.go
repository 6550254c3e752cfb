package bot

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/bot/blocks"
)

// The "what was it, then?" modal, opened by a click on "wrong": the real
// cause, a signal of the triage's list or the engineer's words.
const (
	missCallback    = "noctuary_miss"
	missSignalBlock = "cause_signal"
	missSignalInput = "signal"
	missTextBlock   = "cause_text"
	missTextInput   = "text"
	// Block Kit limits: a static_select's options and an option's text.
	maxOptions    = 100
	maxOptionText = 75
)

// openMissForm opens the modal asking what the cause was instead, for the
// triage whose hypothesis the user clicked "wrong" on. Slack's trigger
// lives 3 s, so it opens while the click is answered; the vote itself is
// the click's job. A failure is logged: the vote is recorded anyway.
func (b *Bot) openMissForm(ctx context.Context, triageID, triggerID string) {
	if triggerID == "" {
		return
	}
	t, err := b.opt.Store.Triage(ctx, triageID)
	if err != nil {
		b.log.Warn("no \"what was it, then?\" form: the triage is not readable", "triage", triageID, "error", err)
		return
	}
	err = b.dir.call(ctx, func() error {
		_, err := b.api.OpenViewContext(ctx, triggerID, missModal(t))
		return err
	})
	if err != nil {
		b.log.Warn("Slack did not open the \"what was it, then?\" form", "triage", triageID, "error", err)
	}
}

func missModal(t noctuary.Triage) slack.ModalViewRequest {
	intro := fmt.Sprintf("Noctuary's hypothesis (%s): %s\nWhat was the cause, then? Your answer is kept 90 days, "+
		"counts as your vote \"wrong\", and becomes an evaluation scenario (noctuary eval export).",
		t.Engine, t.Hypothesis)
	set := []slack.Block{slack.NewSectionBlock(plain(blocks.Truncate(noctuary.Defuse(intro), 3000)), nil, nil)}
	if len(t.Signals) > 0 {
		sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("a signal of the triage"), missSignalInput, signalOptions(t.Signals)...)
		in := slack.NewInputBlock(missSignalBlock, plain("The cause was this signal"), nil, sel)
		in.Optional = true
		set = append(set, in)
	}
	text := slack.NewPlainTextInputBlockElement(plain("e.g. the primary's disk filled up; nothing was deployed"), missTextInput)
	text.Multiline, text.MaxLength = true, noctuary.MaxCauseText
	in := slack.NewInputBlock(missTextBlock, plain("Or, in your words"), nil, text)
	in.Optional = len(t.Signals) > 0
	set = append(set, in)
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: missCallback, PrivateMetadata: t.ID,
		Title: plain("What was it, then?"), Submit: plain("Record"), Close: plain("Cancel"),
		Blocks: slack.Blocks{BlockSet: set},
	}
}

// signalOptions lists the triage's signals as options, valued by
// signalKey.
func signalOptions(sigs []noctuary.Signal) []*slack.OptionBlockObject {
	out := make([]*slack.OptionBlockObject, 0, min(len(sigs), maxOptions))
	for _, s := range sigs[:min(len(sigs), maxOptions)] {
		e := s.Event
		label := fmt.Sprintf("%s %s (%s)", e.OccurredAt.UTC().Format("15:04:05"), e.Kind, e.Source)
		if strings.TrimSpace(e.Summary) != "" {
			label += ": " + noctuary.NewQuote(e.Source, e.Summary).Quoted()
		}
		out = append(out, slack.NewOptionBlockObject(signalKey(e), plain(blocks.Truncate(noctuary.Defuse(label), maxOptionText)), nil))
	}
	return out
}

// signalKey is a signal's option value: a hash of its event, so that an
// answer names the same event even when the triage was rewritten (the
// LLM's answer arriving, its signals in another order) while the modal was
// open.
func signalKey(e noctuary.ContextEvent) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%d", e.ID, e.Service, e.Kind, e.Source, e.OccurredAt.UnixNano())
	return fmt.Sprintf("%016x", h.Sum64())
}

// signalOf returns the index of the signal of t that option value names;
// -1 when none does.
func signalOf(t noctuary.Triage, value string) int {
	for i, s := range t.Signals {
		if signalKey(s.Event) == value {
			return i
		}
	}
	return -1
}

// submitMiss handles the modal's view_submission: what is wrong goes back
// into the modal under its field (Slack's response_action "errors"); a
// recorded miss replaces the modal with a confirmation.
func (b *Bot) submitMiss(ctx context.Context, cb slack.InteractionCallback) *slack.ViewSubmissionResponse {
	ctx, cancel := context.WithTimeout(ctx, submitTimeout)
	defer cancel()
	t, err := b.opt.Store.Triage(ctx, cb.View.PrivateMetadata)
	if err != nil {
		return missError(t, b.errorText(err, "miss"))
	}
	m, problems := missForm(t, cb.View.State)
	if problems != nil {
		return slack.NewErrorsViewSubmissionResponse(problems)
	}
	u := noctuary.User{ID: cb.User.ID, Name: userName(cb.User)}
	if err := b.opt.Approvals.Miss(ctx, t.ID, u, m.Signal, m.Text); err != nil {
		return missError(t, b.errorText(err, "miss"))
	}
	return slack.NewUpdateViewSubmissionResponse(&slack.ModalViewRequest{
		Type: slack.VTModal, Title: plain("What was it, then?"), Close: plain("Done"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(plain(
			"Thanks: recorded as a miss of "+t.Engine+", with the cause you named. It counts in the service's precision "+
				"and becomes an evaluation scenario."), nil, nil)}},
	})
}

// missForm reads the modal's answers into a miss of t, or says what is
// wrong with them by block ID.
func missForm(t noctuary.Triage, st *slack.ViewState) (noctuary.Miss, map[string]string) {
	m := noctuary.Miss{Triage: t}
	var opt string
	if st != nil {
		opt = st.Values[missSignalBlock][missSignalInput].SelectedOption.Value
		m.Text = strings.TrimSpace(st.Values[missTextBlock][missTextInput].Value)
	}
	if opt != "" {
		i := signalOf(t, opt)
		m.Signal = &i
	}
	p := m.Problems()
	if p == nil {
		return m, nil
	}
	out := map[string]string{}
	for field, msg := range p {
		block := missBlock(t, field)
		out[block] = strings.TrimSpace(out[block] + " " + msg)
	}
	for block, msg := range out {
		out[block] = blocks.Truncate(msg, 150)
	}
	return m, out
}

// missBlock is the modal's block showing the problems of a miss's field:
// the signal list for MissSignal, when the modal has one, else the text.
func missBlock(t noctuary.Triage, field string) string {
	if field == noctuary.MissSignal && len(t.Signals) > 0 {
		return missSignalBlock
	}
	return missTextBlock
}

// missError shows msg in the modal, under its first field.
func missError(t noctuary.Triage, msg string) *slack.ViewSubmissionResponse {
	return slack.NewErrorsViewSubmissionResponse(map[string]string{missBlock(t, noctuary.MissSignal): blocks.Truncate(msg, 150)})
}
