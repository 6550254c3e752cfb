package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/slack-go/slack"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/agent"
	"github.com/noctuary/noctuary/bot/blocks"
	"github.com/noctuary/noctuary/pd"
)

// maxStored is issue 10's bound on what one triage stores or sends,
// whatever its window holds.
const maxStored = 10_000

// denseIncidentTitle is the title webhook() gives every incident.
const denseIncidentTitle = "checkout: 5xx error rate above 5%"

// denseWindow is the example scenario (seedEvents) among n-3 more events of
// checkout and postgres-main in the 30 minutes before onset and the 5 after:
// failure signals, information, changes after onset; one in a hundred has a
// 1,000-byte summary and 30 attributes of 500 bytes.
func denseWindow(at time.Time, n int) []noctuary.ContextEvent {
	events := seedEvents(at, "dense-")
	kinds := []string{"HighLatency", "heartbeat", "error_rate", "scale"}
	for i := range n - len(events) {
		kind := kinds[i%len(kinds)]
		when := at.Add(-time.Duration(1+i%1700) * time.Second)
		if kind == "scale" {
			when = at.Add(time.Duration(1+i%290) * time.Second)
		}
		ev := noctuary.ContextEvent{ID: fmt.Sprintf("fill-%04d", i), Service: []string{"checkout", "postgres-main"}[i%2],
			Kind: kind, Source: []string{"prometheus", "datadog", "kubernetes"}[i%3], OccurredAt: when,
			Summary: fmt.Sprintf("p99 latency of %s at %d ms", []string{"checkout", "orders"}[i%2], 200+i%900),
			Link:    "https://grafana.example/d/checkout?panel=" + fmt.Sprint(i%40)}
		if i%100 == 0 {
			ev.Summary = strings.Repeat("very long summary ", 60)[:noctuary.MaxSummaryLen]
			ev.Attributes = map[string]string{}
			for a := range 30 {
				ev.Attributes[fmt.Sprintf("attr%02d", a)] = strings.Repeat("v", 500)
			}
		}
		events = append(events, ev)
	}
	return events
}

// TestDenseWindowStoresWhatItCites: with 3,000 events in the window, the
// triage key, the Slack message record and the Slack job each hold at most
// 10 KB on a real redis-server, and the note, the Slack message and the
// admin API show the same signals and ranking explanation as the whole
// window's triage would.
func TestDenseWindowStoresWhatItCites(t *testing.T) {
	t.Parallel()
	fake := newFakeSlack(t)
	fake.setDown(true) // the Slack job stays queued until it has been measured
	e := newEnv(t, withSlack(fake))
	rdb := e.redisClient()
	at := onsetAt()
	events := denseWindow(at, 3000)
	e.sendEvents(events...)
	e.sendWebhook(webhook("EV-DENSE", noctuary.EventIncidentTriggered, "QDENSE", "PCHECKOUT", at))

	job := waitSlackJob(t, rdb, 15*time.Second)
	fake.setDown(false)
	if len(job) > maxStored || !strings.Contains(job, `"kind":"triage"`) {
		t.Errorf("the Slack job is %d bytes (want ≤ %d) or not a triage job: %.200s", len(job), maxStored, job)
	}
	note := e.waitNotes("QDENSE", 1, 15*time.Second)[0].Content
	posted := fake.waitPosts(t, 1, 15*time.Second)[0].Form.Get("blocks")

	stored := e.apiTriage("QDENSE")
	sizes := keySizes(t, rdb, "noctuary:v1:triage:"+stored.ID, "noctuary:v1:slackmsg:QDENSE")
	for key, n := range sizes {
		if n > maxStored {
			t.Errorf("%s holds %d bytes, want ≤ %d", key, n, maxStored)
		}
	}
	t.Logf("job %d bytes; %v", len(job), sizes)

	// What the whole window's triage (before compaction) would show.
	full := stored
	full.Window, full.Signals = nil, e.wholeWindow(at, events)
	if got := full.SignalTotal(); stored.SignalTotal() != got || got != len(events) {
		t.Errorf("the stored triage counts %d signals, the window holds %d of %d events", stored.SignalTotal(), got, len(events))
	}
	if want := pd.RenderNote(full); note != want {
		t.Errorf("the note differs from the whole window's:\n got %s\nwant %s", note, want)
	}
	mustContain(t, note, "Deploy sha=a4f2c1", fmt.Sprintf("and %d more", len(events)-8))
	if got, want := signalsSection(t, posted), renderedSignals(t, full); got != want || !strings.Contains(got, "…and 2990 more") {
		t.Errorf("the Slack message's signals differ from the whole window's:\n got %s\nwant %s", got, want)
	}
	if len(stored.Signals) > noctuary.MaxCitedSignals+noctuary.MaxRankedSignals || stored.Cited != 1 ||
		stored.Signals[0].Event.ID != "dense-argo-7781" {
		t.Fatalf("stored %d signals, cited %d, first %s; want the cited deploy first", len(stored.Signals), stored.Cited, stored.Signals[0].Event.ID)
	}
	for i, s := range stored.Signals {
		if w := full.Signals[i]; s.Event.ID != w.Event.ID || s.Score != w.Score || strings.Join(s.Reasons, ";") != strings.Join(w.Reasons, ";") {
			t.Errorf("signal %d: %s %v %v, want %s %v %v", i, s.Event.ID, s.Score, s.Reasons, w.Event.ID, w.Score, w.Reasons)
		}
	}
	if c := stored.Window.ByClass; c[noctuary.ClassFailure] == 0 || c[noctuary.ClassChange] == 0 || stored.Window.Services[0].Count < 1000 {
		t.Errorf("window counts = %+v", stored.Window)
	}
}

