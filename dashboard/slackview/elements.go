package slackview

import (
	"encoding/json"
	"html"
	"net/url"
	"strings"

	"github.com/noctuary/noctuary"
)

// element writes an interactive element of an actions block or a section's
// accessory: buttons (disabled) and images; others become a note.
func element(w *strings.Builder, raw json.RawMessage) {
	var e struct {
		Type    string      `json:"type"`
		Text    *textObject `json:"text"`
		Style   string      `json:"style"`
		Confirm *struct {
			Title *textObject `json:"title"`
			Text  *textObject `json:"text"`
		} `json:"confirm"`
		ImageURL string `json:"image_url"`
		AltText  string `json:"alt_text"`
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		inlineNote(w, "element", kindOf(raw), "could not be read")
		return
	}
	switch e.Type {
	case "button":
		class := "sv-button"
		if e.Style == "primary" || e.Style == "danger" {
			class += " sv-" + e.Style
		}
		w.WriteString(`<button type="button" class="` + class + `" disabled`)
		if c := e.Confirm; c != nil && c.Title != nil && c.Text != nil {
			w.WriteString(` title="` + html.EscapeString(noctuary.Cut("Asks first: "+c.Title.Text+" "+c.Text.Text, 400, "…")) + `"`)
		}
		w.WriteString(`>`)
		if e.Text != nil {
			plainText(w, noctuary.Cut(e.Text.Text, 200, "…"), e.Text.Emoji)
		}
		w.WriteString(`</button>`)
	case "image":
		img(w, "sv-context-image", e.ImageURL, e.AltText)
	default:
		inlineNote(w, "element", e.Type, "not shown")
	}
}

// inlineNote is note inside a line: "(element type X not shown)".
func inlineNote(w *strings.Builder, what, kind, why string) {
	if kind == "" {
		kind = "without a type"
	}
	w.WriteString(`<span class="sv-note">(` + what + ` type ` + html.EscapeString(noctuary.Cut(kind, 40, "…")) + ` ` + why + `)</span>`)
}

// img writes an image whose src is an http(s) URL, or its alt text in a
// note when the URL is anything else.
func img(w *strings.Builder, class, src, alt string) {
	alt = noctuary.Cut(alt, 200, "…")
	u, ok := safeURL(src, "http", "https")
	if !ok {
		w.WriteString(`<span class="sv-note">[image: ` + html.EscapeString(alt) + `]</span>`)
		return
	}
	w.WriteString(`<img class="` + class + `" src="` + html.EscapeString(u) + `" alt="` + html.EscapeString(alt) +
		`" loading="lazy" referrerpolicy="no-referrer">`)
}

// safeURL returns raw normalized when it is an absolute URL of one of the
// schemes (with a host for http and https), and false otherwise.
func safeURL(raw string, schemes ...string) (string, bool) {
	if raw == "" || len(raw) > 3000 || strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	for _, s := range schemes {
		if u.Scheme != s {
			continue
		}
		if s == "mailto" && u.Opaque != "" || s != "mailto" && u.Host != "" {
			return u.String(), true
		}
	}
	return "", false
}
