package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/agent"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
)

// TestMemoDefault: the configuration's default memo is the agent's.
func TestMemoDefault(t *testing.T) {
	if got := config.Default().CorrelationMemoEvents; got != agent.DefaultMemoEvents {
		t.Errorf("config.Default().CorrelationMemoEvents = %d, want agent.DefaultMemoEvents (%d)", got, agent.DefaultMemoEvents)
	}
}

// TestCorrelationMemoThroughMain: a triage through Main remembers the
// window's events in the process's EventMemo (the gauge counts them), a
// second incident over the same window adds none, and
// NOCTUARY_CORRELATION_MEMO_EVENTS=0 turns the memo off with the same note.
func TestCorrelationMemoThroughMain(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC()
	events := make([]noctuary.ContextEvent, 0, 6)
	for i := range 6 {
		events = append(events, noctuary.ContextEvent{ID: fmt.Sprintf("memo-%d", i), Service: "checkout", Kind: "deploy", Source: "ci",
			Summary: fmt.Sprintf("deploy checkout v1.%d", i), OccurredAt: now.Add(-time.Duration(10+i) * time.Minute)})
	}
	notes := map[int]string{}
	for _, size := range []int{agent.DefaultMemoEvents, 0} {
		e := newEnv(t, func(c *config.Config) { c.CorrelationMemoEvents = size })
		e.sendEvents(events...)
		e.sendWebhook(webhook("memo-ev-1", "incident.triggered", "PMEMO1", "PCHECKOUT", now))
		notes[size] = e.waitNotes("PMEMO1", 1, 20*time.Second)[0].Content
		if got := e.metric("noctuary_correlation_memo_events"); size > 0 && got != float64(len(events)) || size == 0 && got != 0 {
			t.Fatalf("memo of %d: noctuary_correlation_memo_events = %v after one triage of %d events", size, got, len(events))
		}
		if size == 0 {
			continue
		}
		e.sendWebhook(webhook("memo-ev-2", "incident.triggered", "PMEMO2", "PCHECKOUT", now))
		e.waitNotes("PMEMO2", 1, 20*time.Second)
		if got := e.metric("noctuary_correlation_memo_events"); got != float64(len(events)) {
			t.Errorf("a second triage of the same window: noctuary_correlation_memo_events = %v, want %d", got, len(events))
		}
	}
	if notes[agent.DefaultMemoEvents] != notes[0] {
		t.Errorf("the note with the memo differs from the note without:\n%s\n---\n%s", notes[agent.DefaultMemoEvents], notes[0])
	}
}
