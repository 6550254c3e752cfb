package ingest

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/noctuary/noctuary"
)

// Bounds of GET /api/v1/audit's JSON answer (an NDJSON export has none).
const (
	defaultAuditListed = 100
	maxAuditListed     = 1000
)

// getAudit answers GET /api/v1/audit?service=&incident=&actor=&since=&until=&limit=:
// the audit entries selected, newest first, as {"entries": [...]}; with
// format=ndjson (or Accept: application/x-ndjson), every selected entry of
// the time range streamed one JSON object a line.
func (s *Server) getAudit(c *gin.Context) {
	q, err := auditQuery(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if c.Query("format") == "ndjson" || strings.Contains(c.GetHeader("Accept"), ndjsonType) {
		s.exportAudit(c, q)
		return
	}
	if q.Limit == 0 {
		q.Limit = defaultAuditListed
	}
	entries, err := s.store.AuditSearch(c.Request.Context(), q)
	if err != nil {
		s.fail(c, err)
		return
	}
	if entries == nil {
		entries = []noctuary.AuditEntry{}
	}
	c.JSON(http.StatusOK, gin.H{"entries": entries})
}

const ndjsonType = "application/x-ndjson"

// exportAudit streams the entries q selects as NDJSON. A failure before the
// first entry is an ordinary JSON error; after it, the stream ends early
// and the failure is logged (the status is sent already).
func (s *Server) exportAudit(c *gin.Context, q noctuary.AuditQuery) {
	enc := json.NewEncoder(c.Writer)
	started := false
	err := s.store.AuditScan(c.Request.Context(), q, func(e noctuary.AuditEntry) error {
		if !started {
			c.Header("Content-Type", ndjsonType)
			c.Status(http.StatusOK)
			started = true
		}
		if err := enc.Encode(e); err != nil {
			return err
		}
		c.Writer.Flush()
		return nil
	})
	switch {
	case err != nil && !started:
		s.fail(c, err)
	case err != nil:
		s.logFault(c, noctuary.Wrap(err, noctuary.EUnavailable, "the audit export ended early"))
	case !started:
		c.Data(http.StatusOK, ndjsonType, nil)
	}
}

// auditQuery reads the filters of GET /api/v1/audit.
func auditQuery(c *gin.Context) (noctuary.AuditQuery, error) {
	q := noctuary.AuditQuery{Service: c.Query("service"), Incident: c.Query("incident"), Actor: c.Query("actor")}
	if q.Service != "" && !noctuary.ValidServiceKey(q.Service) {
		return q, noctuary.Errorf(noctuary.EInvalid, "service %q is not a service key: use letters, digits, '.', '_' and '-'.", q.Service)
	}
	var err error
	if q.Since, err = timeParam(c, "since"); err != nil {
		return q, err
	}
	if q.Until, err = timeParam(c, "until"); err != nil {
		return q, err
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && q.Until.Before(q.Since) {
		return q, noctuary.Errorf(noctuary.EInvalid, "until is before since; nothing could match.")
	}
	q.Limit, err = limitParam(c, 0, maxAuditListed)
	return q, err
}

// timeParam reads an RFC 3339 time from the query; zero when absent.
func timeParam(c *gin.Context, name string) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, noctuary.Errorf(noctuary.EInvalid, "%s must be an RFC 3339 time such as 2026-11-23T02:00:00Z.", name)
	}
	return t, nil
}
