package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
	"github.com/noctuary/noctuary/pd/pdtest"
)

// A storm with two keys (issue 10), smaller than the one-key storm: 300
// incidents at 50 a second, against a per-key limit lowered to 480 a
// minute so that the budget, not the sending, sets the pace.
const (
	twoKeyIncidents = 300
	twoKeyPerMinute = 480
	twoKeyBurst     = 20
	testPDToken2    = "pd-test-token-2"
)

// TestStormDrainsAtTwiceTheRateWithTwoKeys: the integration lists a second
// REST API key (pagerduty_extra_tokens) and the fake PagerDuty enforces its
// limit per key as a token bucket, answering 429 beyond it. Through the
// real Main, the storm drains at about twice one key's rate, with no 429,
// every incident noted exactly once for about one request, the notes
// spread over both keys, and high-urgency notes well ahead of the rest. The
// start-up credential check checked each key.
// It takes about 20 s (one key would take about 36 s), so it runs in
// parallel with the package's other tests.
func TestStormDrainsAtTwiceTheRateWithTwoKeys(t *testing.T) {
	t.Parallel()
	fake := pdtest.New(t, testPDToken)
	fake.AddToken(testPDToken2)
	fake.EnforceRate(twoKeyPerMinute)
	e := newEnvWith(t, fake, func(cfg *config.Config) {
		cfg.ClaimIdle = 30 * time.Second // entries wait for the budget; nobody died
		cfg.PagerDutyRateLimit, cfg.PagerDutyBurst = twoKeyPerMinute, twoKeyBurst
		cfg.Integrations[0].ExtraTokens = []noctuary.Secret{testPDToken2}
	})
	if n := fake.KeyChecks(); n != 2 {
		t.Errorf("the start-up credential check asked PagerDuty %d times, want once with each key", n)
	}
	time.Sleep(time.Second) // onsets are whole seconds (see TestStormUrgentFirstUnderTheBudget)
	checks := fake.Requests()
	sent := e.sendStorm(twoKeyIncidents)

	deadline := time.Now().Add(2 * time.Minute)
	for len(fake.Notes("")) < twoKeyIncidents && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	e.waitPendingZero(10 * time.Second)
	notes := fake.Notes("")
	if fake.Limited() != 0 {
		t.Errorf("PagerDuty refused %d requests with 429", fake.Limited())
	}
	perIncident, byKey := map[string]int{}, map[string]int{}
	for _, n := range notes {
		perIncident[n.IncidentID]++
		byKey[n.Auth]++
	}
	var high, low []time.Duration
	for i, d := range sent {
		if n := perIncident[stormIncident(i)]; n != 1 {
			t.Fatalf("incident %s has %d notes, want exactly 1 (%d notes in all)", stormIncident(i), n, len(notes))
		}
		at := noteOf(notes, stormIncident(i)).CreatedAt.Sub(d.began)
		if i%stormHighEvery == 0 {
			high = append(high, at)
		} else {
			low = append(low, at)
		}
	}
	perNote := float64(fake.Requests()-checks) / float64(len(notes))
	drained := lastNote(notes).Sub(sent[0].began)
	// Each key's bucket starts with its burst, of which low urgency may
	// take three quarters; the rest goes at the keys' rate.
	lowBurst := twoKeyBurst * 3 / 4
	pace := func(keys int) time.Duration {
		return time.Duration(float64(twoKeyIncidents-keys*lowBurst) / float64(keys*twoKeyPerMinute) * float64(time.Minute))
	}
	first, second := byKey["Token token="+testPDToken], byKey["Token token="+testPDToken2]
	t.Logf("%d notes (%d with the first key, %d with the second), %.3f PagerDuty requests a note, drained in %s (two keys' pace %s, one key's %s); high urgency p50 %s p99 %s; low urgency p50 %s p99 %s",
		len(notes), first, second, perNote, drained.Round(100*time.Millisecond), pace(2).Round(100*time.Millisecond), pace(1).Round(100*time.Millisecond),
		percentile(high, 50), percentile(high, 99), percentile(low, 50), percentile(low, 99))
	if perNote > 1.05 {
		t.Errorf("%.3f PagerDuty requests a note, want at most 1.05", perNote)
	}
	if first < len(notes)*2/5 || second < len(notes)*2/5 {
		t.Errorf("notes by key %d and %d: want them spread over both", first, second)
	}
	if drained > pace(2)+pace(2)/2 || drained >= pace(1) {
		t.Errorf("drained in %s, want about two keys' pace (%s), well under one key's (%s)", drained, pace(2), pace(1))
	}
	// The order, not a speed: most urgent notes (p90 of 30, so that one
	// triage slowed by a loaded machine does not decide) land before half
	// of the others.
	if hp, lp := percentile(high, 90), percentile(low, 50); hp > lp/2 {
		t.Errorf("high-urgency p90 %s is not well ahead of low-urgency p50 %s: urgent notes must go first", hp, lp)
	}
}

// noteOf is the first note of incident id among notes.
func noteOf(notes []pdtest.Note, id string) pdtest.Note {
	for _, n := range notes {
		if n.IncidentID == id {
			return n
		}
	}
	return pdtest.Note{}
}

