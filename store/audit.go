package store

import (
	"context"
	"encoding/json"
	"strconv"

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
	return s.AuditSearch(ctx, noctuary.AuditQuery{Service: service, Limit: limit})
}

// AuditSearch returns the entries q selects, newest first, reading at most
// MaxAuditScan entries of q's time range.
func (s *Store) AuditSearch(ctx context.Context, q noctuary.AuditQuery) ([]noctuary.AuditEntry, error) {
	var out []noctuary.AuditEntry
	err := s.auditScan(ctx, q, MaxAuditScan, func(e noctuary.AuditEntry) error {
		out = append(out, e)
		return nil
	})
	return out, err
}

// AuditScan calls fn with each entry q selects, newest first, reading the
// whole of q's time range (an export): it stops at q.Limit entries, or at
// fn's first error, which it returns.
func (s *Store) AuditScan(ctx context.Context, q noctuary.AuditQuery, fn func(noctuary.AuditEntry) error) error {
	return s.auditScan(ctx, q, 0, fn)
}

// auditScan reads the audit stream backwards from q.Until to q.Since (the
// entries' IDs are the times they were written), at most maxScan entries
// (0: no bound).
func (s *Store) auditScan(ctx context.Context, q noctuary.AuditQuery, maxScan int, fn func(noctuary.AuditEntry) error) error {
	end, start := "+", "-"
	if !q.Until.IsZero() {
		end = strconv.FormatInt(msID(q.Until), 10)
	}
	if !q.Since.IsZero() {
		start = strconv.FormatInt(msID(q.Since), 10)
	}
	found := 0
	for scanned := 0; maxScan == 0 || scanned < maxScan; {
		page, err := s.rdb.XRevRangeN(ctx, keyAudit, end, start, auditPage).Result()
		if err != nil {
			return unavailable(err)
		}
		for _, m := range page {
			var e noctuary.AuditEntry
			if json.Unmarshal([]byte(str(m.Values[fieldEvent])), &e) != nil || !q.Match(e) {
				continue
			}
			if e.ID == "" {
				e.ID = m.ID
			}
			if err := fn(e); err != nil {
				return err
			}
			if found++; found == q.Limit {
				return nil
			}
		}
		if len(page) < auditPage {
			return nil
		}
		scanned += len(page)
		end = "(" + page[len(page)-1].ID
	}
	return nil
}
