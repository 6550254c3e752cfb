package noctuary

import (
	"reflect"
	"testing"
)

func TestSettingsDrift(t *testing.T) {
	file := Service{Key: "checkout", Enabled: true, Mode: ModeReadOnly, SlackChannel: "C0A", Approvers: []string{"U1", "U2"}}
	tests := []struct {
		name   string
		source SettingsSource
		live   func(*Service)
		want   []Drift
	}{
		{"same", "", func(*Service) {}, nil},
		{"approvers in another order", "", func(s *Service) { s.Approvers = []string{"U2", "U1", "U2"} }, nil},
		{"disabled live, live wins by default", "", func(s *Service) { s.Enabled = false },
			[]Drift{{Service: "checkout", Field: "enabled", File: "true", Live: "false", Wins: SettingsLive}}},
		{"every field, file wins", SettingsFile, func(s *Service) {
			s.Enabled, s.Mode, s.SlackChannel, s.Approvers = false, ModeAction, "", nil
		}, []Drift{
			{Service: "checkout", Field: "enabled", File: "true", Live: "false", Wins: SettingsFile},
			{Service: "checkout", Field: "mode", File: "read-only", Live: "action", Wins: SettingsFile},
			{Service: "checkout", Field: "slack_channel", File: "C0A", Live: "", Wins: SettingsFile},
			{Service: "checkout", Field: "approvers", File: "U1,U2", Live: "", Wins: SettingsFile},
		}},
		{"paused and dependencies are not live settings", "", func(s *Service) { s.Paused, s.Dependencies = true, []string{"db"} }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := file
			f.SettingsSource = tc.source
			live := file
			live.Approvers = append([]string(nil), file.Approvers...)
			tc.live(&live)
			got := SettingsDrift(f, live)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("SettingsDrift = %+v, want %+v", got, tc.want)
			}
			for _, d := range got {
				ApplySetting(&live, f, d.Field)
			}
			if again := SettingsDrift(f, live); again != nil {
				t.Errorf("after applying every drift: %+v", again)
			}
		})
	}
}

func TestFileSettingsDrift(t *testing.T) {
	ack := 0.9
	file := Service{Key: "checkout", Environment: "prod", PagerDutyServiceIDs: []string{"PA", "PB"}, Dependencies: []string{"db"},
		ApproveOncall: true, AutoAcknowledge: &ack, LLM: true, Mode: ModeReadOnly}
	other := 0.75
	tests := []struct {
		name string
		live func(*Service)
		want []Drift
	}{
		{"same", func(*Service) {}, nil},
		{"lists compared as sets", func(s *Service) { s.PagerDutyServiceIDs = []string{"PB", "PA", "PA"} }, nil},
		{"a live setting is not one of them", func(s *Service) { s.Mode = ModeAction }, nil},
		{"environment", func(s *Service) { s.Environment = "staging" }, []Drift{{Field: "environment", File: "prod", Live: "staging"}}},
		{"dependencies set live", func(s *Service) { s.Dependencies = []string{"db", "cache"} }, []Drift{{Field: "dependencies", File: "db", Live: "cache,db"}}},
		{"auto_acknowledge", func(s *Service) { s.AutoAcknowledge = &other }, []Drift{{Field: "auto_acknowledge", File: "0.9", Live: "0.75"}}},
		{"auto_acknowledge off live", func(s *Service) { s.AutoAcknowledge = nil }, []Drift{{Field: "auto_acknowledge", File: "0.9", Live: ""}}},
		{"flags, in order", func(s *Service) { s.LLM, s.ApproveOncall = false, false; s.PagerDutyServiceIDs = nil },
			[]Drift{{Field: "pagerduty_service_ids", File: "PA,PB", Live: ""}, {Field: "approve_oncall", File: "true", Live: "false"}, {Field: "llm", File: "true", Live: "false"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			live := file
			tc.live(&live)
			for i := range tc.want {
				tc.want[i].Service, tc.want[i].Wins = "checkout", SettingsFile
			}
			if got := FileSettingsDrift(file, live); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("FileSettingsDrift = %+v, want %+v", got, tc.want)
			}
		})
	}
}
