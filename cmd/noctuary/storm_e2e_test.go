package main

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
	"github.com/noctuary/noctuary/pd/pdtest"
)

// Storm shape (issue 10): 1,500 incidents at 50 a second, one in ten of
// high urgency, against PagerDuty's 960 requests a minute per key.
const (
	stormIncidents = 1500
	stormRate      = 50 // incidents a second
	stormHighEvery = 10
	pdPerMinute    = 960
)

// TestStormUrgentFirstUnderTheBudget: a storm through the real Main against
// a fake PagerDuty that enforces 960 requests a minute per key as a token
// bucket. No request is refused with 429, every incident gets exactly one
// note for about one request, high-urgency notes go first (p99 about 1 s
// on a machine that is not saturated) while the low-urgency ones wait in
// order, and the whole storm drains at the budget's rate. It takes about a minute (the budget's pace), so it
// runs in parallel with the package's other tests.
func TestStormUrgentFirstUnderTheBudget(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(cfg *config.Config) {
		cfg.ClaimIdle = 30 * time.Second // entries wait for the budget; nobody died
	})
	e.pd.EnforceRate(pdPerMinute)
	// Onsets are whole seconds: begin the storm after the second Redis was
	// seeded in, or its first notes would be checked for as if older.
	time.Sleep(time.Second)
	sent := e.sendStorm(stormIncidents)

	deadline := time.Now().Add(3 * time.Minute)
	for len(e.pd.Notes("")) < stormIncidents && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	e.waitPendingZero(10 * time.Second)
	notes := e.pd.Notes("")
	if e.pd.Limited() != 0 {
		t.Errorf("PagerDuty refused %d requests with 429", e.pd.Limited())
	}
	perIncident := map[string][]pdtest.Note{}
	for _, n := range notes {
		perIncident[n.IncidentID] = append(perIncident[n.IncidentID], n)
	}
	var high, low []time.Duration
	var lowNoted []noted
	for i, d := range sent {
		at := d.began
		got := perIncident[stormIncident(i)]
		if len(got) != 1 {
			t.Fatalf("incident %s has %d notes, want exactly 1 (%d notes in all)", stormIncident(i), len(got), len(notes))
		}
		if i%stormHighEvery == 0 {
			high = append(high, got[0].CreatedAt.Sub(at))
		} else {
			low = append(low, got[0].CreatedAt.Sub(at))
			lowNoted = append(lowNoted, noted{d, got[0].CreatedAt})
		}
	}
	perNote := float64(e.pd.Requests()) / float64(len(notes))
	drained := lastNote(notes).Sub(sent[0].began)
	// The key's bucket starts with its burst (half a minute's budget), of
	// which low urgency may take three quarters; the rest goes at the rate.
	lowBurst := pdPerMinute / 2 * 3 / 4
	budgetTime := time.Duration(float64(stormIncidents-lowBurst) / pdPerMinute * float64(time.Minute))
	t.Logf("%d notes, %.3f PagerDuty requests a note, drained in %s (budget's pace: %s); high urgency p50 %s p99 %s; low urgency p50 %s p99 %s",
		len(notes), perNote, drained.Round(100*time.Millisecond), budgetTime.Round(100*time.Millisecond),
		percentile(high, 50), percentile(high, 99), percentile(low, 50), percentile(low, 99))
	if perNote > 1.05 {
		t.Errorf("%.3f PagerDuty requests a note, want at most 1.05", perNote)
	}
	// The target is a high-urgency p99 within 2 s: met when the
	// machine is not saturated (README, "In a storm"). Under -race next to
	// the other packages' tests, CPU starvation alone adds seconds to every
	// note, so what is asserted is that urgency goes first: the slowest
	// urgent notes are still far ahead of the typical low-urgency one.
	if hp, lp := percentile(high, 99), percentile(low, 50); hp > lp/2 {
		t.Errorf("high-urgency p99 %s is not well ahead of low-urgency p50 %s: urgent notes must go first", hp, lp)
	}
	if drained > budgetTime+budgetTime/2 {
		t.Errorf("drained in %s, want about the budget's pace (%s)", drained, budgetTime)
	}
	if late := overtaken(lowNoted); late > 5*time.Second {
		t.Errorf("a low-urgency note was posted %s after one sent later than it: they must wait in order", late)
	}
}

// delivery is when a webhook's accepted delivery began and when its 202
// came back: it reached Noctuary somewhere in between.
type delivery struct{ began, accepted time.Time }

// sendStorm sends n webhooks of the storm at stormRate a second, each from
// its own goroutine as PagerDuty would, and returns each one's delivery.
func (e *env) sendStorm(n int) []delivery {
	sent := make([]delivery, n)
	tick := time.NewTicker(time.Second / stormRate)
	defer tick.Stop()
	var wg sync.WaitGroup
	for i := range n {
		<-tick.C
		wg.Go(func() {
			urgency := "low"
			if i%stormHighEvery == 0 {
				urgency = "high"
			}
			body := webhook(fmt.Sprintf("EV-STORM-%d", i), noctuary.EventIncidentTriggered, stormIncident(i), "PCHECKOUT", time.Now().UTC())
			sent[i] = e.redeliver(bytes.Replace(body, []byte(`"urgency":"high"`), []byte(`"urgency":"`+urgency+`"`), 1))
		})
	}
	wg.Wait()
	return sent
}

// redeliver posts a signed webhook as PagerDuty does: a 503 (Redis too slow
// to store it, which a machine saturated by other work can cause) is
// delivered again after a pause, for up to 30 s; anything else but 202
// fails the test. It returns the delivery that was accepted.
func (e *env) redeliver(body []byte) delivery {
	e.t.Helper()
	headers := map[string]string{"Content-Type": "application/json", "X-PagerDuty-Signature": sign(body, testWebhookKey)}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		began := time.Now()
		status, out := e.do("POST", "/webhooks/pagerduty/default", body, headers)
		if status == http.StatusAccepted {
			return delivery{began, time.Now()}
		}
		if status != http.StatusServiceUnavailable || time.Now().After(deadline) {
			e.t.Errorf("webhook answered %d %v, want 202", status, out)
			return delivery{began, time.Now()}
		}
	}
}

func stormIncident(i int) string { return fmt.Sprintf("QSTORM%d", i) }

func lastNote(notes []pdtest.Note) time.Time {
	var last time.Time
	for _, n := range notes {
		if n.CreatedAt.After(last) {
			last = n.CreatedAt
		}
	}
	return last
}

// percentile is the p-th percentile of ds (nearest rank).
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, (len(s)*p+99)/100-1)].Round(time.Millisecond)
}

// noted is a webhook's delivery and when its note was posted.
type noted struct {
	delivery
	at time.Time
}

// overtaken is how much later, at most, a note was posted than the note of
// a webhook that surely arrived after it: one whose delivery began after
// the first's was accepted. (Deliveries that overlap may have arrived in
// either order.)
func overtaken(ns []noted) time.Duration {
	byAccepted := slices.SortedFunc(slices.Values(ns), func(a, b noted) int { return a.accepted.Compare(b.accepted) })
	byBegan := slices.SortedFunc(slices.Values(ns), func(a, b noted) int { return a.began.Compare(b.began) })
	var worst time.Duration
	var latest time.Time // the latest note of those accepted before the current one began
	next := 0
	for _, n := range byBegan {
		for ; next < len(byAccepted) && byAccepted[next].accepted.Before(n.began); next++ {
			if byAccepted[next].at.After(latest) {
				latest = byAccepted[next].at
			}
		}
		if latest.Sub(n.at) > worst {
			worst = latest.Sub(n.at)
		}
	}
	return worst
}
