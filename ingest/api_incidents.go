package ingest

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/noctuary/noctuary"
)

// Bounds of GET /api/v1/incidents.
const (
	defaultIncidentsListed = 20
	maxIncidentsListed     = 100
)

// incidentLine is one incident of the list: what it is, where it stands
// and, once triaged, what Noctuary said.
type incidentLine struct {
	ID        string        `json:"id"`
	Number    int           `json:"number,omitempty"`
	Title     string        `json:"title,omitempty"`
	Status    string        `json:"status,omitempty"`
	Urgency   string        `json:"urgency,omitempty"`
	Service   string        `json:"service,omitempty"`
	HTMLURL   string        `json:"html_url,omitempty"`
	CreatedAt time.Time     `json:"created_at,omitzero"`
	Triage    *triageDigest `json:"triage,omitempty"`
}

// triageDigest is a triage in one line.
type triageDigest struct {
	ID             string    `json:"id"`
	Engine         string    `json:"engine"`
	Hypothesis     string    `json:"hypothesis"`
	Confidence     float64   `json:"confidence"`
	Recommendation string    `json:"recommendation"`
	CreatedAt      time.Time `json:"created_at"`
}

// listIncidents answers GET /api/v1/incidents?limit=N&offset=M: the
// incidents Noctuary saw in the last 30 days, newest first, with their
// status and triage; next_offset is there while more remain.
func (s *Server) listIncidents(c *gin.Context) {
	limit, err := limitParam(c, defaultIncidentsListed, maxIncidentsListed)
	if err != nil {
		s.fail(c, err)
		return
	}
	offset := 0
	if v := c.Query("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			s.fail(c, noctuary.Errorf(noctuary.EInvalid, "offset must be a number from 0."))
			return
		}
	}
	page, total, err := s.store.Incidents(c.Request.Context(), offset, limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := gin.H{"incidents": incidentLines(page), "total": total}
	if offset+limit < total {
		out["next_offset"] = offset + limit
	}
	c.JSON(http.StatusOK, out)
}

func incidentLines(page []noctuary.IncidentSummary) []incidentLine {
	out := make([]incidentLine, len(page))
	for i, in := range page {
		inc := in.State.Incident
		out[i] = incidentLine{ID: inc.ID, Number: inc.Number, Title: inc.Title, Status: inc.Status, Urgency: inc.Urgency,
			Service: in.State.ServiceKey, HTMLURL: inc.HTMLURL, CreatedAt: inc.CreatedAt}
		if t := in.Triage; t != nil {
			out[i].Triage = &triageDigest{ID: t.ID, Engine: t.Engine, Hypothesis: t.Hypothesis, Confidence: t.Confidence,
				Recommendation: t.Recommendation.Text, CreatedAt: t.CreatedAt}
		}
	}
	return out
}

// limitParam reads ?limit=, def when absent, refusing anything outside
// 1..max.
func limitParam(c *gin.Context, def, max int) (int, error) {
	v := c.Query("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, noctuary.Errorf(noctuary.EInvalid, "limit must be a number from 1 to %d.", max)
	}
	return n, nil
}
