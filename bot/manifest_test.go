package bot

import (
	"os"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"
)

// manifest is the part of app-manifest.yaml the code depends on.
type manifest struct {
	Display struct {
		Name string `yaml:"name"`
	} `yaml:"display_information"`
	Features struct {
		BotUser struct {
			DisplayName string `yaml:"display_name"`
		} `yaml:"bot_user"`
		SlashCommands []struct {
			Command      string `yaml:"command"`
			URL          string `yaml:"url"`
			UsageHint    string `yaml:"usage_hint"`
			ShouldEscape bool   `yaml:"should_escape"`
		} `yaml:"slash_commands"`
	} `yaml:"features"`
	OAuth struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		Interactivity struct {
			Enabled    bool   `yaml:"is_enabled"`
			RequestURL string `yaml:"request_url"`
		} `yaml:"interactivity"`
		SocketMode *bool `yaml:"socket_mode_enabled"`
	} `yaml:"settings"`
}

func TestManifestDeclaresWhatTheCodeUses(t *testing.T) {
	raw, err := os.ReadFile("../app-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatalf("app-manifest.yaml is not valid YAML: %v", err)
	}
	if m.Display.Name != "Noctuary" || m.Features.BotUser.DisplayName == "" {
		t.Errorf("name %q, bot user %q", m.Display.Name, m.Features.BotUser.DisplayName)
	}
	if len(m.Features.SlashCommands) != 1 {
		t.Fatalf("slash commands: %+v", m.Features.SlashCommands)
	}
	cmd := m.Features.SlashCommands[0]
	if cmd.Command != SlashCommand || cmd.UsageHint == "" || !cmd.ShouldEscape ||
		cmd.URL != "https://noctuary.example.com/slack/commands" {
		t.Errorf("slash command %+v", cmd)
	}
	it := m.Settings.Interactivity
	if !it.Enabled || it.RequestURL != "https://noctuary.example.com/slack/interactions" {
		t.Errorf("interactivity %+v", it)
	}
	if m.Settings.SocketMode == nil || *m.Settings.SocketMode {
		t.Error("socket_mode_enabled must be false by default")
	}
	for _, s := range Scopes {
		if !slices.Contains(m.OAuth.Scopes.Bot, s) {
			t.Errorf("scope %s is used but not declared", s)
		}
	}
	for _, s := range m.OAuth.Scopes.Bot {
		if !slices.Contains(Scopes, s) {
			t.Errorf("scope %s is declared but unused (least privilege)", s)
		}
	}
}
