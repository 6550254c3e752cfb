package bot

import (
	"errors"
	"testing"
)

// TestRedactURLs: an error's text keeps a URL's scheme and host only; a
// Socket Mode URL's ticket never stays.
func TestRedactURLs(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"websocket: bad handshake", "websocket: bad handshake"},
		{"dial wss://wss-primary.slack.com/link/?ticket=T-secret&app_id=A1: refused",
			"dial wss://wss-primary.slack.com refused"}, // the URL ran to the space
		{`parse "ws://127.0.0.1:bad/ws?ticket=T-secret": invalid port ":bad" after host`,
			`parse "[URL]": invalid port ":bad" after host`},
		{"two: https://slack.com/api/apps.connections.open and wss://h/x?ticket=T-secret",
			"two: https://slack.com and wss://h"},
	} {
		if got := redactURLs(errors.New(c.in)); got != c.want {
			t.Errorf("redactURLs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
