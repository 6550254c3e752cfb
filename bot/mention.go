package bot

import (
	"strings"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/bot/blocks"
)

// parseChannel reads a channel argument: the escaped mention Slack sends
// (<#C123|name> or <#C123>) or a raw ID (C123, G123).
func parseChannel(arg string) (string, error) {
	id := arg
	if inner, ok := enclosed(arg, "<#"); ok {
		id, _, _ = strings.Cut(inner, "|")
	}
	if !slackID(id, "CG") {
		return "", noctuary.Errorf(noctuary.EInvalid,
			"%q is not a channel: mention it (type # and pick the channel) or give its ID, such as C0123ABCD", clip(arg))
	}
	return id, nil
}

// parseApprover reads an approver argument: a user (<@U123|name>, <@U123>,
// U123, W123) or a user group (<!subteam^S123|@group>, <!subteam^S123>, S123).
func parseApprover(arg string) (string, error) {
	id := arg
	if inner, ok := enclosed(arg, "<@"); ok {
		id, _, _ = strings.Cut(inner, "|")
	} else if inner, ok := enclosed(arg, "<!subteam^"); ok {
		id, _, _ = strings.Cut(inner, "|")
	}
	if !slackID(id, "UWS") {
		return "", noctuary.Errorf(noctuary.EInvalid,
			"%q is not a user or a user group: mention them (@name or @group) or give their ID, such as U0123ABCD or S0123ABCD", clip(arg))
	}
	return id, nil
}

// enclosed returns what lies between prefix and a closing ">".
func enclosed(s, prefix string) (string, bool) {
	if !strings.HasPrefix(s, prefix) || !strings.HasSuffix(s, ">") {
		return "", false
	}
	return s[len(prefix) : len(s)-1], true
}

// slackID reports whether id looks like a Slack ID starting with one of
// kinds: an upper-case letter, then 6 to 20 upper-case letters or digits.
func slackID(id, kinds string) bool {
	if len(id) < 7 || len(id) > 21 || !strings.ContainsRune(kinds, rune(id[0])) {
		return false
	}
	for _, r := range id[1:] {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// mention renders a user, user group or channel ID as a Slack mention.
func mention(id string) string {
	switch {
	case id == "":
		return "none"
	case id[0] == 'S':
		return "<!subteam^" + id + ">"
	case id[0] == 'C' || id[0] == 'G':
		return "<#" + id + ">"
	default:
		return "<@" + id + ">"
	}
}

// clip shortens user input quoted back in a reply.
func clip(s string) string { return blocks.Truncate(s, 60) }