// wholeWindow is how the worker ranks events for checkout's incidents at
// onset at: every signal, as a triage held them before compaction.
func (e *env) wholeWindow(at time.Time, events []noctuary.ContextEvent) []noctuary.Signal {
	e.t.Helper()
	svc, err := e.main.Store.Service(context.Background(), "checkout")
	if err != nil {
		e.t.Fatal(err)
	}
	inc := noctuary.Incident{Title: denseIncidentTitle}
	return agent.Correlate(inc, at, events, agent.CorrelateOptions{Service: svc}).Signals
}

// waitSlackJob returns the first Slack job queued, as stored.
func waitSlackJob(t *testing.T, rdb *redis.Client, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		entries, err := rdb.XRange(context.Background(), "noctuary:v1:slack:jobs", "-", "+").Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) > 0 {
			s, _ := entries[0].Values["e"].(string)
			return s
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no Slack job queued within %s", within)
	return ""
}

// keySizes returns, for each key, the larger of Redis' MEMORY USAGE and
// the bytes of its value (STRLEN, or the sum of HSTRLEN over a hash).
func keySizes(t *testing.T, rdb *redis.Client, keys ...string) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	out := map[string]int64{}
	for _, k := range keys {
		mem, err := rdb.MemoryUsage(ctx, k, 0).Result()
		if err != nil {
			t.Fatalf("MEMORY USAGE %s: %v", k, err)
		}
		var raw int64
		if rdb.Type(ctx, k).Val() == "hash" {
			for _, f := range rdb.HKeys(ctx, k).Val() {
				raw += rdb.HStrLen(ctx, k, f).Val() + int64(len(f))
			}
		} else {
			raw = rdb.StrLen(ctx, k).Val()
		}
		out[k] = max(mem, raw)
	}
	return out
}

// apiTriage returns the incident's triage as GET /api/v1/incidents/{id}
// answers it.
func (e *env) apiTriage(incidentID string) noctuary.Triage {
	e.t.Helper()
	status, body := e.do("GET", "/api/v1/incidents/"+incidentID, nil, map[string]string{"Authorization": "Bearer " + testAdminToken})
	raw, _ := json.Marshal(body["triage"])
	var tr noctuary.Triage
	if err := json.Unmarshal(raw, &tr); status != 200 || err != nil || tr.ID == "" {
		e.t.Fatalf("GET /api/v1/incidents/%s: %d %v %.300s", incidentID, status, err, raw)
	}
	return tr
}

