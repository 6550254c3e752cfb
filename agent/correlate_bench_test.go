package agent

import "testing"

// BenchmarkCorrelateDense ranks dense windows: "own" is one service's 1,250
// events (as BenchmarkTriageLatency's dense shape pages), "deps" is 20
// services of 1,000 events each, the paging one and its 19 dependencies.
// Each iteration correlates the whole window (docs/performance.md).
func BenchmarkCorrelateDense(b *testing.B) {
	for _, bc := range []struct {
		name         string
		n, services  int
		dependencies int
	}{{"own=1250", 1_250, 1, 0}, {"deps=20x1000", 20_000, 20, 19}} {
		b.Run(bc.name, func(b *testing.B) {
			events := denseWindow(1, bc.n, bc.services, seedOnset)
			svc := denseService(bc.dependencies)
			inc := seedIncident()
			b.ReportAllocs()
			var signals int
			for b.Loop() {
				signals = len(Correlate(inc, seedOnset, events, CorrelateOptions{Service: svc}).Signals)
			}
			b.ReportMetric(float64(signals), "signals")
		})
	}
}
