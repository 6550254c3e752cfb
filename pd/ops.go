package pd

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/PagerDuty/go-pagerduty"
	"github.com/noctuary/noctuary"
)

// urgent is the precedence of requests an engineer or an action waits for
// (acknowledgements, timeline notes, on-call look-ups): they go before
// triage notes waiting for the budget.
var urgent = noctuary.Precedence{Urgent: true, Priority: 1}

// pdAlreadyAcknowledged is PagerDuty's error code for acknowledging an
// incident that already is.
const pdAlreadyAcknowledged = 1002

// Note is a note of a PagerDuty incident.
type Note struct {
	ID        string
	Content   string
	CreatedAt time.Time
}

// AddNote posts content as a note on the incident, as the integration's From
// user, and returns the note's ID. A retry after an ambiguous failure first
// looks for an identical note, so the note is posted once. It goes before
// triage notes waiting for the budget (approvals and actions are urgent).
func (c *Client) AddNote(ctx context.Context, incidentID, content string) (string, error) {
	return c.addNote(ctx, incidentID, content, urgent)
}

// addNote is AddNote with the precedence of its request.
func (c *Client) addNote(ctx context.Context, incidentID, content string, p noctuary.Precedence) (string, error) {
	if err := c.checkWrite("add a note", incidentID); err != nil {
		return "", err
	}
	if strings.TrimSpace(content) == "" {
		return "", noctuary.Errorf(noctuary.EInvalid, "A PagerDuty note needs some content.")
	}
	var noteID string
	note := pagerduty.IncidentNote{Content: content, User: pagerduty.APIObject{Summary: c.from}}
	post := func(ctx context.Context, api *pagerduty.Client) error {
		n, err := api.CreateIncidentNoteWithContext(ctx, incidentID, note)
		if err == nil {
			noteID = n.ID
		}
		return err
	}
	landed := func(ctx context.Context) (bool, error) {
		notes, err := c.notes(ctx, incidentID, p)
		i := slices.IndexFunc(notes, func(n Note) bool { return n.Content == content })
		if err != nil || i < 0 {
			return false, err
		}
		noteID = notes[i].ID
		return true, nil
	}
	err := c.call(ctx, "add a note to incident "+incidentID, p, post, landed)
	return noteID, err
}

// Notes lists the notes of the incident, oldest first as PagerDuty returns them.
func (c *Client) Notes(ctx context.Context, incidentID string) ([]Note, error) {
	return c.notes(ctx, incidentID, urgent)
}

// notes is Notes with the precedence of its request.
func (c *Client) notes(ctx context.Context, incidentID string, p noctuary.Precedence) ([]Note, error) {
	if err := checkID("incident", incidentID); err != nil {
		return nil, err
	}
	var raw []pagerduty.IncidentNote
	err := c.call(ctx, "list the notes of incident "+incidentID, p, func(ctx context.Context, api *pagerduty.Client) (err error) {
		raw, err = api.ListIncidentNotesWithContext(ctx, incidentID)
		return err
	}, nil)
	if err != nil {
		return nil, err
	}
	notes := make([]Note, 0, len(raw))
	for _, n := range raw {
		created, _ := time.Parse(time.RFC3339Nano, n.CreatedAt) // zero when PagerDuty omits it
		notes = append(notes, Note{ID: n.ID, Content: n.Content, CreatedAt: created.UTC()})
	}
	return notes, nil
}

// Acknowledge acknowledges the incident as the integration's From user. An
// incident that is already acknowledged is not an error.
func (c *Client) Acknowledge(ctx context.Context, incidentID string) error {
	if err := c.checkWrite("acknowledge", incidentID); err != nil {
		return err
	}
	err := c.call(ctx, "acknowledge incident "+incidentID, urgent, func(ctx context.Context, api *pagerduty.Client) error {
		opts := []pagerduty.ManageIncidentsOptions{{ID: incidentID, Status: "acknowledged"}}
		_, err := api.ManageIncidentsWithContext(ctx, c.from, opts)
		return err
	}, nil)
	if pdErrorCode(err) == pdAlreadyAcknowledged {
		return nil
	}
	return err
}