// TestRotationChecksTheNewMainKeyAlone: rotating the main key of an
// integration that also has an extra key (one PagerDuty refuses) checks the
// new key alone, since a rotation replaces only it; the admin API never
// shows either key.
func TestRotationChecksTheNewMainKeyAlone(t *testing.T) {
	t.Parallel()
	fake := pdtest.New(t, testPDToken)
	fake.AddToken("pd-rotated-key")
	e := newEnvWith(t, fake, func(cfg *config.Config) {
		cfg.MasterKey = bytes.Repeat([]byte{9}, 32)
		cfg.Integrations[0].ExtraTokens = []noctuary.Secret{testPDToken2}
	})
	admin := map[string]string{"Authorization": "Bearer " + testAdminToken, "Content-Type": "application/json", "X-Noctuary-Actor": "alice@example.com"}
	if status, out := e.do("PUT", "/api/v1/integrations/default/token", []byte(`{"token":"pd-rotated-key"}`), admin); status != http.StatusOK {
		t.Fatalf("rotating the main key: %d %v, want 200", status, out)
	}
	status, out := e.do("GET", "/api/v1/integrations", nil, admin)
	listed, _ := json.Marshal(out)
	if status != http.StatusOK || strings.Contains(string(listed), testPDToken2) || strings.Contains(string(listed), "pd-rotated-key") {
		t.Errorf("GET /api/v1/integrations: %d %s; want 200 and no key", status, listed)
	}
}

// TestRefusedExtraKeyFailsNoNote: PagerDuty refuses the integration's extra
// key (revoked). Through the real Main, with deliveries reclaimed only after
// 30 s, each of 6 incidents still gets its note, exactly once, with the
// main key, within 10 s: no note fails on the refused key and waits to be
// delivered again.
func TestRefusedExtraKeyFailsNoNote(t *testing.T) {
	t.Parallel()
	fake := pdtest.New(t, testPDToken)
	e := newEnvWith(t, fake, func(cfg *config.Config) {
		cfg.ClaimIdle = 30 * time.Second
		cfg.Integrations[0].ExtraTokens = []noctuary.Secret{testPDToken2}
	})
	time.Sleep(time.Second) // onsets are whole seconds (see TestStormUrgentFirstUnderTheBudget)
	for i := range 6 {
		e.sendWebhook(webhook(fmt.Sprintf("EV-REFUSED-%d", i), noctuary.EventIncidentTriggered, stormIncident(i), "PCHECKOUT", time.Now().UTC()))
	}
	for i := range 6 {
		e.waitNotes(stormIncident(i), 1, 10*time.Second)
	}
	e.waitPendingZero(10 * time.Second)
	for i := range 6 {
		if notes := fake.Notes(stormIncident(i)); len(notes) != 1 || notes[0].Auth != "Token token="+testPDToken {
			t.Errorf("incident %s: notes %+v; want one, with the main key", stormIncident(i), notes)
		}
	}
}

// TestRotatedKeyConfirmedOnlyByItself: the main key is rotated, then
// PagerDuty refuses it (revoked). While the rotation is unconfirmed, notes
// go with the rotated key alone and fall back to the previous one, so no
// note that the extra key could carry confirms the refused key: every
// incident gets its note within 10 s, none waits for a redelivery (30 s).
func TestRotatedKeyConfirmedOnlyByItself(t *testing.T) {
	t.Parallel()
	fake := pdtest.New(t, testPDToken)
	fake.AddToken(testPDToken2)
	fake.AddToken("pd-rotated-key")
	e := newEnvWith(t, fake, func(cfg *config.Config) {
		cfg.MasterKey = bytes.Repeat([]byte{9}, 32)
		cfg.ClaimIdle = 30 * time.Second
		cfg.Integrations[0].ExtraTokens = []noctuary.Secret{testPDToken2}
	})
	admin := map[string]string{"Authorization": "Bearer " + testAdminToken, "Content-Type": "application/json", "X-Noctuary-Actor": "alice@example.com"}
	if status, out := e.do("PUT", "/api/v1/integrations/default/token", []byte(`{"token":"pd-rotated-key"}`), admin); status != http.StatusOK {
		t.Fatalf("rotating the main key: %d %v, want 200", status, out)
	}
	fake.RemoveToken("pd-rotated-key")
	time.Sleep(time.Second) // onsets are whole seconds (see TestStormUrgentFirstUnderTheBudget)
	for i := range 6 {
		e.sendWebhook(webhook(fmt.Sprintf("EV-ROTREF-%d", i), noctuary.EventIncidentTriggered, stormIncident(i), "PCHECKOUT", time.Now().UTC()))
		e.waitNotes(stormIncident(i), 1, 10*time.Second)
	}
	for i := range 6 {
		if notes := fake.Notes(stormIncident(i)); len(notes) != 1 || notes[0].Auth == "Token token=pd-rotated-key" {
			t.Errorf("incident %s: notes %+v; want one, not with the refused rotated key", stormIncident(i), notes)
		}
	}
}
