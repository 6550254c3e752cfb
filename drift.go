package noctuary

import (
	"slices"
	"strconv"
	"strings"
)

// SettingsSource says which of the configuration file and the live settings
// (Redis: what admins changed in Slack, the dashboard or the admin API) wins
// for a service at start-up.
type SettingsSource string

// Settings sources of a service (docs/architecture.md, "Configuration").
const (
	// SettingsLive keeps the live settings at start-up: a Slack `disable`
	// survives a restart. The default.
	SettingsLive SettingsSource = "live"
	// SettingsFile makes the file's settings the live ones at every
	// start-up, audited as the actor ActorConfigFile.
	SettingsFile SettingsSource = "file"
)

// Valid reports whether s is a known settings source.
func (s SettingsSource) Valid() bool { return s == SettingsLive || s == SettingsFile }

// ActorConfigFile is the audit actor of live settings set from the
// configuration file at start-up.
const ActorConfigFile = "config:file"

// Drift is one setting of a service whose value in the configuration file
// differs from the live one.
type Drift struct {
	Service string `json:"service"`
	// Field is the file's name of the setting: one of LiveSettings, or
	// of FileSettings (config apply).
	Field string `json:"field"`
	File  string `json:"file"`
	Live  string `json:"live"`
	// Wins is the side that holds after start-up: the service's
	// SettingsSource.
	Wins SettingsSource `json:"wins"`
}

// LiveSettings are the fields of a service that admins change live and the
// file declares too, by their name in the file.
var LiveSettings = []string{"enabled", "mode", "slack_channel", "approvers"}

// SettingsDrift lists the live settings whose values differ between the
// file's service and the live one, in LiveSettings order; Wins is
// file.SettingsSource (live when unset).
func SettingsDrift(file, live Service) []Drift {
	wins := file.SettingsSource
	if wins == "" {
		wins = SettingsLive
	}
	var out []Drift
	for _, f := range LiveSettings {
		if a, b := settingText(file, f), settingText(live, f); a != b {
			out = append(out, Drift{Service: file.Key, Field: f, File: a, Live: b, Wins: wins})
		}
	}
	return out
}

// ApplySetting copies field (one of LiveSettings) from src to dst.
func ApplySetting(dst *Service, src Service, field string) {
	switch field {
	case "enabled":
		dst.Enabled = src.Enabled
	case "mode":
		dst.Mode = src.Mode
	case "slack_channel":
		dst.SlackChannel = src.SlackChannel
	case "approvers":
		dst.Approvers = slices.Clone(src.Approvers)
	}
}

// FileSettings are the fields of a service that only the file declares, by
// their name in the file: start-up and `noctuary config apply` set them
// from the file, whatever the service's SettingsSource.
var FileSettings = []string{"environment", "pagerduty_service_ids", "dependencies", "approve_oncall", "auto_acknowledge", "llm"}

// FileSettingsDrift lists the FileSettings whose values differ between the
// file's service and the live one, in FileSettings order; the file wins.
func FileSettingsDrift(file, live Service) []Drift {
	var out []Drift
	for _, f := range FileSettings {
		if a, b := settingText(file, f), settingText(live, f); a != b {
			out = append(out, Drift{Service: file.Key, Field: f, File: a, Live: b, Wins: SettingsFile})
		}
	}
	return out
}

// settingText is a setting's value as text; lists are compared as sets.
func settingText(s Service, field string) string {
	switch field {
	case "environment":
		return s.Environment
	case "pagerduty_service_ids":
		return setText(s.PagerDutyServiceIDs)
	case "dependencies":
		return setText(s.Dependencies)
	case "approve_oncall":
		return strconv.FormatBool(s.ApproveOncall)
	case "auto_acknowledge":
		if s.AutoAcknowledge == nil {
			return ""
		}
		return strconv.FormatFloat(*s.AutoAcknowledge, 'f', -1, 64)
	case "llm":
		return strconv.FormatBool(s.LLM)
	case "enabled":
		return strconv.FormatBool(s.Enabled)
	case "mode":
		return string(s.Mode)
	case "slack_channel":
		return s.SlackChannel
	case "approvers":
		return setText(s.Approvers)
	}
	return ""
}

// setText is a list as text, sorted and without repeats.
func setText(list []string) string {
	a := slices.Clone(list)
	slices.Sort(a)
	return strings.Join(slices.Compact(a), ",")
}
