package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary/cmd/noctuary/config"
	"github.com/noctuary/noctuary/internal/logtest"
	"github.com/noctuary/noctuary/pd/pdtest"
	"github.com/noctuary/noctuary/store/storetest"
)

// withSocketMode points Noctuary at the fake Slack with an app token, so
// that it uses Socket Mode.
func withSocketMode(fake *fakeSlack) func(*config.Config) {
	return func(c *config.Config) {
		withSlack(fake)(c)
		c.Slack.AppToken = "xapp-test"
	}
}

// slackReady waits until /readyz reports Slack's status as want ("ok" or
// "down") and returns the whole answer.
func (e *env) slackReady(want string, within time.Duration) map[string]any {
	e.t.Helper()
	deadline := time.Now().Add(within)
	for {
		status, out := e.do("GET", "/readyz", nil, nil)
		comps, _ := out["components"].(map[string]any)
		slack, _ := comps["slack"].(map[string]any)
		if status == 200 && slack["status"] == want {
			return out
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("readyz = %d %v, want 200 with Slack %s", status, out, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// socketOutage drops the fake Slack's Socket Mode connection after its hello
// and refuses reconnections for a while: /readyz is degraded with Slack down
// and the gauge 0 meanwhile, and ok again with the gauge 1 once Noctuary has
// reconnected by itself.
func socketOutage(e *env, fake *fakeSlack) {
	e.t.Helper()
	e.slackReady("ok", 10*time.Second)
	if up := e.metricSum("noctuary_component_up", `component="slack"`); up != 1 {
		e.t.Fatalf("noctuary_component_up{component=\"slack\"} = %v while connected, want 1", up)
	}
	opens := len(fake.callsTo("apps.connections.open"))
	fake.setSocketDown(true)
	out := e.slackReady("down", 10*time.Second)
	slack := out["components"].(map[string]any)["slack"].(map[string]any)
	if out["status"] != "degraded" || !strings.HasPrefix(slack["error"].(string), "Slack Socket Mode is down (") {
		e.t.Errorf("readyz while Socket Mode is down = %v, want degraded with the cause", out)
	}
	if up := e.metricSum("noctuary_component_up", `component="slack"`); up != 0 {
		e.t.Errorf("noctuary_component_up{component=\"slack\"} = %v while down, want 0", up)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(fake.callsTo("apps.connections.open")) < opens+2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond) // at least one failed reconnection
	}
	fake.setSocketDown(false)
	if out := e.slackReady("ok", 10*time.Second); out["status"] != "ok" {
		e.t.Errorf("readyz after reconnecting = %v, want ok", out)
	}
	if up := e.metricSum("noctuary_component_up", `component="slack"`); up != 1 {
		e.t.Errorf("noctuary_component_up{component=\"slack\"} = %v after reconnecting, want 1", up)
	}
}

// TestSocketModeDropShowsDown: a Socket Mode connection that slack-go loses
// and reconnects by itself (its run loop never stops) is reported by /readyz
// and the gauge while it is down, and ok again once reconnected.
func TestSocketModeDropShowsDown(t *testing.T) {
	t.Parallel()
	fake := newFakeSlack(t)
	socketOutage(newEnv(t, withSocketMode(fake)), fake)
}

// TestSocketModeLogsNoTicket: the Socket Mode URL carries a connection
// ticket, a secret. A dial whose error quotes the URL (a malformed port),
// a dropped connection and refused reconnections are logged, at Warn once
// per change rather than per retry, and no log line, even at Debug,
// carries the ticket.
func TestSocketModeLogsNoTicket(t *testing.T) {
	t.Parallel()
	fake := newFakeSlack(t)
	badTicket := socketTicket + "-first"
	fake.socketURLs = []string{"ws://127.0.0.1:bad/ws?ticket=" + badTicket}
	e := &env{t: t, pd: pdtest.New(t, testPDToken), redis: storetest.StartRedis(t)}
	e.cfg = testConfig(e.redis.URL, e.pd.URL)
	withSocketMode(fake)(e.cfg)
	logs := &logtest.Buffer{}
	e.main = NewMain(e.cfg, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err := e.main.Run(context.Background()); err != nil {
		t.Fatalf("Main.Run: %v", err)
	}
	t.Cleanup(func() { _ = e.main.Close() })
	e.url = "http://" + e.main.Addr

	socketOutage(e, fake)
	var warns []string
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if strings.Contains(line, socketTicket) || strings.Contains(line, "ticket=") {
			t.Errorf("log line carries the Socket Mode ticket: %s", line)
		}
		var rec struct{ Level, Msg, Error string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec.Level == "WARN" && strings.HasPrefix(rec.Msg, "Slack Socket Mode is down") {
			warns = append(warns, rec.Error)
		}
	}
	// The malformed URL, then the lost connection; the refused
	// reconnections that follow are at Debug.
	if len(warns) != 2 || !strings.Contains(warns[0], `invalid port ":bad"`) || !strings.Contains(warns[0], "[URL]") {
		t.Errorf("Socket Mode warnings = %q, want the malformed URL's (redacted) then the lost connection's", warns)
	}
}
