package sources

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/noctuary/noctuary"
)

// PagerDutyChange translates the body of a PagerDuty Events API v2 change
// event (https://developer.pagerduty.com/docs/send-change-event), exactly as
// CI/CD tools send it to https://events.pagerduty.com/v2/change/enqueue. The
// routing_key names the service; an undeclared key is refused. The kind is
// classified from the summary and custom_details (ChangeKind).
type PagerDutyChange struct {
	// RoutingKeys maps each declared routing key to a service key.
	RoutingKeys map[noctuary.Secret]string
}

type pdChangeEvent struct {
	RoutingKey string `json:"routing_key"`
	Payload    *struct {
		Summary       string                     `json:"summary"`
		Source        string                     `json:"source"`
		Timestamp     string                     `json:"timestamp"`
		CustomDetails map[string]json.RawMessage `json:"custom_details"`
	} `json:"payload"`
	Links []struct {
		Href string `json:"href"`
	} `json:"links"`
}

// Translate implements ingest.Translator. A change event without a
// timestamp is dated when it is received, as PagerDuty does.
func (pc PagerDutyChange) Translate(_ http.Header, body []byte) (Result, error) {
	var ce pdChangeEvent
	if err := decodeJSON(body, "PagerDuty change event", &ce); err != nil {
		return Result{}, err
	}
	svc, err := pc.service(ce.RoutingKey)
	if err != nil {
		return Result{}, err
	}
	p := ce.Payload
	if p == nil || strings.TrimSpace(p.Summary) == "" {
		return Result{}, noctuary.Errorf(noctuary.EInvalid, "payload.summary is required, as PagerDuty requires it.")
	}
	ev := noctuary.ContextEvent{
		ID:         "pagerduty_change:" + hashID(svc, p.Summary, p.Source, p.Timestamp),
		Service:    svc,
		Source:     "pagerduty_change",
		Summary:    Clip(p.Summary, noctuary.MaxSummaryLen),
		Attributes: detailAttributes(p.CustomDetails),
	}
	if p.Timestamp != "" {
		if ev.OccurredAt, err = fieldTime("payload.timestamp", p.Timestamp); err != nil {
			return Result{}, err
		}
	}
	if o := strings.TrimSpace(p.Source); o != "" {
		ev.Attributes["origin"] = Clip(o, noctuary.MaxAttributeValueLen)
	}
	ev.Kind = ChangeKind(p.Summary, p.CustomDetails)
	for _, l := range ce.Links {
		if ev.Link = firstURL(l.Href); ev.Link != "" {
			break
		}
	}
	res := newResult()
	res.Events = append(res.Events, ev)
	return res, nil
}

// service returns the service of a declared routing key, comparing the key
// with every declared one in constant time.
func (pc PagerDutyChange) service(key string) (string, error) {
	if key == "" {
		return "", noctuary.Errorf(noctuary.EUnauthorized, "routing_key is missing; send the routing key declared in sources.pagerduty_change.routing_keys.")
	}
	got := sha256.Sum256([]byte(key))
	svc := ""
	for declared, s := range pc.RoutingKeys {
		want := sha256.Sum256([]byte(declared.Reveal()))
		if subtle.ConstantTimeCompare(got[:], want[:]) == 1 {
			svc = s
		}
	}
	if svc == "" {
		return "", noctuary.Errorf(noctuary.EUnauthorized, "The routing_key is not declared in sources.pagerduty_change.routing_keys.")
	}
	return svc, nil
}

// Attribute names that custom_details commonly use for a deploy's facts.
var detailAliases = map[string]string{
	"sha": "sha", "commit": "sha", "commit_sha": "sha", "git_sha": "sha", "revision": "sha", "git_commit": "sha",
	"previous_sha": "previous_sha", "previous_revision": "previous_sha", "previous_commit": "previous_sha",
	"environment": "environment", "env": "environment",
}

// detailAttributes turns custom_details into attributes: strings as they
// are, other values as compact JSON, in key order up to the limit; the
// usual names of a sha, a previous sha and an environment are also given
// under ours.
func detailAttributes(details map[string]json.RawMessage) map[string]string {
	m := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(details)) {
		if len(m) >= noctuary.MaxAttributes-4 { // room for origin and the aliases
			break
		}
		if k == "" || len(k) > noctuary.MaxAttributeKeyLen {
			continue
		}
		v := detailValue(details[k])
		if v == "" {
			continue
		}
		m[k] = Clip(v, noctuary.MaxAttributeValueLen)
		if alias := detailAliases[strings.ToLower(k)]; alias != "" {
			m[alias] = m[k]
		}
	}
	return m
}

// detailValue is a JSON value as text: a string's content, else the JSON.
func detailValue(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	if string(raw) == "null" {
		return ""
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return ""
	}
	return buf.String()
}
