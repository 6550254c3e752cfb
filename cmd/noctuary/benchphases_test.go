package main

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// phaseStats is noctuary_triage_phase_seconds at one moment: by phase, the
// observations' count, sum and cumulative bucket counts.
type phaseStats map[string]*dto.Histogram

// phaseSnapshot reads the triage phases' histograms from reg.
func phaseSnapshot(b *testing.B, reg prometheus.Gatherer) phaseStats {
	b.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	out := phaseStats{}
	for _, mf := range mfs {
		if mf.GetName() != "noctuary_triage_phase_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "phase" {
					out[l.GetValue()] = m.GetHistogram()
				}
			}
		}
	}
	return out
}

// reportPhases reports, for each phase observed between before and after,
// its mean and its p99 (the upper bound of the bucket that holds it), in ms.
func reportPhases(b *testing.B, before, after phaseStats) {
	for phase, h := range after {
		prev := before[phase]
		n := h.GetSampleCount() - prev.GetSampleCount()
		if n == 0 {
			continue
		}
		b.ReportMetric((h.GetSampleSum()-prev.GetSampleSum())*1000/float64(n), phase+"-mean-ms")
		for i, bk := range h.GetBucket() {
			c := bk.GetCumulativeCount()
			if prev != nil {
				c -= prev.GetBucket()[i].GetCumulativeCount()
			}
			if float64(c) >= 0.99*float64(n) {
				b.ReportMetric(bk.GetUpperBound()*1000, phase+"-p99-ms")
				break
			}
		}
	}
}
