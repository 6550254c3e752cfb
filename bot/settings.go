package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/noctuary/noctuary"
)

func (b *Bot) enable(ctx context.Context, r request) (string, error) {
	svc, err := serviceArg(r.args, 0)
	if err != nil {
		return "", err
	}
	var channel string
	if len(r.args) == 2 {
		if channel, err = parseChannel(r.args[1]); err != nil {
			return "", err
		}
	}
	s, err := b.opt.Admin.Enable(ctx, actor(r.userID), svc, channel)
	if err != nil {
		return "", err
	}
	text := fmt.Sprintf("Enabled `%s` in %s mode", s.Key, s.Mode)
	if s.SlackChannel == "" {
		return text + fmt.Sprintf("; it has no Slack channel yet, so no message is posted: `%s enable %s #channel` sets one.",
			SlashCommand, s.Key), nil
	}
	return text + ", posting to " + mention(s.SlackChannel) + ".", nil
}

func (b *Bot) create(ctx context.Context, r request) (string, error) {
	spec := noctuary.NewService{Key: r.args[0], Environment: r.args[1], PagerDutyServiceIDs: []string{r.args[2]}}
	if len(r.args) == 4 {
		var err error
		if spec.Channel, err = parseChannel(r.args[3]); err != nil {
			return "", err
		}
	}
	s, err := b.opt.Admin.Create(ctx, actor(r.userID), spec)
	if err != nil {
		return "", err
	}
	next := s.Key
	if s.SlackChannel == "" {
		next += " #channel"
	}
	return fmt.Sprintf("Created `%s` in environment `%s` for PagerDuty service %s, read-only and not enabled yet: `%s enable %s` opts it in.",
		s.Key, s.Environment, strings.Join(s.PagerDutyServiceIDs, ", "), SlashCommand, next), nil
}

func (b *Bot) disable(ctx context.Context, r request) (string, error) {
	svc, err := serviceArg(r.args, 0)
	if err != nil {
		return "", err
	}
	s, err := b.opt.Admin.Disable(ctx, actor(r.userID), svc)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Disabled `%s`: its incidents get no note and no message.", s.Key), nil
}

func (b *Bot) mode(ctx context.Context, r request) (string, error) {
	svc, err := serviceArg(r.args, 0)
	if err != nil {
		return "", err
	}
	mode, err := noctuary.ParseMode(r.args[1])
	if err != nil {
		return "", err
	}
	s, err := b.opt.Admin.SetMode(ctx, actor(r.userID), svc, mode)
	if err != nil {
		return "", err
	}
	if s.Mode == noctuary.ModeAction {
		return fmt.Sprintf("`%s` is now in action mode: its approvers can acknowledge, apply and approve from Slack.", s.Key), nil
	}
	return fmt.Sprintf("`%s` is now read-only: hypotheses and feedback only, nothing runs.", s.Key), nil
}

func (b *Bot) approvers(ctx context.Context, r request) (string, error) {
	svc, err := serviceArg(r.args, 0)
	if err != nil {
		return "", err
	}
	who, err := parseApprover(r.args[2])
	if err != nil {
		return "", err
	}
	var s noctuary.Service
	switch strings.ToLower(r.args[1]) {
	case "add":
		s, err = b.opt.Admin.AddApprover(ctx, actor(r.userID), svc, who)
	case "remove":
		s, err = b.opt.Admin.RemoveApprover(ctx, actor(r.userID), svc, who)
	default:
		return "", noctuary.Errorf(noctuary.EInvalid, "%q is neither add nor remove: `%s approvers %s add|remove <@user|@group>`",
			clip(r.args[1]), SlashCommand, svc)
	}
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Approvers of `%s`: %s.", s.Key, approverList(s)), nil
}

func approverList(s noctuary.Service) string {
	names := make([]string, 0, len(s.Approvers)+1)
	for _, a := range s.Approvers {
		names = append(names, mention(a))
	}
	if s.ApproveOncall {
		names = append(names, "whoever is on call")
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

func (b *Bot) pause(ctx context.Context, r request) (string, error) {
	svc, err := serviceArg(r.args, 0)
	if err != nil {
		return "", err
	}
	if err := b.opt.Admin.Pause(ctx, actor(r.userID), svc); err != nil {
		return "", err
	}
	return fmt.Sprintf("Paused %s: nothing is written to PagerDuty and no action runs; triage goes on and is kept. `%s resume %s` ends it.",
		scope(svc), SlashCommand, svc), nil
}

func (b *Bot) resume(ctx context.Context, r request) (string, error) {
	svc, err := serviceArg(r.args, 0)
	if err != nil {
		return "", err
	}
	if err := b.opt.Admin.Resume(ctx, actor(r.userID), svc); err != nil {
		return "", err
	}
	return fmt.Sprintf("Resumed %s.", scope(svc)), nil
}

// scope names a service argument, "" meaning every service.
func scope(svc string) string {
	if svc == "" {
		return "every service"
	}
	return "`" + svc + "`"
}
