package store

import (
	"context"
	"testing"
)

// TestLeaveNotOnceMadeLeader: a waiting write made leader cannot leave,
// even when its context ends then, else no one would send the writes
// behind it; one still waiting can.
func TestLeaveNotOnceMadeLeader(t *testing.T) {
	var g groupCommit
	g.busy = true
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	first, second := &groupWrite{ctx: ctx, done: make(chan struct{})}, &groupWrite{ctx: ctx, done: make(chan struct{})}
	g.waiting = []*groupWrite{first, second}
	g.finish([]*groupWrite{{}})
	if g.leave(first) {
		t.Error("the write made leader left the queue")
	}
	if !g.leave(second) {
		t.Error("a waiting write could not leave the queue")
	}
	if len(g.waiting) != 1 || g.waiting[0] != first {
		t.Errorf("%d writes wait, want the leader alone", len(g.waiting))
	}
}