// Incident reads the incident. ReopenedAt is not part of PagerDuty's REST
// incident and stays nil.
func (c *Client) Incident(ctx context.Context, incidentID string) (noctuary.Incident, error) {
	if err := checkID("incident", incidentID); err != nil {
		return noctuary.Incident{}, err
	}
	var in *pagerduty.Incident
	err := c.call(ctx, "read incident "+incidentID, urgent, func(ctx context.Context, api *pagerduty.Client) (err error) {
		in, err = api.GetIncidentWithContext(ctx, incidentID)
		return err
	}, nil)
	if err != nil {
		return noctuary.Incident{}, err
	}
	created, _ := time.Parse(time.RFC3339Nano, in.CreatedAt) // zero when PagerDuty omits it
	return noctuary.Incident{
		ID: in.ID, Number: int(in.IncidentNumber), Title: in.Title, Status: in.Status, HTMLURL: in.HTMLURL,
		IncidentKey: in.IncidentKey, Urgency: in.Urgency, CreatedAt: created.UTC(),
		Service: fromAPIObject(in.Service), EscalationPolicy: fromAPIObject(in.EscalationPolicy),
	}, nil
}

// CheckKey makes a cheap authenticated request (GET /abilities) with each of
// the integration's keys, the main one then the extra ones, to check that
// it is valid, e.g. before a rotation takes it. A rejected key gives
// EUnauthorized; with extra keys, the message says which key it was. An
// extra key that works is back in rotation, one refused is taken out.
func (c *Client) CheckKey(ctx context.Context) error {
	for k := range c.keys {
		err := c.callKey(ctx, "check the API key", urgent, k, func(ctx context.Context, api *pagerduty.Client) error {
			_, err := api.ListAbilitiesWithContext(ctx)
			return err
		}, nil)
		if err == nil {
			c.queue.putBack(k)
		}
		if err != nil && len(c.keys) > 1 {
			return withKeyName(err, k)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// keyName names the client's key k for people, never by its value.
func keyName(k int) string {
	if k == 0 {
		return "The main PagerDuty key"
	}
	return fmt.Sprintf("Extra PagerDuty key %d of pagerduty_extra_tokens", k)
}

// withKeyName is err with its sentence prefixed by the name of key k. An
// *Error keeps its code and cause, so that its text says the sentence once.
func withKeyName(err error, k int) error {
	if e, ok := err.(*noctuary.Error); ok {
		named := *e
		named.Message = keyName(k) + ": " + e.Message
		return &named
	}
	return noctuary.Wrap(err, noctuary.ErrorCode(err), keyName(k)+": "+noctuary.ErrorMessage(err))
}

// checkWrite refuses writes that this integration may not make.
func (c *Client) checkWrite(what, incidentID string) error {
	if c.inbound {
		return noctuary.Errorf(noctuary.EForbidden, "Integration %q is inbound only: Noctuary does not %s in its PagerDuty.", c.integration, what)
	}
	if c.from == "" {
		return noctuary.Errorf(noctuary.EInvalid, "Integration %q has no from email; PagerDuty needs one to %s.", c.integration, what)
	}
	return checkID("incident", incidentID)
}

// checkID refuses IDs that are not PagerDuty IDs before they reach a path.
func checkID(kind, id string) error {
	if !validID(id) {
		return noctuary.Errorf(noctuary.EInvalid, "%q is not a PagerDuty %s ID.", truncateRunes(id, 40), kind)
	}
	return nil
}

func truncateRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func fromAPIObject(o pagerduty.APIObject) noctuary.Reference {
	return noctuary.Reference{ID: o.ID, Type: o.Type, Summary: o.Summary, HTMLURL: o.HTMLURL}
}

// PostNote posts a triage's note exactly once. Without p.Check it is one
// request: the note is posted. With p.Check (an earlier attempt may have
// posted it: a worker died after posting and before keeping the triage as
// delivered), a note of the incident that already carries p.TriageID in its
// footer is returned, and nothing is posted.
func (c *Client) PostNote(ctx context.Context, p noctuary.NotePost) (string, error) {
	if p.Check {
		notes, err := c.notes(ctx, p.IncidentID, p.Precedence)
		if err != nil {
			return "", err
		}
		for _, n := range notes {
			if NoteHasTriage(n.Content, p.TriageID) {
				return n.ID, nil
			}
		}
	}
	return c.addNote(ctx, p.IncidentID, p.Content, p.Precedence)
}
