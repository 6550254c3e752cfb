package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/noctuary/noctuary"
)

// TestDashboardBrowserLongWords: an incident title and an event summary
// without a space to break at (a hash, a URL, a stack frame) wrap inside
// their headings and cells, on a laptop and a phone: the incidents list and
// the incident's page keep every column within the page instead of one row
// pushing the others out of sight.
func TestDashboardBrowserLongWords(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	at := onsetAt()
	word := strings.Repeat("x0", 600)
	events := seedEvents(at, "wide-")
	events[0].Summary = "sha=" + word[:900]
	events[1].Kind, events[1].Source = word[:noctuary.MaxKindLen], word[:noctuary.MaxSourceLen]
	e.sendEvents(events...)
	body := bytes.Replace(webhook("EV-WIDE", noctuary.EventIncidentTriggered, "QWIDE", "PCHECKOUT", at),
		[]byte(`"checkout: 5xx error rate above 5%"`), []byte(`"`+word+`"`), 1)
	e.sendWebhook(body)
	b := startBrowser(t, e.url)
	e.waitNotes("QWIDE", 1, 15*time.Second)
	b.signIn()
	for _, viewport := range []struct {
		name string
		w, h int64
		opts []chromedp.EmulateViewportOption
		// boxes are the scrolling boxes that must not scroll: on a phone
		// the signals' six columns scroll whatever their text, by design.
		boxes string
	}{
		{"laptop", 1280, 800, nil, ".table, h1"},
		{"phone", 390, 844, []chromedp.EmulateViewportOption{chromedp.EmulateMobile, chromedp.EmulatePortrait}, ".table:has(#incidents), h1"},
	} {
		b.do("set the viewport", chromedp.EmulateViewport(viewport.w, viewport.h, viewport.opts...))
		for _, path := range []string{"/dashboard/incidents", "/dashboard/incidents/QWIDE"} {
			if st := b.open(path); st != http.StatusOK {
				t.Fatalf("%s answered %d", path, st)
			}
			// Elements whose content is wider than they are: the page, its
			// title and the boxes around tables.
			wide := value(b, "measure "+path, chromedp.Evaluate[[]string](`[document.documentElement, ...document.querySelectorAll("`+viewport.boxes+`")]
				.filter(e => e.scrollWidth > e.clientWidth + 1)
				.map(e => (e.id || e.className || e.tagName) + ": " + e.scrollWidth + " > " + e.clientWidth)`))
			if len(wide) > 0 {
				t.Errorf("%s on a %s: content wider than its box: %v", path, viewport.name, wide)
			}
		}
	}
}
