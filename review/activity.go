package review

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
)

// Audit actions the review counts (written by packages agent, approvals
// and admin).
const (
	auditTriage  = "triage.note"
	auditApprove = "action.approve"
	auditApply   = "action.apply"
	auditResult  = "action.result"
	auditLost    = "action.lost"
	auditEnable  = "service.enable"
)

// activity fills each service's figures over the period, from the audit
// log, the rollout records and the feedback, and names the services that
// paged while not enabled.
func (b *Builder) activity(ctx context.Context, r *noctuary.Review, live []noctuary.Service) error {
	byKey := map[string]*noctuary.ServiceReview{}
	for _, s := range live {
		byKey[s.Key] = &noctuary.ServiceReview{Service: s.Key, Environment: s.Environment, Enabled: s.Enabled, Mode: s.Mode}
	}
	err := b.opt.Store.AuditScan(ctx, noctuary.AuditQuery{Since: r.Since}, func(e noctuary.AuditEntry) error {
		if sr := byKey[e.Service]; sr != nil {
			countAudit(sr, e)
		}
		return nil
	})
	if err != nil {
		return err
	}
	records, err := b.opt.Store.RolloutRecords(ctx, r.Since)
	if err != nil {
		return err
	}
	r.PagingNotEnabled = countRecords(byKey, records)
	for _, p := range r.PagingNotEnabled {
		what := p.Service + " paged"
		if !p.Known {
			what = "PagerDuty service " + p.Service + ", which no service claims, paged"
		}
		finding(r, noctuary.FindingPaging, p.Service, "%s %s while not enabled", what, times(p.Incidents))
	}
	for _, s := range live {
		sr := byKey[s.Key]
		if sr.Precision, err = b.opt.Store.FeedbackPrecision(ctx, s.Key); err != nil {
			return err
		}
		r.Services = append(r.Services, *sr)
	}
	return nil
}

// countAudit counts one audit entry of a service (entries come newest
// first: the first enable seen is the latest).
func countAudit(sr *noctuary.ServiceReview, e noctuary.AuditEntry) {
	switch e.Action {
	case auditTriage:
		sr.Triaged++
	case auditApprove, auditApply:
		if e.Result == "ok" {
			sr.Approved++
		}
	case auditResult:
		if e.Result == string(noctuary.ApprovalDone) {
			sr.Executed++
		} else {
			sr.Failed++
		}
	case auditLost:
		sr.Failed++
	case auditEnable:
		if sr.EnabledSince.IsZero() {
			sr.EnabledSince = e.Time
		}
	}
}

// countRecords counts pages and offers per service, times the
// acknowledgements before and after enabling (each incident once), and
// returns the services that paged while not enabled, most pages first.
func countRecords(byKey map[string]*noctuary.ServiceReview, records []noctuary.RolloutRecord) []noctuary.PagingService {
	seen := map[string]bool{}
	ack := map[string][2][]time.Duration{}
	idle := map[string]*noctuary.PagingService{}
	for _, rec := range records {
		id := rec.Kind + "\x00" + rec.Incident + "\x00" + rec.Action
		if seen[id] {
			continue
		}
		seen[id] = true
		sr := byKey[rec.Service]
		switch {
		case rec.Kind == noctuary.RolloutProposed && sr != nil:
			sr.Proposed++
		case rec.Kind == noctuary.RolloutPaged:
			if sr != nil {
				sr.Paged++
			}
			if !rec.Enabled {
				p := idle[rec.Service]
				if p == nil {
					p = &noctuary.PagingService{Service: rec.Service, Known: rec.Known}
					idle[rec.Service] = p
				}
				p.Incidents++
			}
		case rec.Kind == noctuary.RolloutAcknowledged && sr != nil:
			d := ack[rec.Service]
			i := 0
			if rec.Enabled {
				i = 1
			}
			d[i] = append(d[i], max(rec.AcknowledgedAt.Sub(rec.TriggeredAt), 0))
			ack[rec.Service] = d
		}
	}
	for key, d := range ack {
		byKey[key].AckBefore, byKey[key].AckAfter = ackTimes(d[0]), ackTimes(d[1])
	}
	out := make([]noctuary.PagingService, 0, len(idle))
	for _, p := range idle {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(x, y noctuary.PagingService) int {
		return cmp.Or(cmp.Compare(y.Incidents, x.Incidents), strings.Compare(x.Service, y.Service))
	})
	return out
}

// ackTimes summarises durations: how many, and their median.
func ackTimes(ds []time.Duration) noctuary.AckTimes {
	if len(ds) == 0 {
		return noctuary.AckTimes{}
	}
	slices.Sort(ds)
	m := ds[len(ds)/2]
	if len(ds)%2 == 0 {
		m = (ds[len(ds)/2-1] + m) / 2
	}
	return noctuary.AckTimes{Count: len(ds), MedianSeconds: m.Seconds()}
}

// times is "once" or "3 times".
func times(n int) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}
