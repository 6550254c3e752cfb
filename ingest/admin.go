package ingest

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/noctuary/noctuary"
)

// incidentView is the admin API's answer for one incident.
type incidentView struct {
	IncidentState noctuary.IncidentState `json:"incident_state"`
	Triage        *noctuary.Triage       `json:"triage,omitempty"`
}

// getIncident answers GET /api/v1/incidents/:id: the incident's live state
// and, once triaged, its triage.
func (s *Server) getIncident(c *gin.Context) {
	ctx := c.Request.Context()
	st, err := s.store.IncidentState(ctx, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	view := incidentView{IncidentState: st}
	if st.TriageID != "" {
		t, err := s.store.Triage(ctx, st.TriageID)
		switch {
		case err == nil:
			view.Triage = &t
		case noctuary.ErrorCode(err) != noctuary.ENotFound:
			s.fail(c, err)
			return
		}
	}
	c.JSON(http.StatusOK, view)
}

// maxDeadListed bounds GET /api/v1/webhooks/dead.
const maxDeadListed = 1000

// getDeadWebhooks answers GET /api/v1/webhooks/dead?limit=N (default 50): the
// webhook events that failed triage permanently, newest first, with why.
// `noctuary replay-dead` puts them back on the queue.
func (s *Server) getDeadWebhooks(c *gin.Context) {
	limit := 50
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxDeadListed {
			s.fail(c, noctuary.Errorf(noctuary.EInvalid, "limit must be a number from 1 to %d.", maxDeadListed))
			return
		}
		limit = n
	}
	dead, err := s.store.DeadWebhooks(c.Request.Context(), limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"dead": dead})
}
