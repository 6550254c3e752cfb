package bot

import (
	"testing"

	"github.com/slack-go/slack"
)

func TestParseChannel(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"<#C0123ABCD|checkout-incidents>", "C0123ABCD", true},
		{"<#C0123ABCD>", "C0123ABCD", true},
		{"C0123ABCD", "C0123ABCD", true},
		{"G0PRIVATE1", "G0PRIVATE1", true},
		{"#checkout", "", false},
		{"<#U0123ABCD|bob>", "", false},
		{"<@U0123ABCD>", "", false},
		{"c0123abcd", "", false},
		{"<#C0|x>", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, err := parseChannel(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("parseChannel(%q) = %q, %v", tt.in, got, err)
		}
	}
}

func TestParseApprover(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"<@U0ALICE|alice>", "U0ALICE", true},
		{"<@W0ENTERPRISE>", "W0ENTERPRISE", true},
		{"U0ALICE", "U0ALICE", true},
		{"<!subteam^S0SRETEAM|@sre>", "S0SRETEAM", true},
		{"<!subteam^S0SRETEAM>", "S0SRETEAM", true},
		{"S0SRETEAM", "S0SRETEAM", true},
		{"@alice", "", false},
		{"<!channel>", "", false},
		{"<!subteam^U0ALICE>", "U0ALICE", true}, // an ID is an ID; the admin package validates membership
		{"<#C0123ABCD>", "", false},
		{"<@U0ALICE", "", false},
	}
	for _, tt := range tests {
		got, err := parseApprover(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("parseApprover(%q) = %q, %v", tt.in, got, err)
		}
	}
}

func FuzzParseMention(f *testing.F) {
	for _, s := range []string{"<#C0123ABCD|x>", "<@U0ALICE|a>", "<!subteam^S0SRETEAM|@sre>", "C1", "<#>", "<@|>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, parse := range []func(string) (string, error){parseChannel, parseApprover} {
			id, err := parse(s)
			if err == nil && !slackID(id, "CGUWS") {
				t.Fatalf("%q parsed to %q, not an ID", s, id)
			}
			if err != nil && id != "" {
				t.Fatalf("%q: error %v with id %q", s, err, id)
			}
		}
	})
}

func FuzzSlashCommandText(f *testing.F) {
	for _, s := range []string{"help", "enable checkout <#C1ABC|x>", "approvers a add <@U1AB>", "mode x yolo", "  ", "rotate prod"} {
		f.Add(s)
	}
	h := newHarness(f, "embedded")
	f.Fuzz(func(t *testing.T, text string) {
		sc := slack.SlashCommand{Command: SlashCommand, Text: text, UserID: adminUser, TriggerID: "1.2.3"}
		if r := h.bot.command(t.Context(), sc); r.Text == "" || r.ResponseType != "ephemeral" {
			t.Fatalf("%q got %+v: silence", text, r)
		}
	})
}
