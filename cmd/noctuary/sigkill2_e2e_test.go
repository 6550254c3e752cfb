package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/pd/pdtest"
	"github.com/noctuary/noctuary/store/storetest"
)

// TestSIGKILLWithTwoReplicasOneNoteEach: two replicas run, a noctuary
// process (whose LLM never answers) and one in this process (heuristic
// only). The process is killed with SIGKILL while it triages at least the
// first incident; the incidents delivered meanwhile went to either replica.
// Every incident ends with exactly one note, those of the killed process
// within NOCTUARY_CLAIM_IDLE + 10 s of the kill.
func TestSIGKILLWithTwoReplicasOneNoteEach(t *testing.T) {
	t.Parallel()
	const claimIdle, incidents = 5 * time.Second, 5
	redis, fakePD := storetest.StartRedis(t), pdtest.New(t, testPDToken)
	var asked atomic.Int64
	hang := make(chan struct{})
	gemini := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		select { // never answers
		case <-r.Context().Done():
		case <-hang:
		}
	}))
	defer gemini.Close()
	defer close(hang)

	victim, logs := startVictim(t, redis.URL, fakePD.URL, gemini.URL, claimIdle)
	first := &env{t: t, url: victim.url, pd: fakePD}
	at := onsetAt()
	first.sendEvents(seedEvents(at, "k2-")...)
	ids := make([]string, incidents)
	for i := range ids {
		ids[i] = fmt.Sprintf("QK2%d", i)
	}
	first.sendWebhook(webhook("EV-"+ids[0], noctuary.EventIncidentTriggered, ids[0], "PCHECKOUT", at))
	for deadline := time.Now().Add(20 * time.Second); asked.Load() < 1; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			victim.kill(t) // its log is complete once it exited
			t.Fatalf("the noctuary process never asked the LLM; its log:\n%s", logs)
		}
	}

	cfg := testConfig(redis.URL, fakePD.URL)
	cfg.ClaimIdle = claimIdle
	e := &env{t: t, pd: fakePD, redis: redis, cfg: cfg}
	e.main = e.start(cfg)
	e.url = "http://" + e.main.Addr
	for i, id := range ids[1:] {
		to := []*env{first, e}[i%2]
		to.sendWebhook(webhook("EV-"+id, noctuary.EventIncidentTriggered, id, "PCHECKOUT", at))
	}
	time.Sleep(time.Second) // both replicas take their share
	victim.kill(t)
	killed := time.Now()
	t.Logf("killed the process while it asked the LLM %d times", asked.Load())

	for _, id := range ids {
		e.waitNotes(id, 1, claimIdle+10*time.Second-time.Since(killed))
	}
	t.Logf("every incident noted %s after the SIGKILL", time.Since(killed).Round(100*time.Millisecond))
	e.waitPendingZero(5 * time.Second)
	time.Sleep(2 * time.Second) // a second note of a reclaimed entry would come now
	for _, id := range ids {
		if n := len(fakePD.Notes(id)); n != 1 {
			t.Errorf("%s has %d notes, want exactly 1", id, n)
		}
	}
}
