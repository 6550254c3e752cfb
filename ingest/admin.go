package ingest

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/noctuary/noctuary"
)

// SlackPreview renders an incident's Slack message (Block Kit blocks, as
// JSON) from its triage, with the service's mode now, its live state, its
// approvals and whether the service is paused (Main wires bot/blocks'
// Preview).
type SlackPreview func(t noctuary.Triage, st noctuary.IncidentState, approvals []noctuary.Approval, paused bool) any

// incidentView is the admin API's answer for one incident: its live state
// and, once triaged, its triage (with the note, the signals and the
// recommendation), the approvals of its actions with their outcome, the
// engineers' votes on the hypothesis and the Slack message's blocks.
type incidentView struct {
	IncidentState noctuary.IncidentState `json:"incident_state"`
	Triage        *noctuary.Triage       `json:"triage,omitempty"`
	Approvals     []noctuary.Approval    `json:"approvals"`
	Feedback      []voteView             `json:"feedback"`
	SlackBlocks   any                    `json:"slack_blocks,omitempty"`
}

// voteView is one engineer's vote on a hypothesis.
type voteView struct {
	User   string `json:"user"`
	Right  bool   `json:"right"`
	Engine string `json:"engine"`
}

// getIncident answers GET /api/v1/incidents/:id.
func (s *Server) getIncident(c *gin.Context) {
	ctx := c.Request.Context()
	st, err := s.store.IncidentState(ctx, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	view := incidentView{IncidentState: st, Approvals: []noctuary.Approval{}, Feedback: []voteView{}}
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
	if err := s.incidentDetails(c, &view); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, view)
}

// incidentDetails fills the approvals, the votes and the Slack message of
// view.
func (s *Server) incidentDetails(c *gin.Context, view *incidentView) error {
	ctx := c.Request.Context()
	approvals, err := s.store.IncidentApprovals(ctx, view.IncidentState.Incident.ID)
	if err != nil {
		return err
	}
	view.Approvals = append(view.Approvals, approvals...)
	t := view.Triage
	if t == nil {
		return nil
	}
	votes, err := s.store.TriageVotes(ctx, t.Service, t.ID)
	if err != nil {
		return err
	}
	for _, v := range votes {
		view.Feedback = append(view.Feedback, voteView{User: v.User, Right: v.Right, Engine: v.Engine})
	}
	if s.preview == nil {
		return nil
	}
	shown, paused := *t, false
	if svc, err := s.store.Service(ctx, t.Service); err == nil {
		global, err := s.store.GlobalPaused(ctx)
		if err != nil {
			return err
		}
		shown.Mode, paused = svc.Mode, svc.Paused || global
	}
	view.SlackBlocks = s.preview(shown, view.IncidentState, approvals, paused)
	return nil
}

// maxDeadListed bounds GET /api/v1/webhooks/dead.
const maxDeadListed = 1000

// getDeadWebhooks answers GET /api/v1/webhooks/dead?limit=N (default 50): the
// webhook events that failed triage permanently, newest first, with why.
// `noctuary replay-dead` puts them back on the queue.
func (s *Server) getDeadWebhooks(c *gin.Context) {
	limit, err := limitParam(c, 50, maxDeadListed)
	if err != nil {
		s.fail(c, err)
		return
	}
	dead, err := s.store.DeadWebhooks(c.Request.Context(), limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"dead": dead})
}
