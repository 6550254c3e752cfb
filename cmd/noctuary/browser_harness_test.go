package main

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The browser tests drive a headless Chromium (Debian's `chromium`) with
// chromedp against a real Main. NOCTUARY_CHROMIUM names the binary when it is
// not on PATH; NOCTUARY_SCREENSHOTS=1 makes them save each page they visit
// under docs/screenshots/ (make screenshots).
const (
	// browserLife bounds one test's browser, start included: a Chromium that
	// stalls (no network, a missing flag) fails the test instead of hanging it.
	browserLife = 3 * time.Minute
	// browserStep bounds one step: a page load, a click and its answer.
	browserStep   = 20 * time.Second
	screenshotDir = "../../docs/screenshots"
)

// tab is one headless Chromium tab pointed at one running Noctuary.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// chromiumPath finds Chromium: NOCTUARY_CHROMIUM, or a usual name on PATH.
func chromiumPath() (string, error) {
	if p := os.Getenv("NOCTUARY_CHROMIUM"); p != "" {
		return exec.LookPath(p)
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome-stable", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium, chromium-browser or google-chrome on PATH")
}

// startBrowser starts a headless Chromium with a fresh profile, for base (the
// Noctuary URL). It fails the test, saying how to install Chromium, when
// there is none.
func startBrowser(t *testing.T, base string) *tab {
	t.Helper()
	path, err := chromiumPath()
	if err != nil {
		t.Fatalf("the dashboard's browser tests need headless Chromium (%v): install it with "+
			"`sudo apt-get install -y --no-install-recommends chromium` (Debian, Ubuntu), or set NOCTUARY_CHROMIUM to its path", err)
	}
	life, stop := context.WithTimeout(context.Background(), browserLife)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1280, 800),
		// The network is closed in CI: no QUIC probes, updates or sync, which stall a start.
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true))
	alloc, cancelAlloc := chromedp.NewExecAllocator(life, opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc(); stop() })
	if err := chromedp.Do(ctx); err != nil { // starts Chromium (the allocator makes a temporary profile)
		t.Fatalf("starting Chromium %s: %v", path, err)
	}
	return &tab{t: t, ctx: ctx, base: base}
}

// do runs steps within browserStep and fails the test, saying what it was
// doing, when one fails.
func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserStep)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %s: %v", what, err)
	}
}

// value is do for one step that returns a value.
func value[T any](b *tab, what string, step chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserStep)
	defer cancel()
	v, err := chromedp.Run(ctx, step)
	if err != nil {
		b.t.Fatalf("browser: %s: %v", what, err)
	}
	return v
}

// open loads base+path and returns the HTTP status of the page shown.
func (b *tab) open(path string) int64 {
	b.t.Helper()
	return value(b, "open "+path, chromedp.NavigateResponse(b.base+path)).Status
}

// submit clicks the button with the id, waits for the page that answers and
// returns its HTTP status.
func (b *tab) submit(id string) int64 {
	b.t.Helper()
	return b.respond("click #"+id, chromedp.Click(chromedp.ID(id)))
}

// submitForm submits the form of the field with the id, as pressing Enter
// in it would, and returns the HTTP status of the page that answers.
func (b *tab) submitForm(fieldID string) int64 {
	b.t.Helper()
	return b.respond("submit the form of #"+fieldID, chromedp.Submit(chromedp.ID(fieldID)))
}

// respond runs a step that loads a page and returns the page's HTTP status.
func (b *tab) respond(what string, step chromedp.Action[chromedp.Void]) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserStep)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, step)
	if err != nil {
		b.t.Fatalf("browser: %s: %v", what, err)
	}
	return resp.Status
}

// on is the same tab reporting to t (a subtest).
func (b *tab) on(t *testing.T) *tab { return &tab{t: t, ctx: b.ctx, base: b.base} }

// text returns the visible text of the element with the id.
func (b *tab) text(id string) string {
	b.t.Helper()
	return value(b, "read #"+id, chromedp.Text(chromedp.ID(id)))
}

// count returns how many elements match the CSS selector.
func (b *tab) count(css string) int {
	b.t.Helper()
	q, _ := json.Marshal(css)
	return value(b, "count "+css, chromedp.Evaluate[int](`document.querySelectorAll(`+string(q)+`).length`))
}

// location returns the URL of the page shown.
func (b *tab) location() string {
	b.t.Helper()
	return value(b, "read the location", chromedp.Location())
}

// fill sets form fields by element id.
func (b *tab) fill(fields map[string]string) {
	b.t.Helper()
	for id, v := range fields {
		b.do("fill #"+id, chromedp.SetValue(chromedp.ID(id), v))
	}
}

// forgetSession drops every cookie, as a visitor who never signed in.
func (b *tab) forgetSession() {
	b.t.Helper()
	b.do("clear cookies", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, network.ClearBrowserCookies, cdp.Empty{})
		return err
	}))
}

// screenshot saves the page shown as docs/screenshots/<name>-desktop.png
// (1280 wide) and <name>-phone.png (390 wide, mobile), whole page, when
// NOCTUARY_SCREENSHOTS=1.
func (b *tab) screenshot(name string) {
	b.t.Helper()
	if os.Getenv("NOCTUARY_SCREENSHOTS") != "1" {
		return
	}
	for _, v := range []struct {
		suffix string
		w, h   int64
		opts   []chromedp.EmulateViewportOption
	}{
		{"desktop", 1280, 800, nil},
		{"phone", 390, 844, []chromedp.EmulateViewportOption{chromedp.EmulateMobile, chromedp.EmulatePortrait}},
	} {
		png := value(b, "screenshot "+name+" ("+v.suffix+")", fullPage(v.w, v.h, v.opts...))
		if err := os.WriteFile(filepath.Join(screenshotDir, name+"-"+v.suffix+".png"), png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	b.do("reset the viewport", chromedp.EmulateViewport(1280, 800))
}

// fullPage is a PNG of the whole page laid out at w×h.
func fullPage(w, h int64, opts ...chromedp.EmulateViewportOption) chromedp.Action[[]byte] {
	return func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		if _, err := chromedp.EmulateViewport(w, h, opts...)(ctx, t); err != nil {
			return nil, err
		}
		m, err := cdp.Call(ctx, t, page.GetLayoutMetrics, cdp.Empty{})
		if err != nil {
			return nil, err
		}
		height := float64(h)
		if m.CSSContentSize != nil {
			height = math.Max(height, math.Ceil(m.CSSContentSize.Height))
		}
		r, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format: page.CaptureScreenshotFormatPng, CaptureBeyondViewport: new(true), FromSurface: new(true),
			Clip: &page.Viewport{Width: float64(w), Height: height, Scale: 1}})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	}
}
