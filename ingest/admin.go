package ingest

import (
	"net/http"

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
