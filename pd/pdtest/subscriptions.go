package pdtest

import (
	"net/http"
	"strconv"
)

// Subscription is a V3 webhook subscription the fake lists.
type Subscription struct {
	ID, URL string
	// Active false is a subscription an admin disabled; TemporarilyDisabled
	// one PagerDuty paused after three drops in a row.
	Active, TemporarilyDisabled bool
	// FilterType is service_reference, team_reference or account_reference.
	FilterType, FilterID string
}

// SetSubscriptions replaces the webhook subscriptions the fake lists.
func (s *Server) SetSubscriptions(subs ...Subscription) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subs = append([]Subscription(nil), subs...)
}

// listSubscriptions answers GET /webhook_subscriptions in PagerDuty's wire
// format, paged by limit (default 25, at most 100) and offset.
func (s *Server) listSubscriptions(w http.ResponseWriter, r *http.Request) {
	limit, offset := 25, 0
	if n, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && n > 0 {
		limit = min(n, 100)
	}
	if n, err := strconv.Atoi(r.URL.Query().Get("offset")); err == nil && n >= 0 {
		offset = n
	}
	s.mu.Lock()
	subs := s.subs[min(offset, len(s.subs)):]
	s.mu.Unlock()
	more := len(subs) > limit
	subs = subs[:min(limit, len(subs))]
	out := make([]map[string]any, 0, len(subs))
	for _, sub := range subs {
		filter := map[string]any{"type": sub.FilterType}
		if sub.FilterID != "" {
			filter["id"] = sub.FilterID
		}
		out = append(out, map[string]any{
			"id": sub.ID, "type": "webhook_subscription", "active": sub.Active, "description": "noctuary",
			"delivery_method": map[string]any{"id": "D" + sub.ID, "type": "http_delivery_method", "url": sub.URL,
				"secret": nil, "temporarily_disabled": sub.TemporarilyDisabled, "custom_headers": []any{}},
			"events": []string{"incident.triggered", "incident.acknowledged", "incident.resolved", "incident.reopened"},
			"filter": filter,
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhook_subscriptions": out, "limit": limit, "offset": offset, "more": more})
}
