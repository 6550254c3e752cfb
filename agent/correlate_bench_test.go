package agent

import (
	"fmt"
	"testing"
)

// BenchmarkCorrelateDense ranks dense windows: "own" is one service's 1,250
// events (as BenchmarkTriageLatency's dense shape pages), "deps" is 20
// services of 1,000 events each, the paging one and its 19 dependencies.
// Each iteration correlates the whole window (docs/performance.md). The
// ",warm" cases correlate with an EventMemo that has seen the window: each
// iteration adds 5 new events and pages a new incident, as a storm
// triages the same service again.
func BenchmarkCorrelateDense(b *testing.B) {
	for _, bc := range []struct {
		name         string
		n, services  int
		dependencies int
		warm         bool
	}{{"own=1250", 1_250, 1, 0, false}, {"own=1250,warm", 1_250, 1, 0, true},
		{"deps=20x1000", 20_000, 20, 19, false}, {"deps=20x1000,warm", 20_000, 20, 19, true}} {
		b.Run(bc.name, func(b *testing.B) {
			events := denseWindow(1, bc.n, bc.services, seedOnset)
			svc := denseService(bc.dependencies)
			inc := seedIncident()
			opt := CorrelateOptions{Service: svc}
			if bc.warm {
				opt.Memo = NewEventMemo(DefaultMemoEvents)
				Correlate(inc, seedOnset, events, opt)
			}
			b.ReportAllocs()
			var signals, iter int
			for b.Loop() {
				in := events
				if bc.warm {
					iter++
					fresh := denseWindow(uint64(1+iter), 5, bc.services, seedOnset)
					for k := range fresh {
						fresh[k].ID = fmt.Sprintf("new-%d-%d", iter, k)
					}
					in = append(events[:len(events):len(events)], fresh...)
					inc.ID = fmt.Sprintf("Q%d", iter)
				}
				signals = len(Correlate(inc, seedOnset, in, opt).Signals)
			}
			b.ReportMetric(float64(signals), "signals")
		})
	}
}
