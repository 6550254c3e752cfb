package postmortem

import (
	"fmt"
	"net/url"
	"strings"
	"text/template"
	"time"

	"github.com/noctuary/noctuary"
)

// draftTemplate is the draft's Markdown. Every value that came from outside
// (titles, names, event text, the model's narrative) goes through md or is
// already escaped; the facts come first and never depend on the model.
var draftTemplate = template.Must(template.New("postmortem").Funcs(template.FuncMap{
	"md": md, "link": link, "clock": clock, "stamp": stamp, "dur": dur, "pct": pct, "summary": summary, "verdict": verdict,
}).Parse(`# Postmortem draft: {{md .Title}}{{if .Number}} (incident #{{.Number}}){{end}}

_Draft {{.Revision}}, written by Noctuary ({{md .Writer}}) at {{stamp .CreatedAt}} from what it recorded. Check every line, then complete the analysis and the action items._

## Summary

{{summary .}}

- **Service:** {{if .Service}}{{md .Service}}{{else}}unknown{{end}}
- **Incident:** {{if .URL}}{{link .URL}}{{else}}{{md .IncidentID}}{{end}}
- **Impact window:** {{stamp .TriggeredAt}} → {{stamp .ResolvedAt}}{{if .ImpactWindow}} ({{dur .ImpactWindow}}){{end}}
{{- if not .AcknowledgedAt.IsZero}}
- **Acknowledged:** {{stamp .AcknowledgedAt}}{{if not .TriggeredAt.IsZero}} ({{dur (.AcknowledgedAt.Sub .TriggeredAt)}} after trigger){{end}}
{{- end}}

## Timeline (UTC)
{{range .Timeline}}
- {{clock .At}} — {{md .What}}{{if .By}} — {{md .By}}{{end}}
{{- else}}
- Nothing was recorded.
{{- end}}

## Signals
{{range .Signals}}
- {{clock .Event.OccurredAt}} — {{md .Event.Kind}} ({{md .Event.Source}}, {{md .Event.Service}}){{if .Event.Summary}}: “{{md .Event.Summary}}”{{end}}{{if .Event.Link}} — {{link .Event.Link}}{{end}}
{{- else}}
- No ContextEvents of the service or its dependencies fell in the correlation window.
{{- end}}

## Hypothesis

{{if .Hypothesis}}{{md .Hypothesis}}{{else}}No hypothesis was recorded.{{end}}{{if .Engine}} (confidence {{pct .Confidence}}, engine {{md .Engine}}{{if .TriageID}}, triage {{md .TriageID}}{{end}}){{end}}

**Engineers' verdict:** {{verdict .Feedback}}
{{- if .Narrative}}

## Narrative

_Written by {{md .Writer}} from the facts above: check it against them._

{{.Narrative}}
{{- end}}

## Analysis

_To complete: what caused the incident, and why then? What made it worse, and what helped? Was the hypothesis right; if not, what did it miss?_

## Action items

_To complete: what would prevent this, or detect or mitigate it sooner? One line each, with an owner and a date._

- [ ] 

---
Noctuary postmortem {{md .ID}}, revision {{.Revision}}; times UTC.
`))

// Render is the draft's Markdown.
func Render(p noctuary.Postmortem) string {
	var b strings.Builder
	if err := draftTemplate.Execute(&b, p); err != nil {
		// The template is fixed and its values typed: only a bug gets here.
		panic(fmt.Sprintf("postmortem template: %v", err))
	}
	return b.String()
}

// summary is the summary's sentence: what, where, how long, and what
// Noctuary thought.
func summary(p noctuary.Postmortem) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Incident %s", incidentName(p))
	if p.Service != "" {
		fmt.Fprintf(&b, " of %s", md(p.Service))
	}
	if !p.TriggeredAt.IsZero() {
		fmt.Fprintf(&b, " triggered at %s", stamp(p.TriggeredAt))
	}
	if !p.ResolvedAt.IsZero() {
		fmt.Fprintf(&b, " and was resolved at %s", clock(p.ResolvedAt))
		if w := p.ImpactWindow(); w > 0 {
			fmt.Fprintf(&b, ", %s later", dur(w))
		}
	}
	if reopens := reopenTimes(p.Timeline); len(reopens) > 0 {
		fmt.Fprintf(&b, "; it was reopened at %s", strings.Join(reopens, ", "))
	}
	b.WriteString(".")
	if p.Hypothesis != "" {
		fmt.Fprintf(&b, " Noctuary's hypothesis (confidence %s): %s", pct(p.Confidence), md(p.Hypothesis))
		if !strings.HasSuffix(p.Hypothesis, ".") {
			b.WriteString(".")
		}
	}
	return b.String()
}

// reopenTimes are the clock times of the timeline's reopens.
func reopenTimes(timeline []noctuary.TimelineEntry) []string {
	var out []string
	for _, e := range timeline {
		if e.Kind == noctuary.TimelineReopened {
			out = append(out, clock(e.At))
		}
	}
	return out
}

func incidentName(p noctuary.Postmortem) string {
	name := md(p.IncidentID)
	if p.Number > 0 {
		name = fmt.Sprintf("#%d", p.Number)
	}
	if p.Title != "" {
		name += " “" + md(p.Title) + "”"
	}
	return name
}

// verdict says whether engineers marked the hypothesis right.
func verdict(v noctuary.Verdicts) string {
	switch {
	case v.Right == 0 && v.Wrong == 0:
		return "nobody marked the hypothesis right or wrong."
	case v.Wrong == 0:
		return fmt.Sprintf("right (%d of %d engineers).", v.Right, v.Right)
	case v.Right == 0:
		return fmt.Sprintf("wrong (%d of %d engineers).", v.Wrong, v.Wrong)
	}
	return fmt.Sprintf("divided: %d marked it right, %d wrong.", v.Right, v.Wrong)
}

// mdSpecial are the characters that would make Markdown of plain text.
var mdSpecial = strings.NewReplacer(`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"#", `\#`, "|", `\|`, "~", `\~`, "!", `\!`, "&", "&amp;")

// md makes outside text one line of literal Markdown: noctuary.Defuse
// (control characters, Slack mention syntax, '<' and '>'), then every
// Markdown marker escaped.
func md(s string) string { return mdSpecial.Replace(noctuary.Defuse(s)) }

// link is an http(s) URL as a Markdown autolink, or, when it is anything
// else, its escaped text.
func link(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsFunc(s, unsafeInLink) {
		return md(s)
	}
	return "<" + s + ">"
}

// unsafeInLink reports characters that could end an autolink early or
// carry markup into it.
func unsafeInLink(r rune) bool {
	return r <= ' ' || r > '~' || strings.ContainsRune("<>\\`\"'", r)
}

func clock(t time.Time) string { return t.UTC().Format("15:04:05") }

// stamp is a date and time, or "unknown".
func stamp(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// dur is a duration to the second: 12m34s.
func dur(d time.Duration) string { return d.Round(time.Second).String() }

func pct(f float64) string { return fmt.Sprintf("%.0f%%", f*100) }

func itoa(n int) string { return fmt.Sprint(n) }

func trimSlash(s string) string { return strings.TrimRight(s, "/") }
