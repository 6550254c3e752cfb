package store

import (
	"context"
	"encoding/json"

	"github.com/noctuary/noctuary"
)

const (
	// DefaultAuditLimit is how many entries AuditEntries returns when asked
	// for none or a negative number.
	DefaultAuditLimit = 100
	// auditPage is how many entries AuditEntries reads at a time.
	auditPage = 500
	// MaxAuditScan bounds how many entries one AuditEntries call reads while
	// looking for a service's entries.
	MaxAuditScan = 20000
)

// Audit appends e to the audit log (kept for the audit retention) and
// returns its ID: e.ID when set, otherwise the entry's stream ID. A zero
// e.Time is set to now.
func (s *Store) Audit(ctx context.Context, e noctuary.AuditEntry) (id string, err error) {
	now := s.now()
	if e.Time.IsZero() {
		e.Time = now
	}
	b, err := json.Marshal(e)
	if err != nil {
		return "", noctuary.Wrap(err, noctuary.EInvalid, "the audit entry cannot be encoded")
	}
	streamID, err := appendScript.Run(ctx, s.rdb, []string{keyAudit},
		msID(now), msID(now.Add(-s.opt.AuditRetention)), b).Text()
	if err != nil {
		return "", unavailable(err)
	}
	if e.ID != "" {
		return e.ID, nil
	}
	return streamID, nil
}

// AuditEntries returns up to limit audit entries, newest first, of service
// (all services when ""). It reads at most MaxAuditScan entries, so a
// service whose entries are rarer than that may get fewer than limit.
func (s *Store) AuditEntries(ctx context.Context, service string, limit int) ([]noctuary.AuditEntry, error) {
	if limit <= 0 {
		limit = DefaultAuditLimit
	}
	var out []noctuary.AuditEntry
	end := "+"
	for scanned := 0; scanned < MaxAuditScan && len(out) < limit; {
		page, err := s.rdb.XRevRangeN(ctx, keyAudit, end, "-", auditPage).Result()
		if err != nil {
			return nil, unavailable(err)
		}
		for _, m := range page {
			var e noctuary.AuditEntry
			if json.Unmarshal([]byte(str(m.Values[fieldEvent])), &e) != nil {
				continue
			}
			if e.ID == "" {
				e.ID = m.ID
			}
			if (service == "" || e.Service == service) && len(out) < limit {
				out = append(out, e)
			}
		}
		if len(page) < auditPage {
			break
		}
		scanned += len(page)
		end = "(" + page[len(page)-1].ID
	}
	return out, nil
}
