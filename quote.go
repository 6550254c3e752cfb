package noctuary

import (
	"strconv"
	"strings"
	"unicode"
)

// Limits of a Quote, in characters.
const (
	MaxQuoteLen       = 100
	MaxQuoteSourceLen = 32
)

// Quote is text that an outside party wrote, such as a ContextEvent's
// summary, carried as data: attributed to its source and only ever shown in
// quotation marks, so that no renderer has to tell it from Noctuary's own
// words. NewQuote makes both fields one defused line (see Defuse), cut to
// MaxQuoteLen and MaxQuoteSourceLen characters.
type Quote struct {
	Source string `json:"source"`
	Text   string `json:"text"`
}

// NewQuote quotes text written by source.
func NewQuote(source, text string) Quote {
	return Quote{Source: cut(Defuse(source), MaxQuoteSourceLen), Text: cut(Defuse(text), MaxQuoteLen)}
}

// Quoted returns the text in double quotes, with '"' and '\' escaped Go
// style, so it cannot close its own quotation: "deploy of \"x\"".
func (q Quote) Quoted() string { return strconv.Quote(q.Text) }

// String returns the attributed quotation: argocd wrote "checkout rolled out".
func (q Quote) String() string {
	src := q.Source
	if src == "" {
		src = "the source"
	}
	return src + " wrote " + q.Quoted()
}

// Defuse makes outside text safe to show on one line in a note or a chat
// message: white space and control characters become single spaces, invisible
// format characters (bidirectional overrides, zero-width joiners) are dropped,
// and '<' and '>' become '‹' and '›', so that no Slack mention or link syntax
// (<!channel>, <!here>, <@U…>, <#C…>, <https://…|label>) survives, whether
// the text reaches Slack through Noctuary or through PagerDuty's own Slack
// integration.
func Defuse(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar:
			space = b.Len() > 0
			continue
		case unicode.Is(unicode.Cf, r):
			continue
		case r == '<':
			r = '‹'
		case r == '>':
			r = '›'
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// cut shortens s to at most n characters, ending in "…" when it had to cut.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
