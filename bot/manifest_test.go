package bot

import (
	"os"
	"regexp"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"
)

// botDisplayName is Slack's rule for a bot user's display name.
var botDisplayName = regexp.MustCompile(`^[a-z0-9\-_.]{1,80}$`)

// manifest is the part of app-manifest.yaml the code depends on.
type manifest struct {
	Display struct {
		Name        string `yaml:"name"`
		Description string `yaml:"description"`
	} `yaml:"display_information"`
	Features struct {
		BotUser struct {
			DisplayName string `yaml:"display_name"`
		} `yaml:"bot_user"`
		SlashCommands []struct {
			Command      string `yaml:"command"`
			Description  string `yaml:"description"`
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
		Events struct {
			RequestURL string   `yaml:"request_url"`
			BotEvents  []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
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
	if m.Display.Name != "Noctuary" || len(m.Display.Description) > 140 {
		t.Errorf("display_information: name %q, description of %d characters (140 at most)", m.Display.Name, len(m.Display.Description))
	}
	if !botDisplayName.MatchString(m.Features.BotUser.DisplayName) {
		t.Errorf("bot user display_name %q: 1-80 of a-z 0-9 - _ .", m.Features.BotUser.DisplayName)
	}
	if len(m.Features.SlashCommands) != 1 {
		t.Fatalf("slash commands: %+v", m.Features.SlashCommands)
	}
	cmd := m.Features.SlashCommands[0]
	if cmd.Command != SlashCommand || len(cmd.Command) > 32 || cmd.Description == "" || len(cmd.Description) > 2000 ||
		cmd.UsageHint == "" || len(cmd.UsageHint) > 1000 || !cmd.ShouldEscape ||
		cmd.URL != "https://noctuary.example.com/slack/commands" {
		t.Errorf("slash command %+v", cmd)
	}
	it := m.Settings.Interactivity
	if !it.Enabled || it.RequestURL != "https://noctuary.example.com/slack/interactions" {
		t.Errorf("interactivity %+v", it)
	}
	// EventsHandler answers app_mention (events.go), and nothing else is subscribed.
	if ev := m.Settings.Events; ev.RequestURL != "https://noctuary.example.com/slack/events" || !slices.Equal(ev.BotEvents, []string{"app_mention"}) {
		t.Errorf("event_subscriptions %+v", ev)
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
