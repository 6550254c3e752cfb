package review

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
)

// flavor is how a text format writes headings and emphasis.
type flavor struct {
	heading func(string) string
	bold    func(string) string
}

var (
	markdown  = flavor{heading: func(s string) string { return "## " + s }, bold: func(s string) string { return "**" + s + "**" }}
	slackText = flavor{heading: func(s string) string { return "*" + s + "*" }, bold: func(s string) string { return "*" + s + "*" }}
)

// Markdown renders r as a Markdown document (the API and the command line).
func (b *Builder) Markdown(r noctuary.Review) string {
	return "# Noctuary rollout review\n\n" + render(r, markdown)
}

// SlackText renders r as Slack mrkdwn (/noctuary review).
func (b *Builder) SlackText(r noctuary.Review) string {
	return "*Noctuary rollout review*\n" + render(r, slackText)
}

func render(r noctuary.Review, f flavor) string {
	var s strings.Builder
	fmt.Fprintf(&s, "Generated %s, covering the %d days since %s.\n\n", r.GeneratedAt.UTC().Format("2006-01-02 15:04 UTC"),
		int(math.Round(r.GeneratedAt.Sub(r.Since).Hours()/24)), r.Since.UTC().Format(time.DateOnly))
	fmt.Fprintf(&s, "%s\n", f.heading(fmt.Sprintf("Drift (%d)", len(r.Findings))))
	if len(r.Findings) == 0 {
		s.WriteString("None: the file, the live settings and PagerDuty agree.\n")
	}
	for _, x := range r.Findings {
		fmt.Fprintf(&s, "- %s %s\n", f.bold(x.Category), x.Text)
	}
	fmt.Fprintf(&s, "\n%s\n", f.heading("PagerDuty"))
	for _, k := range r.Keys {
		works := "does not work"
		if k.Credential != nil {
			works = k.Credential.Summary()
		}
		fmt.Fprintf(&s, "- key of %s (environment %s): %s, %d days old", k.Integration, k.Environment, works, k.AgeDays)
		if !k.DueAt.IsZero() {
			fmt.Fprintf(&s, ", rotation due %s", k.DueAt.UTC().Format(time.DateOnly))
		}
		s.WriteString("\n")
	}
	for _, c := range r.Subscriptions {
		fmt.Fprintf(&s, "- %s, PagerDuty service %s: webhook subscription %s", c.Service, c.PagerDutyServiceID, strings.ReplaceAll(c.Status, "_", " "))
		if c.Subscription != "" {
			fmt.Fprintf(&s, " (%s)", c.Subscription)
		}
		s.WriteString("\n")
	}
	fmt.Fprintf(&s, "\n%s\n", f.heading("Services"))
	for _, sr := range r.Services {
		writeService(&s, sr, f)
	}
	if len(r.PagingNotEnabled) > 0 {
		fmt.Fprintf(&s, "\n%s\n", f.heading("Paging but not enabled"))
		for _, p := range r.PagingNotEnabled {
			fmt.Fprintf(&s, "- %s: paged %s\n", p.Service, times(p.Incidents))
		}
	}
	return s.String()
}

func writeService(s *strings.Builder, sr noctuary.ServiceReview, f flavor) {
	state := "disabled"
	if sr.Enabled {
		state = "enabled, " + string(sr.Mode)
		if !sr.EnabledSince.IsZero() {
			state += " since " + sr.EnabledSince.UTC().Format(time.DateOnly)
		}
	}
	fmt.Fprintf(s, "- %s (%s): %s\n", f.bold(sr.Service), sr.Environment, state)
	fmt.Fprintf(s, "  - incidents: %d paged, %d triaged; hypotheses found right: %s\n", sr.Paged, sr.Triaged, precision(sr.Precision))
	fmt.Fprintf(s, "  - actions: %d proposed, %d approved, %d executed, %d failed\n", sr.Proposed, sr.Approved, sr.Executed, sr.Failed)
	fmt.Fprintf(s, "  - time to acknowledge: %s before enabling, %s after\n", ackText(sr.AckBefore), ackText(sr.AckAfter))
}

// precision is "30 days 75% of 4 · 90 days 80% of 10", or "no votes".
func precision(ws []noctuary.WindowPrecision) string {
	var parts []string
	for _, w := range ws {
		if p, ok := w.All.Precision(); ok {
			parts = append(parts, fmt.Sprintf("%d days %d%% of %d", w.Days, int(math.Round(p*100)), w.All.Right+w.All.Wrong))
		}
	}
	if len(parts) == 0 {
		return "no votes"
	}
	return strings.Join(parts, " · ")
}

// ackText is "median 4m0s of 3", or "none".
func ackText(a noctuary.AckTimes) string {
	if a.Count == 0 {
		return "none"
	}
	return fmt.Sprintf("median %s of %d", (time.Duration(a.MedianSeconds * float64(time.Second))).Round(time.Second), a.Count)
}
