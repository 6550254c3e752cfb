package bot

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/noctuary/noctuary"
)

// Postmortems regenerates an incident's postmortem draft (package postmortem
// satisfies it).
type Postmortems interface {
	Regenerate(ctx context.Context, incidentID, actor string) (noctuary.Postmortem, error)
}

// jobPostmortem posts a postmortem draft in its incident's thread.
const jobPostmortem = "postmortem"

// postmortemJob names the draft to post; the job reads the stored draft, so
// that it stays small and posts the latest revision.
type postmortemJob struct {
	IncidentID string `json:"incident_id"`
	Revision   int    `json:"revision"`
}

// maxDraftPart bounds the Markdown of one message: Slack accepts at most
// 12,000 characters of markdown blocks in one message.
const maxDraftPart = 11000

// PostPostmortem queues the posting of p in its incident's Slack thread.
func (b *Bot) PostPostmortem(ctx context.Context, p noctuary.Postmortem) error {
	return b.enqueue(ctx, job{Kind: jobPostmortem, Postmortem: &postmortemJob{IncidentID: p.IncidentID, Revision: p.Revision}})
}

// postPostmortem posts the incident's stored draft in its thread, as
// markdown blocks, one message per part of at most maxDraftPart characters,
// each once per revision. A thread that does not exist yet (Slack was down
// when the incident triggered) fails the job, which is retried.
func (b *Bot) postPostmortem(ctx context.Context, j postmortemJob) error {
	p, err := b.opt.Store.Postmortem(ctx, j.IncidentID)
	if err != nil {
		return err
	}
	return b.withRecord(ctx, p.IncidentID, func(r *record) error {
		if !r.posted() {
			if svc, err := b.service(ctx, p.Service); err == nil && svc.SlackChannel == "" {
				b.log.Debug("no Slack thread for the postmortem: the service has no slack_channel", "incident", p.IncidentID)
				return nil
			}
			return noctuary.Errorf(noctuary.EUnavailable, "the Slack message of incident %s is not posted yet", p.IncidentID)
		}
		parts := splitDraft(p.Markdown, maxDraftPart)
		for i, part := range parts {
			key := fmt.Sprintf("postmortem:%s:%d:%d", p.ID, p.Revision, i)
			text := fmt.Sprintf("Postmortem draft of %s, revision %d", incidentLabel(p), p.Revision)
			if len(parts) > 1 {
				text += fmt.Sprintf(" (part %d of %d)", i+1, len(parts))
			}
			if err := b.postOnce(ctx, r, key, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(slack.NewMarkdownBlock("", part))); err != nil {
				return err
			}
		}
		return nil
	})
}

func incidentLabel(p noctuary.Postmortem) string {
	if p.Number > 0 {
		return fmt.Sprintf("incident #%d", p.Number)
	}
	return "incident " + p.IncidentID
}

// splitDraft cuts md into parts of at most max characters: before a
// section ("\n## ") when one fits, else after a line, else within one.
func splitDraft(md string, max int) []string {
	var parts []string
	for utf8.RuneCountInString(md) > max {
		head := string([]rune(md)[:max])
		cut := strings.LastIndex(head, "\n## ")
		if cut <= 0 {
			cut = strings.LastIndex(head, "\n")
		}
		if cut <= 0 {
			cut = len(head)
		}
		parts = append(parts, strings.TrimRight(md[:cut], "\n"))
		md = strings.TrimLeft(md[cut:], "\n")
	}
	return append(parts, md)
}

// postmortem answers /noctuary postmortem <incident>: the draft is written
// again and posted in the incident's thread.
func (b *Bot) postmortem(ctx context.Context, r request) (string, error) {
	id := r.args[0]
	if !validIncidentID(id) {
		return "", noctuary.Errorf(noctuary.EInvalid, "%q is not a PagerDuty incident ID (such as Q1ABC2DEF3GH4I).", clip(id))
	}
	if b.opt.Postmortems == nil {
		return "", noctuary.Errorf(noctuary.EInvalid, "Postmortem drafts are not set up in this Noctuary.")
	}
	p, err := b.opt.Postmortems.Regenerate(ctx, id, "slack:"+r.userID)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Postmortem draft of %s written again (revision %d, %s); it is posted in the incident's thread.",
		incidentLabel(p), p.Revision, p.Writer), nil
}

// validIncidentID: PagerDuty IDs are letters and digits.
func validIncidentID(id string) bool {
	if id == "" || len(id) > 32 {
		return false
	}
	for _, r := range id {
		if (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}
