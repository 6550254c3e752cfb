package admin

import (
	"regexp"

	"github.com/noctuary/noctuary"
)

var (
	// Slack user (U…, W… in Enterprise Grid) and user group (S…) IDs.
	approverID = regexp.MustCompile(`^[UWS][A-Z0-9]{6,20}$`)
	// Slack channel IDs: public (C…) and private (G…).
	channelID = regexp.MustCompile(`^[CG][A-Z0-9]{6,20}$`)
	// PagerDuty object IDs, such as PABC123.
	pagerDutyID = regexp.MustCompile(`^[A-Z][A-Z0-9]{1,19}$`)
)

func validService(key string) error {
	if !noctuary.ValidServiceKey(key) {
		return noctuary.Errorf(noctuary.EInvalid, "service name %q may hold only 1-100 letters, digits, '.', '_' and '-'", key)
	}
	return nil
}

func validChannel(ch string) error {
	if ch != "" && !channelID.MatchString(ch) {
		return noctuary.Errorf(noctuary.EInvalid, "channel %q is not a Slack channel ID (C… or G…); pick the channel as #name so Slack sends its ID", ch)
	}
	return nil
}

func validApprover(id string) error {
	if !approverID.MatchString(id) {
		return noctuary.Errorf(noctuary.EInvalid, "approver %q is not a Slack user ID (U… or W…) or user group ID (S…); mention them as @name so Slack sends the ID", id)
	}
	return nil
}

func validMode(m noctuary.Mode) error {
	if !m.Valid() {
		return noctuary.Errorf(noctuary.EInvalid, "mode %q is not known; use read-only or action", m)
	}
	return nil
}
