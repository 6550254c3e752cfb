package pd

import (
	"context"
	"slices"
	"strings"

	"github.com/PagerDuty/go-pagerduty"
)

// onCallPageSize is the page size asked for; PagerDuty's maximum.
const onCallPageSize = 100

// OnCallEmails returns the email addresses (lower case, sorted, unique) of
// everyone on call now, at any level, of the escalation policy. Users come
// with the on-calls (include[]=users); a user PagerDuty did not include is
// read on its own.
func (c *Client) OnCallEmails(ctx context.Context, escalationPolicyID string) ([]string, error) {
	if err := checkID("escalation policy", escalationPolicyID); err != nil {
		return nil, err
	}
	opts := pagerduty.ListOnCallOptions{
		EscalationPolicyIDs: []string{escalationPolicyID},
		Includes:            []string{"users"},
		Limit:               onCallPageSize,
	}
	var resp *pagerduty.ListOnCallsResponse
	err := c.call(ctx, "list the on-calls of escalation policy "+escalationPolicyID, urgent, func(ctx context.Context, api *pagerduty.Client) (err error) {
		resp, err = api.ListOnCallsWithContext(ctx, opts)
		return err
	}, nil)
	if err != nil {
		return nil, err
	}
	if resp.More {
		c.log.Warn("more than one page of on-calls; only the first is used", "integration", c.integration,
			"escalation_policy", escalationPolicyID, "page_size", onCallPageSize)
	}
	var emails []string
	seen := map[string]bool{}
	for _, oc := range resp.OnCalls {
		email, err := c.userEmail(ctx, oc.User, seen)
		if err != nil {
			return nil, err
		}
		if email != "" {
			emails = append(emails, strings.ToLower(email))
		}
	}
	slices.Sort(emails)
	return slices.Compact(emails), nil
}

// userEmail returns u's email, reading the user when the on-call did not
// include it. Users already seen give "".
func (c *Client) userEmail(ctx context.Context, u pagerduty.User, seen map[string]bool) (string, error) {
	if u.ID == "" || seen[u.ID] {
		return "", nil
	}
	seen[u.ID] = true
	if u.Email != "" || checkID("user", u.ID) != nil {
		return u.Email, nil
	}
	var full *pagerduty.User
	err := c.call(ctx, "read user "+u.ID, urgent, func(ctx context.Context, api *pagerduty.Client) (err error) {
		full, err = api.GetUserWithContext(ctx, u.ID, pagerduty.GetUserOptions{})
		return err
	}, nil)
	if err != nil {
		return "", err
	}
	return full.Email, nil
}
