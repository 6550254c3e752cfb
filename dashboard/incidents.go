package dashboard

import (
	"cmp"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/noctuary/noctuary"
)

// incidentsPerPage is how many incidents the list shows at once.
const incidentsPerPage = 25

// incidentsData is the Incidents page.
type incidentsData struct {
	Incidents []noctuary.IncidentSummary
	Total     int
	// Prev and Next are the offsets of the neighbouring pages; -1 for none.
	Prev, Next int
	// Send is a curl command that sends a ContextEvent, for the empty page.
	Send string
}

// incidentsPage lists the incidents of the last 30 days, newest first.
func (d *Dashboard) incidentsPage(w http.ResponseWriter, r *http.Request, s *session) {
	offset, err := strconv.Atoi(cmp.Or(r.URL.Query().Get("offset"), "0"))
	if err != nil || offset < 0 {
		d.renderError(w, r, s, noctuary.Errorf(noctuary.EInvalid, "The page's offset must be a number from 0."))
		return
	}
	page, total, err := d.opt.Store.Incidents(r.Context(), offset, incidentsPerPage)
	if err != nil {
		d.renderError(w, r, s, err)
		return
	}
	data := incidentsData{Incidents: page, Total: total, Prev: -1, Next: -1, Send: d.sendEvent("checkout")}
	if offset > 0 {
		data.Prev = max(offset-incidentsPerPage, 0)
	}
	if offset+incidentsPerPage < total {
		data.Next = offset + incidentsPerPage
	}
	d.render(w, r, http.StatusOK, "incidents", view{Title: "Incidents", Nav: "incidents", CSRF: s.csrf, Data: data})
}

// sendEvent is a curl command that sends one ContextEvent of service now.
func (d *Dashboard) sendEvent(service string) string {
	return "curl -X POST " + d.publicURL + "/v1/events -H \"Authorization: Bearer $NOCTUARY_INGEST_TOKEN\" " +
		`-d '{"service":"` + service + `","kind":"deploy","source":"manual","occurred_at":"'$(date -u +%FT%TZ)'","summary":"deploy of ` + service + `","attributes":{"sha":"abc1234"}}'`
}

// incidentData is one incident's page.
type incidentData struct {
	State     noctuary.IncidentState
	Triage    *noctuary.Triage
	Timeline  *timeline
	Approvals []noctuary.Approval
	Votes     []noctuary.Vote
	// Preview is the Slack message as posted, rendered; PreviewError says
	// why it is missing.
	Preview      template.HTML
	PreviewError string
	// Send is a curl command that sends a ContextEvent of the incident's
	// service, for a triage that found none.
	Send string
}

// incidentPage shows one incident: its note, its signals on a timeline,
// its actions and their approvals, the feedback and the Slack message.
func (d *Dashboard) incidentPage(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	st, err := d.opt.Store.IncidentState(ctx, r.PathValue("id"))
	if err != nil {
		d.renderError(w, r, s, err)
		return
	}
	data := incidentData{State: st, Send: d.sendEvent(cmp.Or(st.ServiceKey, "checkout"))}
	if data.Approvals, err = d.opt.Store.IncidentApprovals(ctx, st.Incident.ID); err != nil {
		d.renderError(w, r, s, err)
		return
	}
	if st.TriageID != "" {
		t, err := d.opt.Store.Triage(ctx, st.TriageID)
		switch {
		case err == nil:
			data.Triage, data.Timeline = &t, newTimeline(t)
		case noctuary.ErrorCode(err) != noctuary.ENotFound:
			d.renderError(w, r, s, err)
			return
		}
	}
	if t := data.Triage; t != nil {
		if data.Votes, err = d.opt.Store.TriageVotes(ctx, t.Service, t.ID); err != nil {
			d.renderError(w, r, s, err)
			return
		}
		data.Preview, data.PreviewError = d.preview(r, *t, st, data.Approvals)
	}
	title := cmp.Or(shown(st.Incident.Title), "Incident "+st.Incident.ID)
	d.render(w, r, http.StatusOK, "incident", view{Title: title, Nav: "incidents", CSRF: s.csrf, Data: data})
}

// preview renders the incident's Slack message as the bot would post it
// now: with the service's mode and whether it is paused.
func (d *Dashboard) preview(r *http.Request, t noctuary.Triage, st noctuary.IncidentState, approvals []noctuary.Approval) (template.HTML, string) {
	if d.opt.SlackPreview == nil {
		return "", "The Slack preview is not available in this build."
	}
	paused := false
	if svc, err := d.opt.Store.Service(r.Context(), t.Service); err == nil {
		global, err := d.opt.Store.GlobalPaused(r.Context())
		if err != nil {
			return "", sentence(noctuary.ErrorMessage(err))
		}
		t.Mode, paused = svc.Mode, svc.Paused || global
	}
	html, err := d.opt.SlackPreview(t, st, approvals, paused)
	if err != nil {
		d.opt.Logger.WarnContext(r.Context(), "the Slack preview failed", "incident", st.Incident.ID, "error", err)
		return "", "The Slack message could not be rendered: " + sentence(noctuary.ErrorMessage(err))
	}
	return html, ""
}

// timeline places a triage's signals on a line around its onset, for an
// inline SVG drawn on the server.
type timeline struct {
	Width, Height int
	// OnsetX is the onset's position.
	OnsetX   float64
	From, To time.Time
	Marks    []mark
}

// mark is one signal on the timeline.
type mark struct {
	X     float64
	Y     int
	Class noctuary.Class
	Label string
}

// Size of the timeline's drawing, in SVG units.
const (
	timelineWidth  = 640
	timelinePad    = 16
	timelineHeight = 70
)

// newTimeline lays out t's signals from the earliest to the latest of them
// and the onset; nil without signals.
func newTimeline(t noctuary.Triage) *timeline {
	if len(t.Signals) == 0 {
		return nil
	}
	from, to := t.Onset, t.Onset
	for _, s := range t.Signals {
		from, to = minTime(from, s.Event.OccurredAt), maxTime(to, s.Event.OccurredAt)
	}
	span := to.Sub(from)
	if span <= 0 {
		span = time.Minute
		from = from.Add(-span / 2)
	}
	x := func(at time.Time) float64 {
		return timelinePad + float64(at.Sub(from))/float64(span)*(timelineWidth-2*timelinePad)
	}
	tl := &timeline{Width: timelineWidth, Height: timelineHeight, OnsetX: x(t.Onset), From: from, To: from.Add(span)}
	for i, s := range t.Signals {
		tl.Marks = append(tl.Marks, mark{X: x(s.Event.OccurredAt), Y: 18 + (i%3)*12, Class: s.Class,
			Label: shown(s.Event.Kind) + " (" + shown(s.Event.Source) + ") " + s.Event.OccurredAt.UTC().Format("15:04:05")})
	}
	return tl
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
