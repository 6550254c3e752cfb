package store

import (
	"encoding/json"
	"strconv"

	"github.com/noctuary/noctuary"
)

// Fields of a noctuary:service:{<svc>} hash.
const (
	fEnvironment     = "environment"
	fEnabled         = "enabled"
	fMode            = "mode"
	fPaused          = "paused"
	fSlackChannel    = "slack_channel"
	fApproveOncall   = "approve_oncall"
	fLLM             = "llm"
	fAutoAcknowledge = "auto_acknowledge"
	fPagerDutyIDs    = "pagerduty_service_ids"
	fApprovers       = "approvers"
	fDependencies    = "dependencies"
)

// serviceFields returns the hash fields of svc: every setting but its key
// and its actions (which come from the configuration only).
func serviceFields(svc noctuary.Service) []any {
	auto := ""
	if svc.AutoAcknowledge != nil {
		auto = strconv.FormatFloat(*svc.AutoAcknowledge, 'g', -1, 64)
	}
	return []any{
		fEnvironment, svc.Environment,
		fEnabled, strconv.FormatBool(svc.Enabled),
		fMode, string(svc.Mode),
		fPaused, strconv.FormatBool(svc.Paused),
		fSlackChannel, svc.SlackChannel,
		fApproveOncall, strconv.FormatBool(svc.ApproveOncall),
		fLLM, strconv.FormatBool(svc.LLM),
		fAutoAcknowledge, auto,
		fPagerDutyIDs, jsonList(svc.PagerDutyServiceIDs),
		fApprovers, jsonList(svc.Approvers),
		fDependencies, jsonList(svc.Dependencies),
	}
}

// parseService reads a service hash. A missing llm field means true; a
// missing mode means read-only.
func parseService(key string, h map[string]string) noctuary.Service {
	svc := noctuary.Service{
		Key:                 key,
		Environment:         h[fEnvironment],
		Enabled:             h[fEnabled] == "true",
		Mode:                noctuary.Mode(h[fMode]),
		Paused:              h[fPaused] == "true",
		SlackChannel:        h[fSlackChannel],
		ApproveOncall:       h[fApproveOncall] == "true",
		LLM:                 h[fLLM] != "false",
		PagerDutyServiceIDs: parseList(h[fPagerDutyIDs]),
		Approvers:           parseList(h[fApprovers]),
		Dependencies:        parseList(h[fDependencies]),
	}
	if svc.Mode == "" {
		svc.Mode = noctuary.ModeReadOnly
	}
	if f, err := strconv.ParseFloat(h[fAutoAcknowledge], 64); err == nil {
		svc.AutoAcknowledge = &f
	}
	return svc
}

func jsonList(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l) // a []string always encodes
	return string(b)
}

func parseList(s string) []string {
	var l []string
	_ = json.Unmarshal([]byte(s), &l) // a corrupt list reads as empty
	if len(l) == 0 {
		return nil
	}
	return l
}
