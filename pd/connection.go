package pd

import (
	"context"
	"strings"

	"github.com/PagerDuty/go-pagerduty"

	"github.com/noctuary/noctuary"
)

// CheckConnection answers an admin's "check connection": whether PagerDuty
// lists incidents with the key (GET /incidents?limit=1), and whether notes
// can be written: the integration is bidirectional and its From email is a
// PagerDuty user (GET /users?query=), as a note's From header needs.
// PagerDuty has no dry run for writes, so a read-only key shows only at the
// first note. A rejected key is EUnauthorized; a fault of PagerDuty's is
// returned too.
func (c *Client) CheckConnection(ctx context.Context) (noctuary.ConnectionCheck, error) {
	var check noctuary.ConnectionCheck
	err := c.call(ctx, "list incidents", urgent, func(ctx context.Context, api *pagerduty.Client) error {
		_, err := api.ListIncidentsWithContext(ctx, pagerduty.ListIncidentsOptions{Limit: 1})
		return err
	}, nil)
	switch noctuary.ErrorCode(err) {
	case "":
		check.ViewIncidents = true
	case noctuary.EForbidden:
		check.Problems = append(check.Problems, "PagerDuty refused to list incidents with this key: give it access to incidents.")
	default:
		return check, err
	}
	problem, err := c.noteWriter(ctx)
	if err != nil {
		return check, err
	}
	if check.CreateNotes = problem == "" && check.ViewIncidents; problem != "" {
		check.Problems = append(check.Problems, problem)
	}
	return check, nil
}

// noteWriter returns why notes cannot be written, "" when they can.
func (c *Client) noteWriter(ctx context.Context) (string, error) {
	switch {
	case c.inbound:
		return "The integration is inbound only: Noctuary writes no notes with it.", nil
	case c.from == "":
		return "The integration has no from email: PagerDuty writes notes as the user with that email; set one.", nil
	}
	var users []pagerduty.User
	err := c.call(ctx, "find the from user", urgent, func(ctx context.Context, api *pagerduty.Client) error {
		res, err := api.ListUsersWithContext(ctx, pagerduty.ListUsersOptions{Query: c.from})
		if err == nil {
			users = res.Users
		}
		return err
	}, nil)
	if err != nil {
		return "", err
	}
	for _, u := range users {
		if strings.EqualFold(u.Email, c.from) {
			return "", nil
		}
	}
	return "No PagerDuty user has the from email " + c.from + ": notes are written as that user; use a user's email.", nil
}
