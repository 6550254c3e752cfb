package pd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/pd/pdtest"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

const secondToken = "u+pd-SECOND-fedcba9876543210"

// newTwoKeyClient returns a client of an integration with testToken and
// secondToken, its budget in a real Redis (each key rate requests a minute,
// burst at once), talking to srv.
func newTwoKeyClient(t *testing.T, srv *pdtest.Server, rate, burst int) (*Client, *store.Store) {
	t.Helper()
	st := storetest.Open(t, "redis", store.Options{})
	c, err := NewClient(noctuary.Integration{ID: "prod", Environment: "prod", Direction: noctuary.DirectionBidirectional,
		Token: testToken, ExtraTokens: []noctuary.Secret{secondToken}, From: testFrom, APIURL: srv.URL},
		ClientOptions{Limiter: st, RequestsPerMinute: rate, Burst: burst, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return c, st
}

// TestRequestsSpreadOverEveryKey: an integration has two keys, each with a
// budget of 8 requests (then one a minute), against a fake PagerDuty that
// allows 8 a key; another replica already spent 4 of the first key's. Of 13
// notes, 12 are posted, 4 with the first key and 8 with the second, none
// refused with 429: a request takes from whichever key has room. The 13th
// is refused at once, before any request, as every key is spent.
func TestRequestsSpreadOverEveryKey(t *testing.T) {
	srv := pdtest.New(t, testToken)
	srv.AddToken(secondToken)
	srv.EnforceRate(8)
	c, st := newTwoKeyClient(t, srv, 1, 8)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if taken, _, _, err := st.ReserveUpTo(ctx, c.keys[0].bucket, 1, 8, 4); err != nil || taken != 4 {
		t.Fatalf("spending the first key: took %d, %v", taken, err)
	}
	var refused []int
	for i := range 13 {
		_, err := c.AddNote(ctx, "Q1", fmt.Sprintf("note %d", i))
		var re *RetryableError
		switch {
		case errors.As(err, &re) && errors.Is(re.Err, errBudgetSpent) && re.NotSent():
			refused = append(refused, i)
		case err != nil:
			t.Fatalf("note %d: %v", i, err)
		}
	}
	byKey := map[string]int{}
	for _, n := range srv.Notes("Q1") {
		byKey[n.Auth]++
	}
	if a, b := byKey["Token token="+testToken], byKey["Token token="+secondToken]; a != 4 || b != 8 || !slices.Equal(refused, []int{12}) {
		t.Errorf("notes with the first key %d, the second %d, refused for the budget %v; want 4, 8 and [12]", a, b, refused)
	}
	if srv.Limited() != 0 || srv.Requests() != 12 {
		t.Errorf("PagerDuty got %d requests and refused %d with 429; want 12 and none", srv.Requests(), srv.Limited())
	}
}

// TestBudgetWaitsForTheKeyThatFreesFirst: with one key blocked for a minute
// (PagerDuty's 429) and the other spent for a tenth of a second, a request
// waits for the second, not the first: it goes within a 5 s deadline, with
// the second key.
func TestBudgetWaitsForTheKeyThatFreesFirst(t *testing.T) {
	srv := pdtest.New(t, testToken)
	srv.AddToken(secondToken)
	c, st := newTwoKeyClient(t, srv, 600, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := st.Block(ctx, c.keys[0].bucket, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := st.ReserveUpTo(ctx, c.keys[1].bucket, 600, 1, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddNote(ctx, "Q1", "after the wait"); err != nil {
		t.Fatalf("AddNote: %v; want it to wait for the key that frees first", err)
	}
	if n := srv.Notes("Q1"); len(n) != 1 || n[0].Auth != "Token token="+secondToken {
		t.Errorf("notes %+v, want one with the second key", n)
	}
}

// TestUrgentFirstAcrossKeys: while both keys' budgets are held (a 429's
// block), ten low-urgency requests and then a high-urgency one queue. When
// the budgets free up, the high-urgency one goes first and the others in
// order of arrival, spread over both keys: whenever the queue is looked
// at, those still waiting are the last ones in that order.
func TestUrgentFirstAcrossKeys(t *testing.T) {
	srv := pdtest.New(t, testToken)
	c, st := newTwoKeyClient(t, srv, 600, 4)
	ctx := context.Background()
	for _, k := range c.keys {
		if err := st.Block(ctx, k.bucket, 2*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Now()
	var mu sync.Mutex
	keys := map[int]int{}
	var wg sync.WaitGroup
	join := func(prec noctuary.Precedence) {
		wg.Go(func() {
			k, _, err := c.await(ctx, "a note", prec, anyKey, true)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			keys[k]++
			mu.Unlock()
		})
	}
	order := []noctuary.Precedence{{Urgent: true, Since: t0.Add(time.Minute)}}
	for i := range 10 {
		prec := noctuary.Precedence{Since: t0.Add(time.Duration(i) * time.Second)}
		order = append(order, prec)
		join(prec)
		waitFor(t, func() bool { return queued(c) == i+1 })
	}
	join(order[0])
	waitFor(t, func() bool { return queued(c) == 11 })
	mu.Lock()
	early := len(keys)
	mu.Unlock()
	if early != 0 {
		t.Fatalf("requests went before the budgets freed up; the machine is too slow for this test's 2 s block")
	}
	for looks := 0; ; looks++ {
		got := waitingPrecs(c)
		if want := bySince(slices.Clone(order[len(order)-len(got):])); !slices.Equal(got, want) {
			t.Fatalf("look %d: still waiting %v, want the last %d of %v", looks, got, len(got), order)
		}
		if len(got) == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	wg.Wait()
	if keys[0] == 0 || keys[1] == 0 || keys[0]+keys[1] != 11 {
		t.Errorf("requests by key %v: want 11, over both keys", keys)
	}
}

// TestCheckKeyChecksEveryKey: CheckKey (the start-up report, the review)
// asks PagerDuty with each key; a refused extra key is an EUnauthorized
// error that says which key it was, never its value. The report says how
// many keys it checked.
func TestCheckKeyChecksEveryKey(t *testing.T) {
	srv := pdtest.New(t, testToken)
	c, _ := newTwoKeyClient(t, srv, 960, 480)
	err := c.CheckKey(context.Background())
	if noctuary.ErrorCode(err) != noctuary.EUnauthorized || !strings.Contains(err.Error(), "Extra PagerDuty key 1") {
		t.Fatalf("CheckKey with a refused extra key: %v (code %q); want unauthorized, naming extra key 1", err, noctuary.ErrorCode(err))
	}
	if strings.Contains(err.Error(), secondToken) || strings.Contains(err.Error(), testToken) {
		t.Errorf("the error shows a key: %v", err)
	}
	if srv.KeyChecks() != 2 {
		t.Errorf("%d key checks reached PagerDuty, want 2 (one a key)", srv.KeyChecks())
	}
	srv.AddToken(secondToken)
	r, err := c.Report(context.Background(), time.Now())
	if err != nil || r.Keys != 2 || r.Summary() != "2 REST API keys (each works)" {
		t.Errorf("Report with both keys accepted: %+v (%q), %v; want 2 keys that work", r, r.Summary(), err)
	}
}

// TestExtraKeysNeedAMainKey: extra keys go with a main REST API key, never
// with an OAuth app or alone.
func TestExtraKeysNeedAMainKey(t *testing.T) {
	extra := []noctuary.Secret{secondToken}
	for name, integ := range map[string]noctuary.Integration{
		"oauth": {ID: "prod", ExtraTokens: extra, OAuth: &noctuary.OAuthApp{ClientID: "id", ClientSecret: "s", Region: "us", Subdomain: "acme"}},
		"alone": {ID: "prod", ExtraTokens: extra, WebhookSecrets: []noctuary.Secret{"w"}},
	} {
		_, err := NewClient(integ, ClientOptions{})
		if noctuary.ErrorCode(err) != noctuary.EInvalid {
			t.Errorf("%s: NewClient = %v, want invalid", name, err)
		}
	}
}
