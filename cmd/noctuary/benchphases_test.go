package main

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// phaseFamilies are the histograms reported by phase, with the prefix of
// their phases' names: the triage's phases, and the PagerDuty budget's wait
// (part of "post") by urgency.
var phaseFamilies = map[string]string{"noctuary_triage_phase_seconds": "", "noctuary_pagerduty_budget_wait_seconds": "budget-"}

// phaseStats is phaseFamilies at one moment: by phase, the
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
		prefix, ok := phaseFamilies[mf.GetName()]
		if !ok {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				out[prefix+l.GetValue()] = m.GetHistogram()
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
