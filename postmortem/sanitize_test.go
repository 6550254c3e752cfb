package postmortem

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{in: "The deploy broke checkout.", want: "The deploy broke checkout."},
		{in: "  One.\r\n\r\nTwo\nlines.\n\n\n", want: "One.\n\nTwo lines."},
		{in: "# Root cause\n\n> quoted\n\n- item\n\n1. first\n\n+ plus", want: "\\# Root cause\n\n› quoted\n\n\\- item\n\n1\\. first\n\n\\+ plus"},
		{in: "See [this](https://evil.example) <https://evil.example> <!channel> `code` **bold**",
			want: "See \\[this\\](https://evil.example) ‹https://evil.example› ‹\\!channel› \\`code\\` \\*\\*bold\\*\\*"},
		{in: "a\u202eb\u200bc\x00d", want: "abc d"},
		{in: " \n\n ", err: "it is empty"},
		{in: strings.Repeat("x", 2001), err: "it is 2001 characters long, over 2000"},
		{in: strings.Repeat("p\n\n", 7), err: "it has 7 paragraphs, over 6"},
		{in: "\xff", err: "it is not UTF-8 text"},
	}
	for _, tc := range tests {
		got, err := Sanitize(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("Sanitize(%q) error = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Sanitize(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// FuzzSanitize: whatever a model answers, what Sanitize lets through is
// UTF-8 plain paragraphs that start no block, carry no '<' or '>' (no Slack
// mention, no HTML, no autolink), and escape every Markdown marker.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"Fine.", "# h\n\n> q", "[a](b) <!here>", "1. x\n\n- y", "`x` *y* _z_ ~w~ |t| !i &amp;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		out, err := Sanitize(raw)
		if err != nil {
			return
		}
		if !utf8.ValidString(out) || out == "" {
			t.Fatalf("Sanitize(%q) = %q", raw, out)
		}
		if strings.ContainsAny(out, "<>\r") {
			t.Fatalf("Sanitize(%q) = %q keeps '<', '>' or CR", raw, out)
		}
		for p := range strings.SplitSeq(out, "\n\n") {
			if p == "" || strings.Contains(p, "\n") || strings.ContainsAny(p[:1], "#>-+") {
				t.Fatalf("Sanitize(%q) has paragraph %q", raw, p)
			}
			for i := 0; i < len(p); i++ {
				if strings.IndexByte("*_[]`#|~!", p[i]) >= 0 && !escaped(p, i) {
					t.Fatalf("Sanitize(%q) leaves %q unescaped at %d in %q", raw, p[i], i, p)
				}
			}
		}
	})
}

// escaped reports whether p[i] follows an odd run of backslashes.
func escaped(p string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && p[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}
