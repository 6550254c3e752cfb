package blocks

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
)

// Block Kit limits (docs.slack.dev/reference/block-kit).
const (
	maxHeaderText  = 150
	maxSectionText = 3000
	maxButtonText  = 75
	maxConfirmText = 300
	maxConfirmHead = 100
	maxActionElems = 25
	maxSignals     = 10
	maxSummary     = 200 // fallback reasons
	maxResultText  = 300
)

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Escape makes untrusted text safe inside mrkdwn: Slack's control
// characters &, < and > become entities, so no text can forge a mention or a
// link.
func Escape(s string) string { return mrkdwnEscaper.Replace(s) }

// oneLine renders outside text, or text that quotes it, on one line in
// mrkdwn: defused (noctuary.Defuse: no line breaks, control characters or
// mention syntax), then escaped.
func oneLine(s string) string { return Escape(noctuary.Defuse(s)) }

// link returns the mrkdwn link <url|text>, or the escaped text alone when url
// is not an http(s) URL: "<!channel|x>" or "<@U123|x>" would be a mention.
func link(url, text string) string {
	text = strings.ReplaceAll(Escape(text), "|", "¦")
	if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
		return text
	}
	url = strings.NewReplacer("|", "%7C", ">", "%3E", "<", "%3C", " ", "%20").Replace(url)
	return "<" + url + "|" + text + ">"
}

// Truncate shortens s to at most n bytes on a rune boundary, ending in "…"
// when it had to cut.
func Truncate(s string, n int) string { return noctuary.Cut(s, n, "…") }

// clock formats t as the note does: HH:MM:SS in UTC.
func clock(t time.Time) string { return t.UTC().Format("15:04:05") }

// percent renders a confidence in [0,1] as a whole percentage.
func percent(c float64) string { return fmt.Sprintf("%d%%", int(math.Round(c*100))) }

// humanDuration renders d as "6m 19s", "2h 5m" or "42s".
func humanDuration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm %ds", int(d.Minutes()), int(d.Seconds())%60)
	default:
		return fmt.Sprintf("%dh %dm", int(d.Hours()), int(d.Minutes())%60)
	}
}
