package store

import (
	"context"
	"testing"
)

// TestLeaveNotOnceMadeLeader: a waiting write made leader cannot leave,
// even when its context ends then, else no one would send the writes
// behind it; one still waiting can.
func TestLeaveNotOnceMadeLeader(t *testing.T) {
	g := groupCommit{sending: groupLanes}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	first, second := &groupWrite{ctx: ctx, done: make(chan struct{})}, &groupWrite{ctx: ctx, done: make(chan struct{})}
	g.waiting = []*groupWrite{first, second}
	g.finish([]*groupWrite{{}})
	if !first.lead {
		t.Fatal("the first waiting write was not made leader")
	}
	if g.leave(first) {
		t.Error("the write made leader left the queue")
	}
	if !g.leave(second) {
		t.Error("a waiting write could not leave the queue")
	}
	if len(g.waiting) != 0 || g.sending != groupLanes {
		t.Errorf("%d writes wait and %d lanes send, want none and %d (the leader's lane)", len(g.waiting), g.sending, groupLanes)
	}
}

// TestGroupLanes: writes are sent at once while a lane is free, wait when
// every lane sends, and a finished group hands its lane to the first
// waiting write or frees it.
func TestGroupLanes(t *testing.T) {
	var g groupCommit
	ctx := context.Background()
	for i := range groupLanes {
		if got := g.join(&groupWrite{ctx: ctx}); len(got) != 1 {
			t.Fatalf("write %d with a lane free: group of %d, want sent alone", i, len(got))
		}
	}
	ws := []*groupWrite{{ctx: ctx}, {ctx: ctx}, {ctx: ctx}}
	groups := make(chan []*groupWrite, len(ws))
	for _, w := range ws {
		go func() { groups <- g.join(w) }()
		for queued := false; !queued; { // join in order
			g.mu.Lock()
			queued = len(g.waiting) > 0 && g.waiting[len(g.waiting)-1] == w
			g.mu.Unlock()
		}
	}
	g.finish([]*groupWrite{{}}) // one lane's group answered
	lead := <-groups
	if len(lead) != 3 || lead[0] != ws[0] || lead[1] != ws[1] || lead[2] != ws[2] {
		t.Fatalf("the next leader sends %d writes, want the 3 waiting, itself first", len(lead))
	}
	g.finish(lead)
	for range 2 {
		if got := <-groups; got != nil {
			t.Errorf("a write sent by its leader returned a group of %d", len(got))
		}
	}
	g.finish([]*groupWrite{{}})
	if g.sending != 0 || len(g.waiting) != 0 {
		t.Errorf("%d lanes send and %d writes wait after every group, want none", g.sending, len(g.waiting))
	}
}
