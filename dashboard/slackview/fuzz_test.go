package slackview

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var (
	tagRE  = regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>`)
	attrRE = regexp.MustCompile(`\s([a-z-]+)(?:="([^"]*)")?`)
	// tags and attributes the preview may write; anything else came from the input.
	tags  = strings.Fields("div span b i s code pre blockquote a hr img figure figcaption button br ul ol li")
	attrs = strings.Fields("class href target rel src alt loading referrerpolicy type disabled title aria-hidden")
)

// FuzzRender checks that no input panics, and that every tag and attribute
// in the output is one the renderer writes: no <script>, no event handler,
// no href or src other than http(s) (and mailto for links).
func FuzzRender(f *testing.F) {
	f.Add([]byte(`[{"type":"section","text":{"type":"mrkdwn","text":"*a* <https://x.example|y> <@U1>"}}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := Render(data)
		if err != nil {
			return
		}
		if err := unsafeHTML(string(out)); err != nil {
			t.Fatalf("%v in %s", err, out)
		}
	})
}

// unsafeHTML returns what in out the renderer should never write.
func unsafeHTML(out string) error {
	if strings.Contains(strings.ToLower(out), "<script") {
		return errors.New("<script")
	}
	var bad error
	rest := tagRE.ReplaceAllStringFunc(out, func(tag string) string {
		m := tagRE.FindStringSubmatch(tag)
		if !slices.Contains(tags, m[2]) {
			bad = cmp.Or(bad, fmt.Errorf("unexpected tag %q", m[2]))
		}
		for _, a := range attrRE.FindAllStringSubmatch(m[3], -1) {
			bad = cmp.Or(bad, unsafeAttr(a[1], a[2]))
		}
		return ""
	})
	if bad == nil && strings.ContainsAny(rest, "<>") {
		bad = errors.New("unescaped < or > in text")
	}
	return bad
}

func unsafeAttr(name, value string) error {
	if !slices.Contains(attrs, name) {
		return fmt.Errorf("unexpected attribute %q", name)
	}
	if strings.Contains(strings.ToLower(value), "javascript:") {
		return fmt.Errorf("attribute %s=%q has javascript:", name, value)
	}
	ok := strings.HasPrefix(value, "https://") || strings.HasPrefix(value, "http://")
	if name == "src" && !ok || name == "href" && !ok && !strings.HasPrefix(value, "mailto:") {
		return fmt.Errorf("%s=%q is not an allowed URL", name, value)
	}
	return nil
}

func TestUnsafeHTMLCatchesWhatItShould(t *testing.T) {
	for _, bad := range []string{`<script>x</script>`, `<a href="javascript:x">`, `<img src="data:x">`, `<b onclick="x">`, `<iframe>`, `a > b`} {
		if unsafeHTML(bad) == nil {
			t.Errorf("unsafeHTML(%q) = nil", bad)
		}
	}
	if err := unsafeHTML(`<a class="sv-link" href="https://x.example">x</a><br>`); err != nil {
		t.Errorf("safe HTML refused: %v", err)
	}
}
