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
// A source that is not one plain word is quoted too: "ci bot" wrote "…".
func (q Quote) String() string {
	src := "the source"
	if q.Source != "" {
		src = QuoteName(q.Source)
	}
	return src + " wrote " + q.Quoted()
}

// QuoteName renders an outside name, such as an event's kind or source, inside
// a sentence: as is when it is one plain word of at most MaxQuoteSourceLen
// letters, digits and ._/:+- (deploy, argocd, config_change), else defused,
// cut and quoted like a Quote's text.
func QuoteName(s string) string {
	if plainWord(s) {
		return s
	}
	return strconv.Quote(cut(Defuse(s), MaxQuoteSourceLen))
}

func plainWord(s string) bool {
	if s == "" || len(s) > MaxQuoteSourceLen {
		return false
	}
	for i, r := range s {
		alnum := (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !alnum && (i == 0 || !strings.ContainsRune("._/:+-", r)) {
			return false
		}
	}
	return true
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
