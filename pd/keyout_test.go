package pd

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/pd/pdtest"
)

// loggedTwoKeyClient is newTwoKeyClient (600 requests a minute a key,
// burst 100) logging to the returned buffer, with a context for its calls.
func loggedTwoKeyClient(t *testing.T, srv *pdtest.Server) (*Client, *bytes.Buffer, context.Context) {
	t.Helper()
	c, _ := newTwoKeyClient(t, srv, 600, 100)
	logs := &bytes.Buffer{}
	c.log = slog.New(slog.NewTextHandler(logs, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c, logs, ctx
}

// postNotes posts n notes "note 0"… to incident Q1 with c, each of which
// must succeed.
func postNotes(t *testing.T, ctx context.Context, c *Client, n int) {
	t.Helper()
	for i := range n {
		if _, err := c.AddNote(ctx, "Q1", fmt.Sprintf("note %d", i)); err != nil {
			t.Fatalf("note %d: %v", i, err)
		}
	}
}

// TestRefusedExtraKeyLeavesRotation: PagerDuty does not know the
// integration's extra key. Each of 10 notes is still posted, exactly once,
// with the main key: the one request the extra key was refused (401) is
// sent again at once with the main key, and the extra key is out of
// rotation from then on. One warning names the key by its place, never by
// its value, and says where to fix it.
func TestRefusedExtraKeyLeavesRotation(t *testing.T) {
	srv := pdtest.New(t, testToken)
	c, logs, ctx := loggedTwoKeyClient(t, srv)
	postNotes(t, ctx, c, 10)
	notes := srv.Notes("Q1")
	seen := map[string]bool{}
	for _, n := range notes {
		if seen[n.Content] || n.Auth != "Token token="+testToken {
			t.Errorf("note %q posted again or with another key than the main one (%s)", n.Content, n.Auth)
		}
		seen[n.Content] = true
	}
	if len(notes) != 10 || srv.Requests() != 11 {
		t.Errorf("%d notes posted in %d requests; want 10 in 11 (one refused)", len(notes), srv.Requests())
	}
	out := logs.String()
	if n := strings.Count(out, "pagerduty_extra_tokens"); n != 1 || !strings.Contains(out, "extra PagerDuty key 1 of integration prod") {
		t.Errorf("want one warning naming extra PagerDuty key 1 of integration prod and pagerduty_extra_tokens, got %d:\n%s", n, out)
	}
	if strings.Contains(out, secondToken) || strings.Contains(out, testToken) {
		t.Errorf("a key reached the log:\n%s", out)
	}
}

// TestReadOnlyExtraKeyLeavesRotation: the extra key is read-only (it
// passes the start-up check, a read, and PagerDuty answers its writes
// 403). Each of 10 notes is still posted, exactly once, with the main key:
// the one note the extra key could not write is sent again at once with
// the main key, whose success shows that the extra key, not the user's
// rights, was at fault; the extra key is out of rotation from then on,
// with one warning naming it.
func TestReadOnlyExtraKeyLeavesRotation(t *testing.T) {
	srv := pdtest.New(t, testToken)
	srv.AddReadOnlyToken(secondToken)
	c, logs, ctx := loggedTwoKeyClient(t, srv)
	postNotes(t, ctx, c, 10)
	notes := srv.Notes("Q1")
	for _, n := range notes {
		if n.Auth != "Token token="+testToken {
			t.Errorf("note %q posted with the read-only key", n.Content)
		}
	}
	if len(notes) != 10 || srv.Requests() != 11 {
		t.Errorf("%d notes posted in %d requests; want 10 in 11 (one forbidden)", len(notes), srv.Requests())
	}
	if out := logs.String(); strings.Count(out, "extra PagerDuty key 1 of integration prod") != 1 {
		t.Errorf("want one warning naming extra PagerDuty key 1 of integration prod:\n%s", out)
	}
}

// TestEveryKeyRefused: PagerDuty knows neither key; every note fails for
// good (EUnauthorized, as with one key, so that a freshly rotated main key
// falls back to the previous one), naming the main key, and none is posted.
func TestEveryKeyRefused(t *testing.T) {
	srv := pdtest.New(t, "u+pd-UNKNOWN-0000000000000000")
	c, _ := newTwoKeyClient(t, srv, 600, 100)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 4 {
		_, err := c.AddNote(ctx, "Q1", fmt.Sprintf("note %d", i))
		if noctuary.ErrorCode(err) != noctuary.EUnauthorized || !strings.Contains(noctuary.ErrorMessage(err), "The main PagerDuty key") {
			t.Fatalf("note %d: got %v; want EUnauthorized naming the main key", i, err)
		}
	}
	if n := len(srv.Notes("Q1")); n != 0 || srv.Requests() != 5 {
		t.Errorf("%d notes posted in %d requests; want none in 5 (the extra key once, the main key each time)", n, srv.Requests())
	}
}

// TestSpentKeyTiedRequestHoldsNoOne: a request tied to the second key
// (CheckKey's), whose budget is spent, waits; three notes that may go with
// any key go meanwhile with the first, which has room, instead of waiting
// behind it.
func TestSpentKeyTiedRequestHoldsNoOne(t *testing.T) {
	srv := pdtest.New(t, testToken)
	srv.AddToken(secondToken)
	c, st := newTwoKeyClient(t, srv, 1, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if taken, _, _, err := st.ReserveUpTo(ctx, c.keys[1].bucket, 1, 4, 4); err != nil || taken != 4 {
		t.Fatalf("spending the second key: took %d, %v", taken, err)
	}
	sleeping := make(chan time.Duration, 8)
	c.sleep = func(ctx context.Context, d time.Duration) error {
		sleeping <- d
		<-ctx.Done()
		return ctx.Err()
	}
	tiedCtx, stopTied := context.WithCancel(context.Background()) // no deadline: it waits
	defer stopTied()
	tied := make(chan error, 1)
	go func() {
		_, _, err := c.await(tiedCtx, "check the API key", urgent, 1, true)
		tied <- err
	}()
	select { // the tied request waits for its key
	case <-sleeping:
	case err := <-tied:
		t.Fatalf("the tied request did not wait: %v", err)
	case <-ctx.Done():
		t.Fatal("the tied request never waited")
	}
	noteCtx, cancelNotes := context.WithTimeout(ctx, 5*time.Second)
	defer cancelNotes()
	for i := range 3 {
		if k, _, err := c.await(noteCtx, "a note", noctuary.Precedence{}, anyKey, true); err != nil || k != 0 {
			t.Errorf("note %d: key %d, %v; want the first key at once", i, k, err)
		}
	}
	stopTied()
	if err := <-tied; noctuary.ErrorCode(err) != noctuary.EUnavailable {
		t.Errorf("the tied request: %v; want it cancelled (unavailable)", err)
	}
}

// TestForbiddenNoteKeepsKeys: the keys' user may not add notes to QTEAM (a
// team it cannot see): PagerDuty answers 403, Access Denied, whatever the
// key. Each of 4 notes to it fails at once as forbidden (not unauthorized),
// naming the key that asked: in one request with the main key, in two
// with the extra key (sent once more with the main key, which is refused
// too: the user's rights, not the key). No key is set aside, so the 4 notes
// to Q1 that follow go with both keys, and nothing is logged about a
// refused key.
func TestForbiddenNoteKeepsKeys(t *testing.T) {
	srv := pdtest.New(t, testToken)
	srv.AddToken(secondToken)
	srv.Hide("QTEAM")
	c, logs, ctx := loggedTwoKeyClient(t, srv)
	for i := range 4 {
		_, err := c.AddNote(ctx, "QTEAM", fmt.Sprintf("hidden %d", i))
		if msg := noctuary.ErrorMessage(err); noctuary.ErrorCode(err) != noctuary.EForbidden ||
			!strings.Contains(msg, "PagerDuty key") || !strings.Contains(msg, "(403)") {
			t.Fatalf("note %d to QTEAM: got %v; want forbidden (403), naming the key", i, err)
		}
		if n := strings.Count(err.Error(), "PagerDuty refused"); n != 1 {
			t.Errorf("note %d to QTEAM: the error says its sentence %d times: %v", i, n, err)
		}
	}
	if srv.Requests() != 6 {
		t.Errorf("4 forbidden notes took %d requests; want 6 (2 with each key, the extra key's sent again with the main key)", srv.Requests())
	}
	for i := range 4 {
		if _, err := c.AddNote(ctx, "Q1", fmt.Sprintf("note %d", i)); err != nil {
			t.Fatalf("note %d to Q1: %v", i, err)
		}
	}
	byKey := map[string]int{}
	for _, n := range srv.Notes("Q1") {
		byKey[n.Auth]++
	}
	if byKey["Token token="+testToken] == 0 || byKey["Token token="+secondToken] == 0 {
		t.Errorf("notes to Q1 by key %v; want both keys in rotation", byKey)
	}
	if strings.Contains(logs.String(), "refused a key") {
		t.Errorf("a key was set aside for a forbidden note:\n%s", logs.String())
	}
}
