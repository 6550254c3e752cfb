package pd

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestTooManyRequestsBlocksTheKey: a 429 with Retry-After blocks the key's
// bucket for that long (every incident, every replica); a 5xx does not; a
// Retry-After over the cap is waited for the cap, and logged.
func TestTooManyRequestsBlocksTheKey(t *testing.T) {
	tests := []struct {
		name  string
		reply fakeReply
		want  []string
		log   bool
	}{
		{"429 with Retry-After", fakeReply{status: 429, header: map[string]string{"Retry-After": "120"}, body: `{}`},
			[]string{fmt.Sprintf("%s 2m0s", budgetBucket(testToken))}, false},
		{"429 with Retry-After over the cap", fakeReply{status: 429, header: map[string]string{"Retry-After": "86400"}, body: `{}`},
			[]string{fmt.Sprintf("%s 1h0m0s", budgetBucket(testToken))}, true},
		{"429 without Retry-After", fakeReply{status: 429, body: `{}`}, nil, false},
		{"503", fakeReply{status: 503, header: map[string]string{"Retry-After": "120"}, body: `{}`}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakePD(t)
			f.fail("GET /abilities", tt.reply)
			lim := &fakeLimiter{}
			var logs bytes.Buffer
			c := newTestClient(t, f, ClientOptions{Limiter: lim, MaxAttempts: 1, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			err := c.CheckKey(context.Background())
			if err == nil {
				t.Fatal("CheckKey succeeded after a failure with MaxAttempts 1")
			}
			if strings.Join(lim.blocks, ",") != strings.Join(tt.want, ",") {
				t.Errorf("blocks = %v, want %v", lim.blocks, tt.want)
			}
			if got := strings.Contains(logs.String(), "longer than Noctuary waits"); got != tt.log {
				t.Errorf("cap logged = %v, want %v (log: %s)", got, tt.log, logs.String())
			}
			if strings.Contains(logs.String(), testToken) {
				t.Error("the key was logged")
			}
		})
	}
}

// TestBlockedBucketDefersTheRequest: while the key is blocked (Reserve
// answers the block's remaining time), no request goes to PagerDuty; a
// block longer than the call may wait (its context's deadline) ends it with
// that wait.
func TestBlockedBucketDefersTheRequest(t *testing.T) {
	f := newFakePD(t)
	c := newTestClient(t, f, ClientOptions{Limiter: &fakeLimiter{waits: []time.Duration{50 * time.Minute}}})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := c.CheckKey(ctx)
	if wait, ok := RetryAfter(err); !ok || wait != 50*time.Minute {
		t.Errorf("RetryAfter = %v, %v; want 50m, true (err %v)", wait, ok, err)
	}
	if n := len(f.recorded()); n != 0 {
		t.Errorf("%d requests reached PagerDuty while the key was blocked", n)
	}
}
