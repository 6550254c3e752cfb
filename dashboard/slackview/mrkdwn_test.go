package slackview

import (
	"strings"
	"testing"
)

func TestMrkdwn(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "hello", "hello"},
		{"bold", "*Hypothesis:* deploy", "<b>Hypothesis:</b> deploy"},
		{"italic", "_Engine: heuristic_", "<i>Engine: heuristic</i>"},
		{"strike", "~old~ new", "<s>old</s> new"},
		{"nested", "*_both_*", "<b><i>both</i></b>"},
		{"snake case is not italic", "snake_case_name", "snake_case_name"},
		{"space after opener", "a * b * c", "a * b * c"},
		{"unclosed", "*open and never closed", "*open and never closed"},
		{"empty markers", "** __", "** __"},
		{"code", "`02:10:41` ok", `<code class="sv-code">02:10:41</code> ok`},
		{"code keeps markers", "`*not bold*`", `<code class="sv-code">*not bold*</code>`},
		{"code entities", "`a &lt;b&gt; &amp;`", `<code class="sv-code">a &lt;b&gt; &amp;</code>`},
		{"pre", "before\n```line 1\n*x*\n```\nafter", `before<pre class="sv-pre">line 1` + "\n" + `*x*</pre>after`},
		{"unclosed pre", "a ``` b", "a ``` b"},
		{"quote", "&gt; quoted\n&gt; twice\nthen", `<blockquote class="sv-quote">quoted<br>twice</blockquote>then`},
		{"raw quote", "> raw", `<blockquote class="sv-quote">raw</blockquote>`},
		{"lines", "one\ntwo", "one<br>two"},
		{"link", "<https://argocd.example/app?a=1&amp;b=2|\"rolled out\">",
			`<a class="sv-link" href="https://argocd.example/app?a=1&amp;b=2" target="_blank" rel="noopener noreferrer nofollow">&#34;rolled out&#34;</a>`},
		{"bare link", "<http://x.example/>", `<a class="sv-link" href="http://x.example/" target="_blank" rel="noopener noreferrer nofollow">http://x.example/</a>`},
		{"mailto", "<mailto:ann@example.com|Ann>", `<a class="sv-link" href="mailto:ann@example.com" target="_blank" rel="noopener noreferrer nofollow">Ann</a>`},
		{"javascript link is text", "<javascript:alert(1)|click>", "click"},
		{"upper-case javascript", "<JaVaScRiPt:alert(1)|click>", "click"},
		{"data link is text", "<data:text/html,x|click>", "click"},
		{"relative link is text", "<//evil.example|click>", "click"},
		{"link label escaped", "<https://a.example|&lt;script&gt;>", `<a class="sv-link" href="https://a.example" target="_blank" rel="noopener noreferrer nofollow">&lt;script&gt;</a>`},
		{"quote in href", `<https://a.example/"onmouseover=x|a>`, `<a class="sv-link" href="https://a.example/%22onmouseover=x" target="_blank" rel="noopener noreferrer nofollow">a</a>`},
		{"user", "<@U0ALICE> approved", `<span class="sv-mention">@U0ALICE</span> approved`},
		{"user with name", "<@U0ALICE|alice>", `<span class="sv-mention">@alice</span>`},
		{"channel", "<#C123|ops>", `<span class="sv-mention">#ops</span>`},
		{"bare channel", "<#C123>", `<span class="sv-mention">#C123</span>`},
		{"here", "<!here>", `<span class="sv-mention">@here</span>`},
		{"subteam", "<!subteam^S1|@sre>", `<span class="sv-mention">@sre</span>`},
		{"date", "<!date^1392734382^{date}|Feb 18>", "Feb 18"},
		{"entities", "a &amp; b &lt;c&gt;", "a &amp; b &lt;c&gt;"},
		{"entity twice", "&amp;lt;", "&amp;lt;"},
		{"raw html is text", `<b onclick="x">hi</b>`, "b onclick=&#34;x&#34;hi/b"},
		{"script is text", "&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"lone angle", "1 < 2", "1 &lt; 2"},
		{"emoji", "*Status:* :eyes: Acknowledged", `<b>Status:</b> <span class="sv-emoji" title=":eyes:">👀</span> Acknowledged`},
		{"emoji with underscores", ":white_check_mark: done", `<span class="sv-emoji" title=":white_check_mark:">✅</span> done`},
		{"unknown emoji", ":not_an_emoji:", ":not_an_emoji:"},
		{"clock is not emoji", "02:10:41", "02:10:41"},
		{"quotes escaped", `say "hi" & 'bye'`, "say &#34;hi&#34; &amp; &#39;bye&#39;"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w strings.Builder
			mrkdwn(&w, tc.in)
			if got := w.String(); got != tc.want {
				t.Errorf("mrkdwn(%q)\n got %s\nwant %s", tc.in, got, tc.want)
			}
		})
	}
}
