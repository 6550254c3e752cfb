package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"github.com/noctuary/noctuary"
)

// reply is the JSON answer to a slash command (HTTP body or Socket Mode ack).
type reply struct {
	ResponseType string `json:"response_type"`
	Text         string `json:"text"`
}

func ephemeral(format string, args ...any) reply {
	return reply{ResponseType: slack.ResponseTypeEphemeral, Text: fmt.Sprintf(format, args...)}
}

// request is one parsed slash command.
type request struct {
	userID, channelID, triggerID string
	args                         []string
}

// command is one /noctuary subcommand.
type command struct {
	name, args, about string
	// admin commands are for Options.Admins only.
	admin bool
	// min and max bound the number of arguments.
	min, max int
	run      func(b *Bot, ctx context.Context, r request) (string, error)
}

func commandTable() []command {
	return []command{
		{"help", "", "this list", false, 0, 0, (*Bot).help},
		{"status", "[service]", "services: enabled, mode, channel, approvers, paused", false, 0, 1, (*Bot).status},
		{"keys", "", "each environment's PagerDuty key age and rotation due date", false, 0, 0, (*Bot).keys},
		{"review", "", "the rollout review: every drift between the file, the live settings and PagerDuty, and each service's figures", false, 0, 0, (*Bot).review},
		{"create", "<service> <environment> <PagerDuty service ID> [#channel]", "add a service the configuration file does not declare (then enable it)", true, 3, 4, (*Bot).create},
		{"enable", "<service> [#channel]", "opt a service in (read-only until promoted), posting to #channel", true, 1, 2, (*Bot).enable},
		{"disable", "<service>", "opt a service out", true, 1, 1, (*Bot).disable},
		{"mode", "<service> read-only|action", "change what Noctuary may do for a service", true, 2, 2, (*Bot).mode},
		{"approvers", "<service> add|remove <@user|@group>", "who may approve actions", true, 3, 3, (*Bot).approvers},
		{"pause", "[service]", "kill switch: nothing written to PagerDuty, no action runs (all services without one)", true, 0, 1, (*Bot).pause},
		{"resume", "[service]", "end a pause", true, 0, 1, (*Bot).resume},
		{"rotate", "<environment>", "replace an environment's PagerDuty key (opens a form)", true, 1, 1, (*Bot).rotate},
		{"audit", "[service]", "the latest audit entries", true, 0, 1, (*Bot).audit},
		{"postmortem", "<incident ID>", "write a resolved incident's postmortem draft again and post it in its thread", false, 1, 1, (*Bot).postmortem},
	}
}

// command answers one slash command; it never returns silence.
func (b *Bot) command(ctx context.Context, sc slack.SlashCommand) reply {
	fields := strings.Fields(sc.Text)
	if len(fields) == 0 {
		return ephemeral("%s", b.usage())
	}
	name := strings.ToLower(fields[0])
	i := slices.IndexFunc(commandTable(), func(c command) bool { return c.name == name })
	if i < 0 {
		return ephemeral("`%s %s` is not a command I know.\n%s", SlashCommand, clip(fields[0]), b.usage())
	}
	c := commandTable()[i]
	if c.admin && !b.isAdmin(sc.UserID) {
		return ephemeral("%s", b.adminsOnly(c.name))
	}
	if args := fields[1:]; len(args) < c.min || len(args) > c.max {
		return ephemeral("Usage: `%s %s %s` (%s).", SlashCommand, c.name, c.args, c.about)
	}
	text, err := c.run(b, ctx, request{userID: sc.UserID, channelID: sc.ChannelID, triggerID: sc.TriggerID, args: fields[1:]})
	if err != nil {
		return ephemeral("%s", b.errorText(err, "slash command "+c.name))
	}
	return ephemeral("%s", text)
}

func (b *Bot) help(context.Context, request) (string, error) { return b.usage(), nil }

func (b *Bot) usage() string {
	var s strings.Builder
	fmt.Fprintf(&s, "*Noctuary* commands, `%s <command>`:", SlashCommand)
	for _, c := range commandTable() {
		line := strings.TrimSpace(c.name + " " + c.args)
		fmt.Fprintf(&s, "\n• `%s` — %s", line, c.about)
		if c.admin {
			s.WriteString(" _(admins)_")
		}
	}
	fmt.Fprintf(&s, "\nAdmins: %s.", b.adminList())
	return s.String()
}

func (b *Bot) isAdmin(userID string) bool {
	return userID != "" && slices.Contains(b.opt.Admins, userID)
}

func (b *Bot) adminList() string {
	if len(b.opt.Admins) == 0 {
		return "none configured (slack.admins in the configuration file)"
	}
	names := make([]string, len(b.opt.Admins))
	for i, id := range b.opt.Admins {
		names[i] = mention(id)
	}
	return strings.Join(names, ", ")
}

// adminsOnly is the refusal of an admin command, naming who may run it.
func (b *Bot) adminsOnly(name string) string {
	return fmt.Sprintf("Only Noctuary's Slack admins may run `%s %s`; admins: %s.", SlashCommand, name, b.adminList())
}

// errorText maps an error to the sentence shown in Slack; faults are logged.
func (b *Bot) errorText(err error, what string) string {
	switch noctuary.ErrorCode(err) {
	case noctuary.EInternal, noctuary.EUnavailable:
		b.log.Error("Slack request failed", "what", what, "error", err)
		return ":warning: " + noctuary.ErrorMessage(err) + " Try again in a moment."
	default:
		return noctuary.ErrorMessage(err)
	}
}

// serviceArg validates an optional service argument.
func serviceArg(args []string, i int) (string, error) {
	if len(args) <= i {
		return "", nil
	}
	if !noctuary.ValidServiceKey(args[i]) {
		return "", noctuary.Errorf(noctuary.EInvalid,
			"%q is not a service key: use letters, digits, '.', '_' and '-'", clip(args[i]))
	}
	return args[i], nil
}
