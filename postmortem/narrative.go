package postmortem

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/noctuary/noctuary"
)

// Narrator writes an incident's narrative from a draft's facts (package
// agent/gemini's engine satisfies it). Its answer is untrusted text.
type Narrator interface {
	// Name names the model, written in the draft.
	Name() string
	Narrate(ctx context.Context, p noctuary.Postmortem) (string, error)
}

// Bounds of a narrative the draft accepts.
const (
	maxNarrative  = 2000 // characters, whole
	maxParagraphs = 6
)

// Why a model's narrative is not used (Postmortem.NarrativeFallback).
const (
	fallbackOptOut  = "the service keeps its data away from the LLM (llm: false)"
	fallbackTimeout = "the model did not answer within %s"
)

// narrate asks n for a narrative within timeout and returns it sanitized,
// or "" and why it is not used.
func narrate(ctx context.Context, n Narrator, p noctuary.Postmortem, timeout time.Duration) (text, fallback string) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	raw, err := n.Narrate(ctx, p)
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (err != nil && ctx.Err() != nil):
		return "", fmt.Sprintf(fallbackTimeout, timeout)
	case err != nil:
		return "", "the model failed: " + oneLine(err.Error(), 160)
	}
	text, err = Sanitize(raw)
	if err != nil {
		return "", "the model's answer was refused: " + err.Error()
	}
	return text, ""
}

// Sanitize makes a model's narrative safe to put in the draft as plain
// paragraphs: each paragraph on one line (noctuary.Defuse: no control
// characters, no Slack mention or link syntax) with every Markdown marker
// escaped, so that it can neither add a section nor hide the facts. An
// answer that is empty, longer than maxNarrative characters or than
// maxParagraphs paragraphs, or not UTF-8, is refused.
func Sanitize(raw string) (string, error) {
	if !utf8.ValidString(raw) {
		return "", errors.New("it is not UTF-8 text")
	}
	if n := utf8.RuneCountInString(raw); n > maxNarrative {
		return "", fmt.Errorf("it is %d characters long, over %d", n, maxNarrative)
	}
	var paras []string
	for p := range strings.SplitSeq(strings.ReplaceAll(raw, "\r\n", "\n"), "\n\n") {
		if p = md(p); p != "" {
			paras = append(paras, blockSafe(p))
		}
	}
	switch {
	case len(paras) == 0:
		return "", errors.New("it is empty")
	case len(paras) > maxParagraphs:
		return "", fmt.Errorf("it has %d paragraphs, over %d", len(paras), maxParagraphs)
	}
	return strings.Join(paras, "\n\n"), nil
}

// blockSafe escapes what would make a paragraph start a block (a quote, a
// list item) rather than plain text.
func blockSafe(p string) string {
	if strings.HasPrefix(p, ">") || strings.HasPrefix(p, "-") || strings.HasPrefix(p, "+") {
		return `\` + p
	}
	digits := strings.IndexFunc(p, func(r rune) bool { return r < '0' || r > '9' })
	if digits > 0 && (p[digits] == '.' || p[digits] == ')') {
		return p[:digits] + `\` + p[digits:]
	}
	return p
}

// oneLine is s defused and cut to n characters.
func oneLine(s string, n int) string {
	r := []rune(noctuary.Defuse(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}
