package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/noctuary/noctuary"
)

func TestSplitDraft(t *testing.T) {
	tests := []struct {
		name string
		md   string
		max  int
		want []string
	}{
		{"fits", "# T\n\n## A\nx\n", 20, []string{"# T\n\n## A\nx\n"}},
		{"before a section", "# T\nintro\n## A\naaaa\n## B\nbbbb", 20, []string{"# T\nintro", "## A\naaaa\n## B\nbbbb"}},
		{"after a line", "line one\nline two\nline three", 12, []string{"line one", "line two", "line three"}},
		{"within a line", "abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"runes", "ééééé", 2, []string{"éé", "éé", "é"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := splitDraft(tc.md, tc.max)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("splitDraft = %q, want %q", got, tc.want)
			}
			for _, p := range got {
				if utf8.RuneCountInString(p) > tc.max || !utf8.ValidString(p) {
					t.Errorf("part %q is over %d characters or not UTF-8", p, tc.max)
				}
			}
		})
	}
}

// TestPostmortemInThread: a long draft is posted in the incident's thread
// as markdown blocks within Slack's limit, each part once however often it
// is queued; a new revision is posted again.
func TestPostmortemInThread(t *testing.T) {
	h := posted(t, checkout(noctuary.ModeReadOnly))
	ctx := context.Background()
	var b strings.Builder
	b.WriteString("# Postmortem draft: Checkout 5xx\n")
	for i := range 30 {
		fmt.Fprintf(&b, "\n## Section %d\n\n%s\n", i, strings.Repeat("All facts, no fiction. ", 40))
	}
	p := noctuary.Postmortem{ID: "pm_1", Revision: 1, IncidentID: "Q1ABCDEF", Number: 42, Service: "checkout", Markdown: b.String()}
	if err := h.store.SavePostmortem(ctx, p); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := h.bot.PostPostmortem(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	h.drain()
	parts := threadBlocks(t, h)
	if len(parts) != 3 {
		t.Fatalf("%d draft messages, want 3", len(parts))
	}
	if joined := strings.Join(parts, "\n"); strings.ReplaceAll(joined, "\n", "") != strings.ReplaceAll(p.Markdown, "\n", "") {
		t.Error("the parts do not add up to the draft")
	}
	for i, part := range parts {
		if n := utf8.RuneCountInString(part); n > maxDraftPart || (i > 0 && !strings.HasPrefix(part, "## Section")) {
			t.Errorf("part %d: %d characters, starts %.20q", i, n, part)
		}
	}
	if th := h.slack.thread(); th[0] != "Postmortem draft of incident #42, revision 1 (part 1 of 3)" {
		t.Errorf("thread text %q", th[0])
	}

	p.Revision, p.Markdown = 2, "# Postmortem draft: Checkout 5xx\n\nshorter now"
	if err := h.store.SavePostmortem(ctx, p); err != nil {
		t.Fatal(err)
	}
	_ = h.bot.PostPostmortem(ctx, p)
	h.drain()
	if parts = threadBlocks(t, h); len(parts) != 4 || parts[3] != p.Markdown {
		t.Errorf("after revision 2: %d messages, the last %q", len(parts), parts[len(parts)-1])
	}
}

// threadBlocks returns the markdown of each thread reply's markdown block.
func threadBlocks(t *testing.T, h *harness) []string {
	t.Helper()
	var out []string
	for _, c := range h.slack.callsTo("chat.postMessage") {
		if c.Form.Get("thread_ts") == "" {
			continue
		}
		var blocks []struct{ Type, Text string }
		if err := json.Unmarshal([]byte(c.Form.Get("blocks")), &blocks); err != nil || len(blocks) != 1 || blocks[0].Type != "markdown" {
			t.Fatalf("thread reply blocks %s (%v)", c.Form.Get("blocks"), err)
		}
		out = append(out, blocks[0].Text)
	}
	return out
}

func TestPostmortemCommand(t *testing.T) {
	h := newHarness(t, "embedded")
	tests := []struct{ text, want string }{
		{"postmortem", "Usage: `/noctuary postmortem <incident ID>`"},
		{"postmortem Q1/../x", "is not a PagerDuty incident ID"},
		{"postmortem Q1ABCDEF", "Postmortem drafts are not set up"},
	}
	for _, tc := range tests {
		if got := h.command("U0BOB", tc.text); !strings.Contains(got, tc.want) {
			t.Errorf("%q answered %q, want %q", tc.text, got, tc.want)
		}
	}
}