// signalsSection returns the "Recent signals" section of a message's
// blocks (JSON, as posted).
func signalsSection(t *testing.T, blocksJSON string) string {
	t.Helper()
	var bs slack.Blocks
	if err := json.Unmarshal([]byte(blocksJSON), &bs); err != nil {
		t.Fatal(err)
	}
	for _, b := range bs.BlockSet {
		if s, ok := b.(*slack.SectionBlock); ok && s.Text != nil && strings.HasPrefix(s.Text.Text, "*Recent signals*") {
			return s.Text.Text
		}
	}
	return ""
}

// renderedSignals is the "Recent signals" section of tr's Slack message.
func renderedSignals(t *testing.T, tr noctuary.Triage) string {
	t.Helper()
	raw, err := json.Marshal(blocks.Render(blocks.Message{Triage: tr}))
	if err != nil {
		t.Fatal(err)
	}
	return signalsSection(t, string(raw))
}

// TestOldShapeTriageStillReads: a triage and a Slack message record stored
// before triages were compacted (every signal of a 1,000-event window, no
// counts) are read by the admin API as compacted, with the whole window's
// count; the next Slack update shows the same signals and rewrites the
// record within 10 KB.
func TestOldShapeTriageStillReads(t *testing.T) {
	t.Parallel()
	fake := newFakeSlack(t)
	e := newEnv(t, withSlack(fake))
	rdb, ctx := e.redisClient(), context.Background()
	at := onsetAt()
	events := denseWindow(at, 1000)
	e.sendEvents(events...)
	e.sendWebhook(webhook("EV-OLD", noctuary.EventIncidentTriggered, "QOLD", "PCHECKOUT", at))
	e.waitNotes("QOLD", 1, 15*time.Second)
	fake.waitPosts(t, 1, 15*time.Second)

	old := e.apiTriage("QOLD")
	old.Window, old.Cited = nil, 0
	old.Signals = e.wholeWindow(at, events)
	raw, err := json.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) < 200_000 || strings.Contains(string(raw), `"window"`) {
		t.Fatalf("the old shape should hold the whole window and no counts: %d bytes", len(raw))
	}
	msgKey := "noctuary:v1:slackmsg:QOLD"
	if err := rdb.SetArgs(ctx, "noctuary:v1:triage:"+old.ID, raw, redis.SetArgs{KeepTTL: true}).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.HSet(ctx, msgKey, "triage", raw).Err(); err != nil {
		t.Fatal(err)
	}

	got := e.apiTriage("QOLD")
	if got.SignalTotal() != len(events) || len(got.Signals) != noctuary.MaxRankedSignals || got.Signals[0].Event.ID != old.Signals[0].Event.ID {
		t.Errorf("old shape read as %d signals of %d, first %s", len(got.Signals), got.SignalTotal(), got.Signals[0].Event.ID)
	}

	updates := len(fake.callsTo("chat.update"))
	e.sendWebhook(webhook("EV-OLD-ACK", noctuary.EventIncidentAcknowledged, "QOLD", "PCHECKOUT", at.Add(time.Second)))
	deadline := time.Now().Add(15 * time.Second)
	for len(fake.callsTo("chat.update")) == updates && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	calls := fake.callsTo("chat.update")
	if len(calls) == updates {
		t.Fatal("no chat.update after the acknowledgement")
	}
	if got, want := signalsSection(t, calls[len(calls)-1].Form.Get("blocks")), renderedSignals(t, old); got != want {
		t.Errorf("the updated message's signals differ from the old record's:\n got %s\nwant %s", got, want)
	}
	// The record is saved after the update (with the thread's
	// "Acknowledged" said).
	n := keySizes(t, rdb, msgKey)[msgKey]
	for deadline := time.Now().Add(10 * time.Second); n > maxStored && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		n = keySizes(t, rdb, msgKey)[msgKey]
	}
	if n > maxStored {
		t.Errorf("the old record was not rewritten compact: %d bytes", n)
	}
}
