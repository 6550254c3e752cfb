package slackview

import (
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
)

const (
	start = `<div class="sv-message"><div class="sv-author"><span class="sv-avatar" aria-hidden="true">N</span><b>Noctuary</b><span class="sv-app">APP</span></div>`
	end   = `</div>`
)

func TestRenderBlocks(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", `[]`, ""},
		{"object with blocks", `{"blocks":[{"type":"divider"}]}`, `<hr class="sv-block sv-divider">`},
		{"header", `[{"type":"header","text":{"type":"plain_text","text":"#1234 · 5xx <b>","emoji":false}}]`,
			`<div class="sv-block sv-header"><span class="sv-text">#1234 · 5xx &lt;b&gt;</span></div>`},
		{"plain_text keeps shortcodes without emoji", `[{"type":"header","text":{"type":"plain_text","text":":eyes:"}}]`,
			`<div class="sv-block sv-header"><span class="sv-text">:eyes:</span></div>`},
		{"plain_text emoji", `[{"type":"header","text":{"type":"plain_text","text":"a :eyes: b","emoji":true}}]`,
			`<div class="sv-block sv-header"><span class="sv-text">a <span class="sv-emoji" title=":eyes:">👀</span> b</span></div>`},
		{"section mrkdwn", `[{"type":"section","text":{"type":"mrkdwn","text":"*a*\nb"}}]`,
			`<div class="sv-block sv-section"><div class="sv-body"><span class="sv-text"><b>a</b><br>b</span></div></div>`},
		{"section plain_text is not formatted", `[{"type":"section","text":{"type":"plain_text","text":"*a* &amp;"}}]`,
			`<div class="sv-block sv-section"><div class="sv-body"><span class="sv-text">*a* &amp;amp;</span></div></div>`},
		{"section fields", `[{"type":"section","fields":[{"type":"mrkdwn","text":"*Mode*"},{"type":"plain_text","text":"action"}]}]`,
			`<div class="sv-block sv-section"><div class="sv-body"><div class="sv-fields"><div class="sv-field"><span class="sv-text"><b>Mode</b></span></div>` +
				`<div class="sv-field"><span class="sv-text">action</span></div></div></div></div>`},
		{"section button accessory", `[{"type":"section","text":{"type":"mrkdwn","text":"x"},"accessory":{"type":"button","text":{"type":"plain_text","text":"Open"},"action_id":"a","url":"javascript:alert(1)"}}]`,
			`<div class="sv-block sv-section"><div class="sv-body"><span class="sv-text">x</span></div><div class="sv-accessory"><button type="button" class="sv-button" disabled>Open</button></div></div>`},
		{"section image accessory", `[{"type":"section","text":{"type":"mrkdwn","text":"x"},"accessory":{"type":"image","image_url":"https://img.example/a.png","alt_text":"graph"}}]`,
			`<div class="sv-block sv-section"><div class="sv-body"><span class="sv-text">x</span></div><div class="sv-accessory"><img class="sv-context-image" src="https://img.example/a.png" alt="graph" loading="lazy" referrerpolicy="no-referrer"></div></div>`},
		{"section unknown accessory", `[{"type":"section","text":{"type":"mrkdwn","text":"x"},"accessory":{"type":"overflow"}}]`,
			`<div class="sv-block sv-section"><div class="sv-body"><span class="sv-text">x</span></div><div class="sv-accessory"><span class="sv-note">(element type overflow not shown)</span></div></div>`},
		{"context", `[{"type":"context","elements":[{"type":"mrkdwn","text":"engine: _x_"},{"type":"image","image_url":"http://i.example/i.png","alt_text":"logo"},{"type":"plain_text","text":"t"}]}]`,
			`<div class="sv-block sv-context"><span class="sv-text">engine: <i>x</i></span><img class="sv-context-image" src="http://i.example/i.png" alt="logo" loading="lazy" referrerpolicy="no-referrer"><span class="sv-text">t</span></div>`},
		{"context image with bad url", `[{"type":"context","elements":[{"type":"image","image_url":"javascript:alert(1)","alt_text":"a\"b"}]}]`,
			`<div class="sv-block sv-context"><span class="sv-note">[image: a&#34;b]</span></div>`},
		{"actions", `[{"type":"actions","block_id":"b","elements":[` +
			`{"type":"button","text":{"type":"plain_text","text":"Approve rollback"},"style":"danger","confirm":{"title":{"type":"plain_text","text":"Approve?"},"text":{"type":"plain_text","text":"It is <destructive>."}}},` +
			`{"type":"button","text":{"type":"plain_text","text":"Acknowledge"},"style":"primary"},` +
			`{"type":"button","text":{"type":"plain_text","text":"Right"},"style":"\" onclick=\"x"},` +
			`{"type":"static_select"}]}]`,
			`<div class="sv-block sv-actions"><button type="button" class="sv-button sv-danger" disabled title="Asks first: Approve? It is &lt;destructive&gt;.">Approve rollback</button>` +
				`<button type="button" class="sv-button sv-primary" disabled>Acknowledge</button>` +
				`<button type="button" class="sv-button" disabled>Right</button>` +
				`<span class="sv-note">(element type static_select not shown)</span></div>`},
		{"divider", `[{"type":"divider"}]`, `<hr class="sv-block sv-divider">`},
		{"image", `[{"type":"image","image_url":"https://img.example/g.png?a=1&b=2","alt_text":"error rate","title":{"type":"plain_text","text":"5xx"}}]`,
			`<figure class="sv-block sv-image"><figcaption class="sv-img-title"><span class="sv-text">5xx</span></figcaption>` +
				`<img class="sv-img" src="https://img.example/g.png?a=1&amp;b=2" alt="error rate" loading="lazy" referrerpolicy="no-referrer"></figure>`},
		{"rich_text", `[{"type":"rich_text","elements":[` +
			`{"type":"rich_text_section","elements":[{"type":"text","text":"Hi "},{"type":"user","user_id":"U1"},{"type":"text","text":" <b>","style":{"bold":true}},{"type":"link","url":"https://a.example/?q=1&r=2","text":"a & b"},{"type":"emoji","name":"fire"}]},` +
			`{"type":"rich_text_list","style":"ordered","elements":[{"type":"rich_text_section","elements":[{"type":"text","text":"one","style":{"code":true}}]}]},` +
			`{"type":"rich_text_preformatted","elements":[{"type":"text","text":"x\ny"}]},` +
			`{"type":"rich_text_quote","elements":[{"type":"channel","channel_id":"C1"},{"type":"broadcast","range":"here"},{"type":"link","url":"javascript:x","text":"bad"}]}]}]`,
			`<div class="sv-block sv-rich-text"><div>Hi <span class="sv-mention">@U1</span><b> &lt;b&gt;</b>` +
				`<a class="sv-link" href="https://a.example/?q=1&amp;r=2" target="_blank" rel="noopener noreferrer nofollow">a &amp; b</a><span class="sv-emoji" title=":fire:">🔥</span></div>` +
				`<ol class="sv-list"><li><code class="sv-code">one</code></li></ol><pre class="sv-pre">x<br>y</pre>` +
				`<blockquote class="sv-quote"><span class="sv-mention">#C1</span><span class="sv-mention">@here</span>bad</blockquote></div>`},
		{"unknown block", `[{"type":"input","label":{}},{"type":"divider"}]`,
			`<div class="sv-block sv-unknown"><span class="sv-note">(block type input not shown)</span></div><hr class="sv-block sv-divider">`},
		{"unknown block name escaped", `[{"type":"<script>"}]`,
			`<div class="sv-block sv-unknown"><span class="sv-note">(block type &lt;script&gt; not shown)</span></div>`},
		{"block without type", `[{}]`, `<div class="sv-block sv-unknown"><span class="sv-note">(block type without a type not shown)</span></div>`},
		{"unreadable block", `[{"type":"section","text":"not an object"},42]`,
			`<div class="sv-block sv-unknown"><span class="sv-note">(block type section could not be read)</span></div>` +
				`<div class="sv-block sv-unknown"><span class="sv-note">(block type without a type could not be read)</span></div>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Render([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if want := start + tc.want + end; string(got) != want {
				t.Errorf("Render(%s)\n got %s\nwant %s", tc.in, got, want)
			}
		})
	}
}

func TestRenderRefusesWhatIsNotBlockKit(t *testing.T) {
	for _, in := range []string{``, `   `, `"blocks"`, `null`, `[{"type":"divider"}`, `{"blocks":{}}`, `[1,`} {
		_, err := Render([]byte(in))
		if err == nil {
			t.Errorf("Render(%q): no error", in)
			continue
		}
		if noctuary.ErrorCode(err) != noctuary.EInvalid || !strings.HasPrefix(noctuary.ErrorMessage(err), "The Slack message is not") {
			t.Errorf("Render(%q) = %v (code %s), want an invalid-input sentence", in, err, noctuary.ErrorCode(err))
		}
	}
}

func TestRenderCutsLongText(t *testing.T) {
	long := strings.Repeat("*a ", 20000)
	got, err := Render([]byte(`[{"type":"section","text":{"type":"mrkdwn","text":"` + long + `"}}]`))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(got), "a"); n > maxText {
		t.Errorf("rendered %d a's, want at most %d", n, maxText)
	}
	if !strings.Contains(string(got), "…") {
		t.Error("a cut text does not end in …")
	}
}
