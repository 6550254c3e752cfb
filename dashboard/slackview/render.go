package slackview

import (
	"bytes"
	"encoding/json"
	"html"
	"html/template"
	"strings"

	"github.com/noctuary/noctuary"
)

// maxText bounds the bytes of one text rendered (Slack's own limit is 3000
// for a section), so that odd input cannot make rendering slow.
const maxText = 12000

// textObject is a Block Kit text composition object.
type textObject struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Emoji bool   `json:"emoji"`
}

// block holds the fields of every block type Render shows.
type block struct {
	Type      string            `json:"type"`
	Text      *textObject       `json:"text"`
	Fields    []textObject      `json:"fields"`
	Accessory json.RawMessage   `json:"accessory"`
	Elements  []json.RawMessage `json:"elements"`
	ImageURL  string            `json:"image_url"`
	AltText   string            `json:"alt_text"`
	Title     *textObject       `json:"title"`
}

// Render returns the HTML preview of a Slack message from its Block Kit
// JSON: an array of blocks, or an object whose "blocks" field is one. It
// fails only when the JSON itself cannot be read; a block it cannot show
// becomes a note in the preview.
func Render(blocks []byte) (template.HTML, error) {
	raws, err := decode(blocks)
	if err != nil {
		return "", err
	}
	var w strings.Builder
	w.WriteString(`<div class="sv-message"><div class="sv-author"><span class="sv-avatar" aria-hidden="true">N</span>` +
		`<b>Noctuary</b><span class="sv-app">APP</span></div>`)
	for _, raw := range raws {
		renderBlock(&w, raw)
	}
	w.WriteString(`</div>`)
	return template.HTML(w.String()), nil
}

func decode(data []byte) ([]json.RawMessage, error) {
	data = bytes.TrimSpace(data)
	var raws []json.RawMessage
	var err error
	switch {
	case len(data) > 0 && data[0] == '[':
		err = json.Unmarshal(data, &raws)
	case len(data) > 0 && data[0] == '{':
		var msg struct {
			Blocks []json.RawMessage `json:"blocks"`
		}
		err = json.Unmarshal(data, &msg)
		raws = msg.Blocks
	default:
		return nil, noctuary.Errorf(noctuary.EInvalid,
			"The Slack message is not Block Kit JSON: expected an array of blocks or an object with \"blocks\".")
	}
	if err != nil {
		return nil, noctuary.Wrap(err, noctuary.EInvalid, "The Slack message is not valid Block Kit JSON")
	}
	return raws, nil
}

func renderBlock(w *strings.Builder, raw json.RawMessage) {
	var b block
	if err := json.Unmarshal(raw, &b); err != nil {
		note(w, "block", kindOf(raw), "could not be read")
		return
	}
	switch b.Type {
	case "header":
		w.WriteString(`<div class="sv-block sv-header">`)
		writeText(w, b.Text)
		w.WriteString(`</div>`)
	case "section":
		section(w, b)
	case "context":
		contextBlock(w, b.Elements)
	case "actions":
		w.WriteString(`<div class="sv-block sv-actions">`)
		for _, e := range b.Elements {
			element(w, e)
		}
		w.WriteString(`</div>`)
	case "divider":
		w.WriteString(`<hr class="sv-block sv-divider">`)
	case "image":
		image(w, b)
	case "rich_text":
		w.WriteString(`<div class="sv-block sv-rich-text">`)
		richText(w, b.Elements)
		w.WriteString(`</div>`)
	default:
		note(w, "block", b.Type, "not shown")
	}
}

// note writes "(block type X not shown)" in place of what cannot be shown.
func note(w *strings.Builder, what, kind, why string) {
	w.WriteString(`<div class="sv-block sv-unknown">`)
	inlineNote(w, what, kind, why)
	w.WriteString(`</div>`)
}

// kindOf returns the "type" of a JSON object, or "" when it has none.
func kindOf(raw json.RawMessage) string {
	var k struct {
		Type any `json:"type"`
	}
	if json.Unmarshal(raw, &k) != nil {
		return ""
	}
	s, _ := k.Type.(string)
	return s
}

func section(w *strings.Builder, b block) {
	w.WriteString(`<div class="sv-block sv-section"><div class="sv-body">`)
	writeText(w, b.Text)
	if len(b.Fields) > 0 {
		w.WriteString(`<div class="sv-fields">`)
		for i := range b.Fields {
			w.WriteString(`<div class="sv-field">`)
			writeText(w, &b.Fields[i])
			w.WriteString(`</div>`)
		}
		w.WriteString(`</div>`)
	}
	w.WriteString(`</div>`)
	if len(b.Accessory) > 0 && string(b.Accessory) != "null" {
		w.WriteString(`<div class="sv-accessory">`)
		element(w, b.Accessory)
		w.WriteString(`</div>`)
	}
	w.WriteString(`</div>`)
}

func contextBlock(w *strings.Builder, elems []json.RawMessage) {
	w.WriteString(`<div class="sv-block sv-context">`)
	for _, raw := range elems {
		var e struct {
			Type     string `json:"type"`
			Text     string `json:"text"`
			Emoji    bool   `json:"emoji"`
			ImageURL string `json:"image_url"`
			AltText  string `json:"alt_text"`
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			inlineNote(w, "element", kindOf(raw), "could not be read")
			continue
		}
		switch e.Type {
		case "mrkdwn", "plain_text":
			writeText(w, &textObject{Type: e.Type, Text: e.Text, Emoji: e.Emoji})
		case "image":
			img(w, "sv-context-image", e.ImageURL, e.AltText)
		default:
			inlineNote(w, "element", e.Type, "not shown")
		}
	}
	w.WriteString(`</div>`)
}

func image(w *strings.Builder, b block) {
	w.WriteString(`<figure class="sv-block sv-image">`)
	if b.Title != nil {
		w.WriteString(`<figcaption class="sv-img-title">`)
		writeText(w, b.Title)
		w.WriteString(`</figcaption>`)
	}
	img(w, "sv-img", b.ImageURL, b.AltText)
	w.WriteString(`</figure>`)
}

// writeText writes a text object: mrkdwn formatted, plain_text escaped
// (with :emoji: when its emoji flag is set).
func writeText(w *strings.Builder, t *textObject) {
	if t == nil {
		return
	}
	s := noctuary.Cut(t.Text, maxText, "…")
	w.WriteString(`<span class="sv-text">`)
	if t.Type == "mrkdwn" {
		mrkdwn(w, s)
	} else {
		plainText(w, s, t.Emoji)
	}
	w.WriteString(`</span>`)
}

// plainText writes s escaped, its line breaks kept.
func plainText(w *strings.Builder, s string, emoji bool) {
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			w.WriteString("<br>")
		}
		if emoji {
			writeEmoji(w, line)
		} else {
			w.WriteString(html.EscapeString(line))
		}
	}
}
