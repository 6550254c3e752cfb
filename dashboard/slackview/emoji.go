package slackview

import (
	"html"
	"strings"
)

// emojis are the shortcodes the preview draws; any other stays as text.
var emojis = map[string]string{
	"white_check_mark": "✅", "heavy_check_mark": "✔️", "x": "❌", "eyes": "👀",
	"double_vertical_bar": "⏸️", "arrow_forward": "▶️", "warning": "⚠️", "rotating_light": "🚨",
	"fire": "🔥", "rocket": "🚀", "tada": "🎉", "bulb": "💡", "mag": "🔍", "bell": "🔔",
	"no_entry": "⛔", "information_source": "ℹ️", "pager": "📟", "construction": "🚧",
	"hourglass": "⌛", "hourglass_flowing_sand": "⏳", "red_circle": "🔴", "large_green_circle": "🟢",
	"large_yellow_circle": "🟡", "+1": "👍", "thumbsup": "👍", "-1": "👎", "thumbsdown": "👎",
	"robot_face": "🤖", "wave": "👋", "smile": "😄", "slightly_smiling_face": "🙂", "boom": "💥",
}

// emoji writes the :shortcode: at s[i] as its emoji and returns its
// length, or 0 when s[i] starts no known shortcode.
func emoji(w *strings.Builder, s string, i int) int {
	end := strings.IndexByte(s[i+1:min(len(s), i+32)], ':')
	if end < 1 {
		return 0
	}
	name := s[i+1 : i+1+end]
	glyph, ok := emojis[name]
	if !ok {
		return 0
	}
	w.WriteString(`<span class="sv-emoji" title=":` + html.EscapeString(name) + `:">` + glyph + `</span>`)
	return end + 2
}

// writeEmoji writes plain text escaped, its known :shortcodes: as emoji.
func writeEmoji(w *strings.Builder, s string) {
	for i := 0; i < len(s); {
		if s[i] == ':' {
			if n := emoji(w, s, i); n > 0 {
				i += n
				continue
			}
		}
		j := i + 1
		for j < len(s) && s[j] != ':' {
			j++
		}
		w.WriteString(html.EscapeString(s[i:j]))
		i = j
	}
}
