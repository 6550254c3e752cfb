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
	// Field is the file's name of the setting (enabled, mode,
	// slack_channel, approvers).
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

// settingText is a live setting's value as text; approvers are compared
// as a set.
func settingText(s Service, field string) string {
	switch field {
	case "enabled":
		return strconv.FormatBool(s.Enabled)
	case "mode":
		return string(s.Mode)
	case "slack_channel":
		return s.SlackChannel
	case "approvers":
		a := slices.Clone(s.Approvers)
		slices.Sort(a)
		return strings.Join(slices.Compact(a), ",")
	}
	return ""
}
