package slackview

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// entities are the only character references Slack uses in mrkdwn.
var entities = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")

// slackEscape is entities' inverse, for text that arrives unescaped (rich_text).
var slackEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// mrkdwn writes Slack mrkdwn as HTML: ```pre``` blocks, > quoted lines,
// then each line's inline formatting.
func mrkdwn(w *strings.Builder, s string) {
	parts := strings.Split(s, "```")
	if n := len(parts); n%2 == 0 { // an unclosed fence is literal text
		parts[n-2] += "```" + parts[n-1]
		parts = parts[:n-1]
	}
	for i, p := range parts {
		if i%2 == 1 {
			w.WriteString(`<pre class="sv-pre">` + html.EscapeString(entities.Replace(strings.Trim(p, "\n"))) + `</pre>`)
			continue
		}
		if i > 0 {
			p = strings.TrimPrefix(p, "\n")
		}
		if i < len(parts)-1 {
			p = strings.TrimSuffix(p, "\n")
		}
		if p != "" {
			lines(w, p)
		}
	}
}

// lines writes s line by line, grouping lines that start with ">" into a
// quote.
func lines(w *strings.Builder, s string) {
	inQuote := false
	for i, l := range strings.Split(s, "\n") {
		rest, q := quoted(l)
		switch {
		case q && !inQuote:
			w.WriteString(`<blockquote class="sv-quote">`)
		case !q && inQuote:
			w.WriteString(`</blockquote>`)
		case i > 0:
			w.WriteString("<br>")
		}
		inQuote = q
		new(inliner).write(w, rest, 0)
	}
	if inQuote {
		w.WriteString(`</blockquote>`)
	}
}

func quoted(line string) (string, bool) {
	for _, p := range []string{"&gt;", ">"} {
		if rest, ok := strings.CutPrefix(line, p); ok {
			return strings.TrimPrefix(rest, " "), true
		}
	}
	return line, false
}

// styles maps a formatting marker to its HTML element and its bit in the
// set of styles already open (a style does not nest in itself).
var styles = map[byte]struct {
	tag string
	bit int
}{'*': {"b", 1}, '_': {"i", 2}, '~': {"s", 4}}

// inliner writes one line's inline mrkdwn. It remembers which delimiters
// have no closing match further on, so that a line is read in linear time.
type inliner struct {
	unclosed map[byte]bool
}

const specials = "`<*_~:"

func (in *inliner) write(w *strings.Builder, s string, open int) {
	for i := 0; i < len(s); {
		if n := in.token(w, s, i, open); n > 0 {
			i += n
			continue
		}
		j := i + 1
		for j < len(s) && !strings.ContainsRune(specials, rune(s[j])) {
			j++
		}
		text(w, s[i:j])
		i = j
	}
}

// token writes the code span, angle-bracket token, formatted run or emoji
// starting at s[i] and returns its length, or 0 when there is none.
func (in *inliner) token(w *strings.Builder, s string, i, open int) int {
	c := s[i]
	switch c {
	case '`', '<':
		closer := byte('`')
		if c == '<' {
			closer = '>'
		}
		j := in.index(s, i+1, closer)
		if j < 0 || c == '`' && j == i+1 {
			return 0
		}
		if c == '`' {
			w.WriteString(`<code class="sv-code">`)
			text(w, s[i+1:j])
			w.WriteString(`</code>`)
		} else {
			angle(w, s[i+1:j])
		}
		return j - i + 1
	case '*', '_', '~':
		st := styles[c]
		j := in.closing(s, i)
		if j < 0 || open&st.bit != 0 {
			return 0
		}
		w.WriteString("<" + st.tag + ">")
		(&inliner{}).write(w, s[i+1:j], open|st.bit)
		w.WriteString("</" + st.tag + ">")
		return j - i + 1
	case ':':
		return emoji(w, s, i)
	}
	return 0
}

// index returns the index of the first c in s from `from` on, or -1.
func (in *inliner) index(s string, from int, c byte) int {
	if in.unclosed[c] {
		return -1
	}
	j := strings.IndexByte(s[from:], c)
	if j < 0 {
		in.mark(c)
		return -1
	}
	return from + j
}

func (in *inliner) mark(c byte) {
	if in.unclosed == nil {
		in.unclosed = map[byte]bool{}
	}
	in.unclosed[c] = true
}

// closing returns the index of the marker that closes the one at s[i], or
// -1. As in Slack, a marker opens after a non-word character and before a
// non-space, and closes after a non-space and before a non-word character.
func (in *inliner) closing(s string, i int) int {
	m := s[i]
	if before, _ := utf8.DecodeLastRuneInString(s[:i]); i > 0 && isWord(before) || i+1 >= len(s) || s[i+1] == ' ' {
		return -1
	}
	if in.unclosed[m] {
		return -1
	}
	for j := i + 2; j < len(s); j++ {
		if s[j] != m || s[j-1] == ' ' {
			continue
		}
		if after, _ := utf8.DecodeRuneInString(s[j+1:]); j+1 == len(s) || !isWord(after) {
			return j
		}
	}
	in.mark(m)
	return -1
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// angle writes a <…> token: a mention, a special mention or a link.
func angle(w *strings.Builder, tok string) {
	target, label, labelled := strings.Cut(tok, "|")
	switch {
	case strings.HasPrefix(target, "@"), strings.HasPrefix(target, "#"):
		if labelled {
			target = target[:1] + strings.TrimPrefix(label, target[:1])
		}
		mention(w, target)
	case strings.HasPrefix(target, "!date^"):
		text(w, label)
	case strings.HasPrefix(target, "!"):
		name, _, _ := strings.Cut(target[1:], "^")
		if labelled {
			name = strings.TrimPrefix(label, "@")
		}
		mention(w, "@"+name)
	default:
		link(w, target, label, labelled)
	}
}

func mention(w *strings.Builder, s string) {
	w.WriteString(`<span class="sv-mention">`)
	text(w, s)
	w.WriteString(`</span>`)
}

// link writes <url|label> as a link when url is http, https or mailto, and
// as its text otherwise.
func link(w *strings.Builder, target, label string, labelled bool) {
	if !labelled {
		label = target
	}
	href, ok := safeURL(entities.Replace(target), "http", "https", "mailto")
	if !ok {
		text(w, label)
		return
	}
	w.WriteString(`<a class="sv-link" href="` + html.EscapeString(href) + `" target="_blank" rel="noopener noreferrer nofollow">`)
	text(w, label)
	w.WriteString(`</a>`)
}

// text writes mrkdwn text without formatting: entities read, then escaped.
func text(w *strings.Builder, s string) { w.WriteString(html.EscapeString(entities.Replace(s))) }
