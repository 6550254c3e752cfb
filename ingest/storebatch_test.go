package ingest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/noctuary/noctuary"
)

func TestSplitBatch(t *testing.T) {
	var evs []noctuary.ContextEvent
	for _, svc := range []string{"b", "a", "b", "c", "a"} {
		evs = append(evs, noctuary.ContextEvent{Service: svc})
	}
	got := splitBatch(evs)
	want := [][]int{{0, 2}, {1, 4}, {3}}
	if len(got) != len(want) {
		t.Fatalf("%d parts, want %d", len(got), len(want))
	}
	for i := range want {
		if !slices.Equal(got[i].indexes, want[i]) {
			t.Errorf("part %d = %v, want %v", i, got[i].indexes, want[i])
		}
	}
	big := make([]noctuary.ContextEvent, 2*partEvents+1)
	for i := range big {
		big[i].Service = "s"
	}
	var sizes []int
	for _, p := range splitBatch(big) {
		sizes = append(sizes, len(p.indexes))
	}
	if fmt.Sprint(sizes) != fmt.Sprint([]int{partEvents, partEvents, 1}) {
		t.Errorf("parts of one service: %v", sizes)
	}
}
