package config

import (
	"fmt"

	"github.com/noctuary/noctuary"
)

// services validates the file's services.
func (l *loader) services(raws []at[rawService]) {
	keys := map[string]string{}
	claimed := map[string]string{} // PagerDuty service ID -> its service and line
	for _, r := range raws {
		if svc, ok := l.service(r, keys, claimed); ok {
			l.cfg.Services = append(l.cfg.Services, svc)
		}
	}
}

func (l *loader) service(r at[rawService], keys, claimed map[string]string) (noctuary.Service, bool) {
	n := len(l.problems)
	v := r.V
	svc := noctuary.Service{
		Key:           l.str(v.Key),
		Environment:   l.str(v.Environment),
		Enabled:       v.Enabled.V,
		Mode:          noctuary.Mode(l.str(v.Mode)),
		SlackChannel:  l.str(v.SlackChannel),
		ApproveOncall: v.ApproveOncall.V,
		LLM:           v.LLM.Line == 0 || v.LLM.V,
	}
	l.unique(keys, "service key", svc.Key, v.Key, r.Line)
	l.environment(&svc, v.Environment, r.Line)
	l.mode(&svc, v)
	svc.SettingsSource = noctuary.SettingsSource(l.str(v.SettingsSource))
	if svc.SettingsSource == "" && v.SettingsSource.V == "" {
		svc.SettingsSource = noctuary.SettingsLive
	} else if !svc.SettingsSource.Valid() && svc.SettingsSource != "" {
		l.at(v.SettingsSource.Line, "settings_source: %q is not valid; use live (live changes win at start-up) or file (the file wins)", svc.SettingsSource)
	}
	if svc.SlackChannel != "" && !slackChannel.MatchString(svc.SlackChannel) {
		l.at(v.SlackChannel.Line, "slack_channel: %q is not a Slack channel ID (C... or G...); copy it from the channel's details", svc.SlackChannel)
	}
	svc.PagerDutyServiceIDs = l.list(v.PagerDutyServiceIDs, "pagerduty_service_ids", func(id string) string {
		if p := validKey(id); p != "" {
			return p
		}
		if claimed[id] != "" {
			return fmt.Sprintf("%q is already claimed by %s", id, claimed[id])
		}
		claimed[id] = fmt.Sprintf("service %q", svc.Key)
		return ""
	})
	svc.Approvers = l.list(v.Approvers, "approvers", matches(slackSubject, "a Slack user or user group ID (U..., W... or S...)"))
	svc.Dependencies = l.list(v.Dependencies, "dependencies", func(dep string) string {
		if dep == svc.Key {
			return "a service cannot depend on itself"
		}
		return validKey(dep)
	})
	svc.Actions = l.actions(v.Actions)
	return svc, len(l.problems) == n
}

// environment defaults the service's environment and checks that an
// integration serves it.
func (l *loader) environment(svc *noctuary.Service, t text, line int) {
	if t.Line != 0 {
		line = t.Line
	}
	switch {
	case svc.Environment == "" && t.V != "":
		return // expansion failed, already reported
	case svc.Environment == "":
		svc.Environment = noctuary.DefaultIntegration
		if l.envs[svc.Environment] == "" {
			l.at(line, "environment %q has no integration; set NOCTUARY_PAGERDUTY_WEBHOOK_SECRET or give the service the environment of a declared integration", svc.Environment)
		}
	case l.envs[svc.Environment] == "":
		l.at(line, "environment %q has no integration; declare one under integrations: or fix the name", svc.Environment)
	}
}

// mode defaults the mode to read-only and checks auto_acknowledge, which
// only action mode uses.
func (l *loader) mode(svc *noctuary.Service, v rawService) {
	if svc.Mode == "" && v.Mode.V == "" {
		svc.Mode = noctuary.ModeReadOnly
	} else if !svc.Mode.Valid() && svc.Mode != "" {
		l.at(v.Mode.Line, "mode: %q is not valid; use read-only or action", svc.Mode)
	}
	ack := v.AutoAcknowledge
	switch {
	case ack.Line == 0:
	case !(ack.V > 0 && ack.V <= 1):
		l.at(ack.Line, "auto_acknowledge: %v is not a confidence above 0 and at most 1; use e.g. 0.9", ack.V)
	case svc.Mode != noctuary.ModeAction:
		l.at(ack.Line, "auto_acknowledge needs mode: action")
	default:
		svc.AutoAcknowledge = &ack.V
	}
}

// actions validates a service's declared actions.
func (l *loader) actions(raws []at[rawAction]) []noctuary.ActionSpec {
	names := map[string]string{}
	var out []noctuary.ActionSpec
	for _, r := range raws {
		v := r.V
		a := noctuary.ActionSpec{
			Name:        l.str(v.Name),
			Description: l.str(v.Description),
			Destructive: v.Destructive.Line == 0 || v.Destructive.V,
			Webhook:     l.str(v.Webhook),
		}
		l.unique(names, "action name", a.Name, v.Name, r.Line)
		if missing(v.Webhook) {
			l.at(r.Line, "webhook is required: the URL Noctuary POSTs to run the action")
		} else if p := httpURL(a.Webhook); a.Webhook != "" && p != "" {
			l.at(v.Webhook.Line, "webhook: %s", p)
		}
		if missing(v.Secret) {
			l.at(r.Line, "secret is required: Noctuary signs every action request with it")
		} else {
			a.Secret = noctuary.Secret(l.str(v.Secret))
		}
		params := map[string]bool{}
		a.Params = l.list(v.Params, "params", func(p string) string {
			if !paramName.MatchString(p) {
				return fmt.Sprintf("%q is not an identifier (letters, digits and _, not starting with a digit)", p)
			}
			if params[p] {
				return fmt.Sprintf("%q is listed twice", p)
			}
			params[p] = true
			return ""
		})
		out = append(out, a)
	}
	return out
}

// slackAdmins validates slack.admins.
func (l *loader) slackAdmins(s rawSlack) {
	l.cfg.Slack.Admins = l.list(s.Admins, "slack.admins", matches(slackUser, "a Slack user ID (U... or W...)"))
}
