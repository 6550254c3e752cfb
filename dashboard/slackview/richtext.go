package slackview

import (
	"encoding/json"
	"strings"

	"github.com/noctuary/noctuary"
)

// richContainer is a rich_text block's child: a section, list, quote or
// preformatted run of inline elements (a list holds sections).
type richContainer struct {
	Type     string            `json:"type"`
	Style    string            `json:"style"`
	Elements []json.RawMessage `json:"elements"`
}

// richInline is one inline element of a rich_text section.
type richInline struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	URL   string `json:"url"`
	Style struct {
		Bold, Italic, Strike, Code bool
	} `json:"style"`
	UserID      string `json:"user_id"`
	ChannelID   string `json:"channel_id"`
	UsergroupID string `json:"usergroup_id"`
	Range       string `json:"range"`
	Name        string `json:"name"`
	Fallback    string `json:"fallback"`
	Value       string `json:"value"`
}

func richText(w *strings.Builder, elems []json.RawMessage) {
	for _, raw := range elems {
		var c richContainer
		if err := json.Unmarshal(raw, &c); err != nil {
			inlineNote(w, "element", kindOf(raw), "could not be read")
			continue
		}
		switch c.Type {
		case "rich_text_section":
			w.WriteString(`<div>`)
			richInlines(w, c.Elements)
			w.WriteString(`</div>`)
		case "rich_text_preformatted":
			w.WriteString(`<pre class="sv-pre">`)
			richInlines(w, c.Elements)
			w.WriteString(`</pre>`)
		case "rich_text_quote":
			w.WriteString(`<blockquote class="sv-quote">`)
			richInlines(w, c.Elements)
			w.WriteString(`</blockquote>`)
		case "rich_text_list":
			richList(w, c)
		default:
			inlineNote(w, "element", c.Type, "not shown")
		}
	}
}

func richList(w *strings.Builder, c richContainer) {
	tag := "ul"
	if c.Style == "ordered" {
		tag = "ol"
	}
	w.WriteString(`<` + tag + ` class="sv-list">`)
	for _, raw := range c.Elements {
		var item richContainer
		w.WriteString(`<li>`)
		if json.Unmarshal(raw, &item) == nil && item.Type == "rich_text_section" {
			richInlines(w, item.Elements)
		} else {
			inlineNote(w, "element", kindOf(raw), "not shown")
		}
		w.WriteString(`</li>`)
	}
	w.WriteString(`</` + tag + `>`)
}

func richInlines(w *strings.Builder, elems []json.RawMessage) {
	for _, raw := range elems {
		var e richInline
		if err := json.Unmarshal(raw, &e); err != nil {
			inlineNote(w, "element", kindOf(raw), "could not be read")
			continue
		}
		richInlineOne(w, e)
	}
}

func richInlineOne(w *strings.Builder, e richInline) {
	var open, closing string
	for _, s := range []struct {
		on  bool
		tag string
	}{{e.Style.Bold, "b"}, {e.Style.Italic, "i"}, {e.Style.Strike, "s"}, {e.Style.Code, `code`}} {
		if s.on {
			attr := ""
			if s.tag == "code" {
				attr = ` class="sv-code"`
			}
			open, closing = open+"<"+s.tag+attr+">", "</"+s.tag+">"+closing
		}
	}
	w.WriteString(open)
	switch e.Type {
	case "text":
		plainText(w, noctuary.Cut(e.Text, maxText, "…"), false)
	case "link":
		label := e.Text
		if label == "" {
			label = e.URL
		}
		link(w, slackEscape.Replace(e.URL), slackEscape.Replace(label), true)
	case "user", "usergroup":
		mention(w, "@"+e.UserID+e.UsergroupID)
	case "channel":
		mention(w, "#"+e.ChannelID)
	case "broadcast":
		mention(w, "@"+e.Range)
	case "emoji":
		if emoji(w, ":"+e.Name+":", 0) == 0 {
			text(w, ":"+e.Name+":")
		}
	case "date":
		plainText(w, e.Fallback, false)
	case "color":
		plainText(w, e.Value, false)
	default:
		inlineNote(w, "element", e.Type, "not shown")
	}
	w.WriteString(closing)
}
