package sources

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
)

// Alertmanager translates Alertmanager's webhook payload, version 4
// (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config).
// Each alert is one event of the service named by its ServiceLabel label:
// a firing alert is a failure signal of kind alertname, a resolved one the
// end of that signal, of kind "resolved".
type Alertmanager struct {
	// ServiceLabel names the label that holds the service key.
	ServiceLabel string
}

// amPayload is the part of the webhook payload that is used.
type amPayload struct {
	Version string    `json:"version"`
	Alerts  []amAlert `json:"alerts"`
}

type amAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     string            `json:"startsAt"`
	EndsAt       string            `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// Translate implements ingest.Translator.
func (a Alertmanager) Translate(_ http.Header, body []byte) (Result, error) {
	var p amPayload
	if err := decodeJSON(body, "Alertmanager webhook", &p); err != nil {
		return Result{}, err
	}
	if p.Version != "4" {
		return Result{}, noctuary.Errorf(noctuary.EInvalid, "The payload's version is %q; Noctuary reads the Alertmanager webhook payload version 4.", Clip(p.Version, 20))
	}
	res := newResult()
	for i, al := range p.Alerts {
		ev, err := a.event(al)
		if err != nil {
			return Result{}, noctuary.Errorf(noctuary.EInvalid, "Alert %d: %s.", i, noctuary.ErrorMessage(err))
		}
		if ev.Service == "" {
			res.Unmapped = append(res.Unmapped, fmt.Sprintf("alert %s (fingerprint %s): no valid %q label", Clip(al.Labels["alertname"], 100), Clip(fingerprint(al), 40), a.ServiceLabel))
			continue
		}
		res.Events = append(res.Events, ev)
	}
	return res, nil
}

// event translates one alert; Service is "" when the alert maps to none.
func (a Alertmanager) event(al amAlert) (noctuary.ContextEvent, error) {
	starts, err := fieldTime("startsAt", al.StartsAt)
	if err != nil {
		return noctuary.ContextEvent{}, err
	}
	name := Clip(strings.TrimSpace(al.Labels["alertname"]), noctuary.MaxKindLen)
	if name == "" {
		name = "alert"
	}
	fp := fingerprint(al)
	ev := noctuary.ContextEvent{
		ID:         "alertmanager:" + fp + ":" + strconv.FormatInt(starts.UnixMilli(), 10),
		Kind:       name,
		Source:     "alertmanager",
		OccurredAt: starts,
		Summary:    Clip(alertSummary(al, name), noctuary.MaxSummaryLen),
		Attributes: alertAttributes(al, a.ServiceLabel),
	}
	if svc, ok := ServiceKey(al.Labels[a.ServiceLabel]); ok {
		ev.Service = svc
	}
	if al.Status == "resolved" {
		if ev.OccurredAt, err = fieldTime("endsAt", al.EndsAt); err != nil {
			return ev, err
		}
		ev.ID += ":resolved"
		ev.Kind = "resolved"
		ev.Attributes["started_at"] = starts.Format(time.RFC3339Nano)
	}
	if ev.Link = firstURL(al.GeneratorURL); ev.Link == "" && al.GeneratorURL != "" {
		ev.Attributes["generator_url"] = Clip(al.GeneratorURL, noctuary.MaxAttributeValueLen)
	}
	return ev, nil
}

// fingerprint is the alert's fingerprint, or a digest of its labels from an
// Alertmanager older than 0.19, which sent none.
func fingerprint(al amAlert) string {
	if al.Fingerprint != "" {
		return al.Fingerprint
	}
	var pairs []string
	for _, k := range slices.Sorted(maps.Keys(al.Labels)) {
		pairs = append(pairs, k, al.Labels[k])
	}
	return hashID(pairs...)
}

// alertSummary is the alert's summary annotation, else its description, else
// its name; a resolved alert's says so.
func alertSummary(al amAlert, name string) string {
	s := al.Annotations["summary"]
	if s == "" {
		s = al.Annotations["description"]
	}
	if s == "" {
		s = name
	}
	if al.Status == "resolved" {
		return "resolved: " + s
	}
	return s
}

// reservedAlertAttrs are the attributes an alert's translation sets itself.
const reservedAlertAttrs = 4 // alertname, fingerprint, status, started_at or generator_url

// alertAttributes are the alert's labels (those that fit an attribute, in
// name order, as many as the limit allows), its status and fingerprint.
func alertAttributes(al amAlert, serviceLabel string) map[string]string {
	m := attrs("alertname", al.Labels["alertname"], "status", al.Status, "fingerprint", al.Fingerprint)
	for _, k := range slices.Sorted(maps.Keys(al.Labels)) {
		if len(m) >= noctuary.MaxAttributes-reservedAlertAttrs {
			break
		}
		if _, taken := m[k]; taken || k == "" || k == serviceLabel || len(k) > noctuary.MaxAttributeKeyLen || al.Labels[k] == "" {
			continue
		}
		m[k] = Clip(al.Labels[k], noctuary.MaxAttributeValueLen)
	}
	return m
}
