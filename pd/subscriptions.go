package pd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/PagerDuty/go-pagerduty"

	"github.com/noctuary/noctuary"
)

// subscriptionPage is how many subscriptions one request lists (PagerDuty's
// maximum).
const subscriptionPage = 100

// review is the precedence of the rollout review's reads: after every note.
var review = noctuary.Precedence{}

// subscriptionList is PagerDuty's answer to GET /webhook_subscriptions.
type subscriptionList struct {
	WebhookSubscriptions []struct {
		ID             string   `json:"id"`
		Active         bool     `json:"active"`
		Events         []string `json:"events"`
		DeliveryMethod struct {
			URL                 string `json:"url"`
			TemporarilyDisabled bool   `json:"temporarily_disabled"`
		} `json:"delivery_method"`
		Filter struct {
			Type string `json:"type"`
			ID   string `json:"id"`
		} `json:"filter"`
	} `json:"webhook_subscriptions"`
	More bool `json:"more"`
}

// WebhookSubscriptions lists the account's V3 webhook subscriptions that the
// key may read (GET /webhook_subscriptions, every page). go-pagerduty has no
// call for it, so the request goes through its Do.
func (c *Client) WebhookSubscriptions(ctx context.Context) ([]noctuary.WebhookSubscription, error) {
	var out []noctuary.WebhookSubscription
	for offset := 0; ; offset += subscriptionPage {
		var page subscriptionList
		err := c.call(ctx, "list webhook subscriptions", review, func(ctx context.Context, api *pagerduty.Client) error {
			return c.getJSON(ctx, api, fmt.Sprintf("/webhook_subscriptions?limit=%d&offset=%d", subscriptionPage, offset), &page)
		}, nil)
		if err != nil {
			return nil, err
		}
		for _, s := range page.WebhookSubscriptions {
			out = append(out, noctuary.WebhookSubscription{ID: s.ID, Active: s.Active, Events: s.Events,
				TemporarilyDisabled: s.DeliveryMethod.TemporarilyDisabled, URL: s.DeliveryMethod.URL,
				FilterType: s.Filter.Type, FilterID: s.Filter.ID})
		}
		if !page.More || len(page.WebhookSubscriptions) == 0 {
			return out, nil
		}
	}
}

// getJSON GETs path (below the API base) with api and decodes the JSON
// answer into v; an answer other than 2xx is a pagerduty.APIError, as
// go-pagerduty's own calls return.
func (c *Client) getJSON(ctx context.Context, api *pagerduty.Client, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return err
	}
	resp, err := api.Do(req, true)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		apiErr := pagerduty.APIError{}
		_ = json.Unmarshal(body, &apiErr)
		apiErr.StatusCode = resp.StatusCode
		return apiErr
	}
	return json.Unmarshal(body, v)
}
