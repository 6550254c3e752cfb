package dashboard

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
)

// auditShown bounds the entries the Audit page lists; the export has all.
const auditShown = 200

// auditData is the Audit page.
type auditData struct {
	Filter  auditFilter
	Entries []noctuary.AuditEntry
	// Export is the NDJSON export's URL with the same filters.
	Export string
}

// auditFilter is the Audit page's filters as typed, to show them again.
type auditFilter struct {
	Service, Incident, Actor, Since, Until string
}

// Set reports whether any filter is set.
func (f auditFilter) Set() bool { return f != auditFilter{} }

// auditPage lists the audit entries the filters select, newest first.
func (d *Dashboard) auditPage(w http.ResponseWriter, r *http.Request, s *session) {
	data := auditData{Filter: auditFilter{Service: r.FormValue("service"), Incident: r.FormValue("incident"), Actor: r.FormValue("actor"),
		Since: r.FormValue("since"), Until: r.FormValue("until")}}
	data.Export = "/dashboard/audit.ndjson?" + r.URL.RawQuery
	q, err := auditQuery(r.URL.Query())
	status, problem := http.StatusOK, ""
	if err == nil {
		q.Limit = auditShown
		data.Entries, err = d.opt.Store.AuditSearch(r.Context(), q)
	}
	if err != nil {
		if code := noctuary.ErrorCode(err); code != noctuary.EInvalid {
			d.renderError(w, r, s, err)
			return
		}
		status, problem = http.StatusBadRequest, sentence(noctuary.ErrorMessage(err))
	}
	d.render(w, r, status, "audit", view{Title: "Audit", Nav: "audit", CSRF: s.csrf, Error: problem, Data: data})
}

// auditExport streams every entry the filters select as NDJSON, one JSON
// object a line, as a download.
func (d *Dashboard) auditExport(w http.ResponseWriter, r *http.Request, s *session) {
	q, err := auditQuery(r.URL.Query())
	if err != nil {
		d.renderError(w, r, s, err)
		return
	}
	enc := json.NewEncoder(w)
	started := false
	err = d.opt.Store.AuditScan(r.Context(), q, func(e noctuary.AuditEntry) error {
		if !started {
			w.Header().Set("Content-Type", "application/x-ndjson")
			w.Header().Set("Content-Disposition", `attachment; filename="noctuary-audit.ndjson"`)
			started = true
		}
		return enc.Encode(e)
	})
	switch {
	case err != nil && !started:
		d.renderError(w, r, s, err)
	case err != nil:
		d.opt.Logger.WarnContext(r.Context(), "the audit export ended early", "error", err)
	case !started:
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.WriteHeader(http.StatusOK)
	}
}

// auditQuery reads the audit filters from a query string (untrusted):
// service, incident and actor exactly, since and until as RFC 3339 or as
// a browser's date-time field sends them (UTC).
func auditQuery(v url.Values) (noctuary.AuditQuery, error) {
	q := noctuary.AuditQuery{Service: strings.TrimSpace(v.Get("service")), Incident: strings.TrimSpace(v.Get("incident")), Actor: strings.TrimSpace(v.Get("actor"))}
	if q.Service != "" && !noctuary.ValidServiceKey(q.Service) {
		return q, noctuary.Errorf(noctuary.EInvalid, "%q is not a service key: use letters, digits, '.', '_' and '-'.", clip(q.Service))
	}
	for _, f := range []string{q.Incident, q.Actor} {
		if len(f) > 200 {
			return q, noctuary.Errorf(noctuary.EInvalid, "A filter holds at most 200 characters.")
		}
	}
	var err error
	if q.Since, err = auditTime(v.Get("since"), "since"); err != nil {
		return q, err
	}
	if q.Until, err = auditTime(v.Get("until"), "until"); err != nil {
		return q, err
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && q.Until.Before(q.Since) {
		return q, noctuary.Errorf(noctuary.EInvalid, "Until is before since, so nothing could match.")
	}
	return q, nil
}

// auditTime reads a time filter; zero when empty.
func auditTime(s, name string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, noctuary.Errorf(noctuary.EInvalid, "%s %q is not a time: write it as 2026-11-23T02:00 (UTC) or in RFC 3339.", name, clip(s))
}

// clip shortens untrusted text quoted back in a sentence.
func clip(s string) string {
	if len(s) > 60 {
		return strings.ToValidUTF8(s[:60], "") + "…"
	}
	return s
}
