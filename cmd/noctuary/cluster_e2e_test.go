package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/bot/blocks"
	"github.com/noctuary/noctuary/pd/pdtest"
	"github.com/noctuary/noctuary/store/storetest"
)

// approvalOffered waits for the Approve button of a Slack message and
// returns its approval ID.
func approvalOffered(t *testing.T, fake *fakeSlack, within time.Duration) string {
	t.Helper()
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, p := range fake.posts() {
			if m := approveButton.FindStringSubmatch(p.Form.Get("blocks")); m != nil {
				return m[1]
			}
		}
	}
	t.Fatalf("no Approve button was posted within %s", within)
	return ""
}

// clickApprove sends user's signed click on the Approve button of an
// incident's message.
func (e *env) clickApprove(fake *fakeSlack, user, incidentID, approvalID string) {
	e.t.Helper()
	payload, _ := json.Marshal(map[string]any{"type": "block_actions", "trigger_id": "3.3.3",
		"user": map[string]any{"id": user, "name": strings.ToLower(user)}, "response_url": fake.URL + "/response/1",
		"actions": []map[string]any{{"action_id": blocks.ActionApprove, "block_id": blocks.ActionsBlockPrefix + incidentID, "value": approvalID}}})
	click := url.Values{"payload": {string(payload)}}.Encode()
	if status, out := e.do("POST", "/slack/interactions", []byte(click), signedSlack(click)); status != http.StatusOK {
		e.t.Fatalf("click: %d %v", status, out)
	}
}

// TestClusterEndToEnd: Noctuary on a three-master Redis Cluster ingests
// ContextEvents of many services, whose keys spread over every master;
// takes signed webhooks once (a redelivery is deduplicated, a bad signature
// refused); posts the triage's note to PagerDuty; mirrors it to Slack
// through its job queue; and runs an approved action once, its outcome on
// the timeline and in the thread.
func TestClusterEndToEnd(t *testing.T) {
	t.Parallel()
	cl := storetest.StartCluster(t)
	var hits atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(hook.Close)
	fake := newFakeSlack(t)
	e := &env{t: t, pd: pdtest.New(t, testPDToken)}
	e.cfg = actionConfig(cl.URL, e.pd.URL, fake.URL, hook.URL)
	e.cfg.RedisMode = "cluster"
	e.main = e.start(e.cfg)
	e.url = "http://" + e.main.Addr

	at := onsetAt()
	e.sendEvents(seedEvents(at, "cl-")...)
	var many []noctuary.ContextEvent
	for i := range 40 {
		svc := fmt.Sprintf("svc-%02d", i)
		many = append(many, noctuary.ContextEvent{ID: "cl-" + svc, Service: svc, Kind: "deploy", Source: "argocd",
			OccurredAt: at.Add(-time.Minute), Summary: svc + " rolled out"})
	}
	e.sendEvents(many...)

	body := webhook("EV-CLUSTER", noctuary.EventIncidentTriggered, "QCLUSTER", "PCHECKOUT", at)
	if status, _ := e.do("POST", "/webhooks/pagerduty/default", body, map[string]string{
		"Content-Type": "application/json", "X-PagerDuty-Signature": sign(body, "not-the-secret")}); status != http.StatusUnauthorized {
		t.Errorf("a webhook with a bad signature: %d, want 401", status)
	}
	e.sendWebhook(body)
	e.sendWebhook(body) // PagerDuty's redelivery
	notes := e.waitNotes("QCLUSTER", 1, 15*time.Second)
	mustContain(t, notes[0].Content, "sha=a4f2c1")

	approvalID := approvalOffered(t, fake, 15*time.Second)
	e.clickApprove(fake, "U0ALICE", "QCLUSTER", approvalID)
	var a noctuary.Approval
	for deadline := time.Now().Add(15 * time.Second); a.State != noctuary.ApprovalDone && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		a, _ = e.main.Store.Approval(context.Background(), approvalID)
	}
	if a.State != noctuary.ApprovalDone || hits.Load() != 1 {
		t.Fatalf("approval %s, the action ran %d times; want done, once", a.State, hits.Load())
	}
	var thread string
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(thread, "rollback") && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		thread = ""
		for _, p := range fake.posts() {
			if p.Form.Get("thread_ts") != "" {
				thread += p.Form.Get("text")
			}
		}
	}
	if !strings.Contains(thread, "rollback") {
		t.Errorf("the Slack thread = %q, want the action's outcome", thread)
	}
	e.waitPendingZero(5 * time.Second)
	notes = e.waitNotes("QCLUSTER", 4, 10*time.Second) // the triage's, approved, running, succeeded
	triages := 0
	for _, n := range notes {
		if strings.HasPrefix(n.Content, "Noctuary Context") {
			triages++
		}
	}
	if last := notes[len(notes)-1].Content; triages != 1 || len(notes) != 4 || !strings.Contains(last, "rollback succeeded") {
		t.Errorf("%d notes, %d of them triages, the last %q; want 4, one triage, the last saying the rollback succeeded", len(notes), triages, last)
	}

	ctx := context.Background()
	sizes, err := cl.DBSizes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range cl.Masters {
		rdb := redis.NewClient(&redis.Options{Addr: m.Addr})
		keys := rdb.Keys(ctx, "noctuary:v2:events:*").Val()
		_ = rdb.Close()
		if len(keys) < 3 {
			t.Errorf("master %d holds %d event keys (DBSIZE of each: %v): the services do not spread", i, len(keys), sizes)
		}
	}
}

// TestSentinelEndToEnd: Noctuary finds its Redis through Sentinel, ingests
// and notes an incident.
func TestSentinelEndToEnd(t *testing.T) {
	t.Parallel()
	sen := storetest.StartSentinel(t)
	e := &env{t: t, pd: pdtest.New(t, testPDToken), redis: sen.Master}
	e.cfg = testConfig(sen.URL, e.pd.URL)
	e.cfg.RedisMode, e.cfg.RedisSentinelMaster = "sentinel", storetest.SentinelMaster
	e.main = e.start(e.cfg)
	e.url = "http://" + e.main.Addr
	at := onsetAt()
	e.sendEvents(seedEvents(at, "sen-")...)
	e.sendWebhook(webhook("EV-SENTINEL", noctuary.EventIncidentTriggered, "QSENTINEL", "PCHECKOUT", at))
	notes := e.waitNotes("QSENTINEL", 1, 15*time.Second)
	mustContain(t, notes[0].Content, "sha=a4f2c1")
	e.waitPendingZero(5 * time.Second)
}
