package store

import (
	"slices"
	"unicode/utf8"

	"github.com/noctuary/noctuary"
)

// appendEvent appends the compact JSON of ev to dst: byte for byte what
// encoding/json writes with HTML escaping off, at a fraction of its cost
// (AddEvents encodes every event it stores).
func appendEvent(dst []byte, ev *noctuary.ContextEvent) ([]byte, error) {
	dst = append(dst, '{')
	if ev.ID != "" {
		dst = appendJSONString(append(dst, `"id":`...), ev.ID)
		dst = append(dst, ',')
	}
	dst = appendJSONString(append(dst, `"service":`...), ev.Service)
	dst = appendJSONString(append(dst, `,"kind":`...), ev.Kind)
	dst = appendJSONString(append(dst, `,"source":`...), ev.Source)
	dst = append(dst, `,"occurred_at":"`...)
	dst, err := ev.OccurredAt.AppendText(dst)
	if err != nil {
		return nil, err
	}
	dst = append(dst, '"')
	if ev.Summary != "" {
		dst = appendJSONString(append(dst, `,"summary":`...), ev.Summary)
	}
	if len(ev.Attributes) > 0 {
		dst = appendAttributes(append(dst, `,"attributes":`...), ev.Attributes)
	}
	if ev.Link != "" {
		dst = appendJSONString(append(dst, `,"link":`...), ev.Link)
	}
	return append(dst, '}'), nil
}

// appendAttributes appends m as a JSON object with sorted keys.
func appendAttributes(dst []byte, m map[string]string) []byte {
	var buf [16]string
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, k)
		dst = appendJSONString(append(dst, ':'), m[k])
	}
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string, escaped as encoding/json
// does without HTML escaping: invalid UTF-8 becomes U+FFFD, and U+2028 and
// U+2029 are escaped.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b >= 0x20 && b != '"' && b != '\\' && b < utf8.RuneSelf {
			i++
			continue
		}
		if b < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			dst = appendEscaped(dst, b)
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(append(dst, s[start:i]...), `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(append(dst, s[start:i]...), '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(append(dst, s[start:]...), '"')
}

// appendEscaped appends the escape of an ASCII byte that JSON strings
// cannot hold as is.
func appendEscaped(dst []byte, b byte) []byte {
	switch b {
	case '\\', '"':
		return append(dst, '\\', b)
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
}
