package postmortem

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/noctuary/noctuary"
)

// Store is what drafting needs of the store (package store satisfies it).
type Store interface {
	IncidentState(ctx context.Context, incidentID string) (noctuary.IncidentState, error)
	Triage(ctx context.Context, triageID string) (noctuary.Triage, error)
	Service(ctx context.Context, key string) (noctuary.Service, error)
	IncidentApprovals(ctx context.Context, incidentID string) ([]noctuary.Approval, error)
	AuditSearch(ctx context.Context, q noctuary.AuditQuery) ([]noctuary.AuditEntry, error)
	TriageVotes(ctx context.Context, service, triageID string) ([]noctuary.Vote, error)
	Postmortem(ctx context.Context, incidentID string) (noctuary.Postmortem, error)
	SavePostmortem(ctx context.Context, p noctuary.Postmortem) error
	// LockTriage takes a lock as a lease of ttl, renewed while held.
	LockTriage(ctx context.Context, id string, ttl time.Duration) (held context.Context, release func(), ok bool, err error)
	// StartPosting marks a note as being posted; check says an earlier
	// attempt may have posted it. EndPosting clears the mark.
	StartPosting(ctx context.Context, id string, onset time.Time) (check bool, err error)
	EndPosting(ctx context.Context, id string) error
	Audit(ctx context.Context, e noctuary.AuditEntry) (string, error)
}

// Notes posts a note on an incident with an integration's key (Main wires
// it to package pd). With p.Check it first looks for a note carrying
// p.TriageID (the draft's ID) and posts nothing when there is one. An
// integration that writes nothing to PagerDuty (no key, inbound-only)
// answers EForbidden.
type Notes interface {
	PostNote(ctx context.Context, integrationID string, p noctuary.NotePost) (noteID string, err error)
}

// Slack posts a draft in its incident's Slack thread, through a durable
// queue (package bot satisfies it): each revision once.
type Slack interface {
	PostPostmortem(ctx context.Context, p noctuary.Postmortem) error
}

// Pauser reports whether writes to PagerDuty are paused for a service.
type Pauser interface {
	Paused(ctx context.Context, service string) (bool, error)
}

// Options configures a Service. Store, Notes and RenderNote are required.
type Options struct {
	Store   Store
	Notes   Notes
	Slack   Slack  // nil: no Slack
	Pauser  Pauser // nil: never paused
	Drafter Drafter
	// RenderNote is the PagerDuty note that references the draft served at
	// url (pd.RenderPostmortemNote).
	RenderNote func(p noctuary.Postmortem, url string) string
	// PublicURL is NOCTUARY_PUBLIC_URL: the draft is served under it.
	PublicURL string
	Logger    *slog.Logger
}

// Service drafts, keeps and delivers postmortems. It keeps no state of its
// own: the draft, its lock and its note's posting mark are in the store.
type Service struct {
	opt Options
}

// New returns a Service.
func New(opt Options) *Service {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{opt: opt}
}

// lockLease is the lease of a draft's lock, renewed while it is drafted
// (the model may take its timeout) and delivered.
const lockLease = 10 * time.Second

// Audit actions.
const (
	ActionDraft      = "postmortem.draft"
	ActionRegenerate = "postmortem.regenerate"
)

// Note outcomes (Postmortem.NoteResult).
const (
	notePosted = "posted"
	notePaused = "paused"
	noteDryRun = "dry_run"
)

// Resolved drafts the postmortem of a resolved, triaged incident, keeps it,
// references it in one PagerDuty note and posts it in the incident's Slack
// thread; not of one merged into another (its alerts go on there). A resolution delivered again (a retry, a replica, a second
// subscription) finds the draft delivered and does nothing; one whose
// delivery failed halfway finishes it. Transient failures are EUnavailable:
// the caller retries.
func (s *Service) Resolved(ctx context.Context, st noctuary.IncidentState) error {
	if st.TriageID == "" || !resolved(st) {
		return nil
	}
	if into := st.Incident.MergedInto; into.ID != "" {
		s.opt.Logger.Info("no postmortem draft: the incident was merged into another, where it goes on",
			"incident", st.Incident.ID, "merged_into", into.ID)
		return nil
	}
	t, err := s.opt.Store.Triage(ctx, st.TriageID)
	if noctuary.ErrorCode(err) == noctuary.ENotFound {
		s.opt.Logger.Info("no postmortem draft: the incident's triage is gone", "incident", st.Incident.ID, "triage", st.TriageID)
		return nil
	}
	if err != nil {
		return err
	}
	_, err = s.write(ctx, st, t, "noctuary", false)
	return err
}

// Regenerate drafts the incident's postmortem again on actor's behalf
// ("slack:<user>"), replacing the stored draft, and posts the new revision
// in the Slack thread. The PagerDuty note stays the one posted (it
// references the draft, which is always the latest); a first draft is
// delivered as on resolution. It is audited.
func (s *Service) Regenerate(ctx context.Context, incidentID, actor string) (noctuary.Postmortem, error) {
	st, err := s.opt.Store.IncidentState(ctx, incidentID)
	if noctuary.ErrorCode(err) == noctuary.ENotFound {
		return noctuary.Postmortem{}, noctuary.Errorf(noctuary.ENotFound, "Noctuary knows no incident %s (incidents are kept 30 days).", incidentID)
	}
	if err != nil {
		return noctuary.Postmortem{}, err
	}
	switch {
	case st.TriageID == "":
		return noctuary.Postmortem{}, noctuary.Errorf(noctuary.EInvalid, "Incident %s was not triaged (its service was not enabled): there is nothing to draft from.", incidentID)
	case !resolved(st):
		return noctuary.Postmortem{}, noctuary.Errorf(noctuary.EInvalid, "Incident %s is not resolved yet: its postmortem is drafted when it resolves.", incidentID)
	}
	t, err := s.opt.Store.Triage(ctx, st.TriageID)
	if err != nil {
		return noctuary.Postmortem{}, err
	}
	return s.write(ctx, st, t, actor, true)
}

func resolved(st noctuary.IncidentState) bool {
	return !st.ResolvedAt.IsZero() || st.Incident.Status == "resolved"
}

// write drafts (or, unless regenerate, reuses) the draft of t's incident
// under its lock, keeps it, delivers it and audits it.
func (s *Service) write(ctx context.Context, st noctuary.IncidentState, t noctuary.Triage, by string, regenerate bool) (noctuary.Postmortem, error) {
	id := noctuary.PostmortemID(t.ID)
	held, release, ok, err := s.opt.Store.LockTriage(ctx, id, lockLease)
	if err != nil {
		return noctuary.Postmortem{}, err
	}
	if !ok {
		return noctuary.Postmortem{}, noctuary.Errorf(noctuary.EUnavailable, "The postmortem of incident %s is being drafted right now; try again in a moment.", st.Incident.ID)
	}
	defer release()
	prev, err := s.opt.Store.Postmortem(held, st.Incident.ID)
	if err != nil && noctuary.ErrorCode(err) != noctuary.ENotFound {
		return prev, err
	}
	same := err == nil && prev.ID == id
	p := prev
	if !same || regenerate {
		if p, err = s.draft(held, st, t, prev, same, by); err != nil {
			return p, err
		}
	} else if prev.Delivered {
		return prev, nil
	}
	if err := s.deliver(held, &p); err != nil {
		return p, err
	}
	action := ActionDraft
	if regenerate {
		action = ActionRegenerate
	}
	s.audit(held, noctuary.AuditEntry{Actor: by, Action: action, Service: p.Service, Incident: p.IncidentID, Result: "ok",
		Details: map[string]string{"postmortem": p.ID, "revision": itoa(p.Revision), "writer": p.Writer, "note": p.NoteResult, "note_id": p.NoteID}})
	return p, nil
}

// draft builds the next revision after prev (the first when not same) and
// keeps it, undelivered; the note of an earlier revision stays.
func (s *Service) draft(ctx context.Context, st noctuary.IncidentState, t noctuary.Triage, prev noctuary.Postmortem, same bool, by string) (noctuary.Postmortem, error) {
	f, err := s.facts(ctx, st, t)
	if err != nil {
		return noctuary.Postmortem{}, err
	}
	rev := 1
	if same {
		rev = prev.Revision + 1
	}
	p := s.opt.Drafter.Draft(ctx, f, rev, by)
	if same {
		p.NoteID, p.NoteResult = prev.NoteID, prev.NoteResult
	}
	if p.NarrativeFallback != "" && s.opt.Drafter.Narrator != nil {
		s.opt.Logger.Warn("postmortem narrative not used: the template's draft is kept", "incident", p.IncidentID, "reason", p.NarrativeFallback)
	}
	return p, s.opt.Store.SavePostmortem(ctx, p)
}

// facts gathers what the store holds of the incident.
func (s *Service) facts(ctx context.Context, st noctuary.IncidentState, t noctuary.Triage) (Facts, error) {
	f := Facts{State: st, Triage: t}
	svc, err := s.opt.Store.Service(ctx, t.Service)
	switch {
	case err == nil:
		f.LLM = svc.LLM
	case noctuary.ErrorCode(err) != noctuary.ENotFound:
		return f, err
	}
	if f.Approvals, err = s.opt.Store.IncidentApprovals(ctx, st.Incident.ID); err != nil {
		return f, err
	}
	// The incident's entries, from a minute before it started: the audit
	// search reads a bounded number of entries, newest first.
	since := f.triggeredAt()
	if !since.IsZero() {
		since = since.Add(-time.Minute)
	}
	if f.Audit, err = s.opt.Store.AuditSearch(ctx, noctuary.AuditQuery{Incident: st.Incident.ID, Since: since}); err != nil {
		return f, err
	}
	f.Votes, err = s.opt.Store.TriageVotes(ctx, t.Service, t.ID)
	return f, err
}

// deliver settles the draft's note, queues its Slack post and keeps it
// delivered.
func (s *Service) deliver(ctx context.Context, p *noctuary.Postmortem) error {
	if err := s.note(ctx, p); err != nil {
		return err
	}
	if s.opt.Slack != nil {
		if err := s.opt.Slack.PostPostmortem(ctx, *p); err != nil {
			return err
		}
	}
	p.Delivered = true
	return s.opt.Store.SavePostmortem(ctx, *p)
}

// notSent is a failed write that knows whether it surely did not take
// effect (pd.RetryableError).
type notSent interface {
	error
	NotSent() bool
}

// note posts the note that references the draft, once: not while the
// service is paused, and not where nothing may be written to PagerDuty.
func (s *Service) note(ctx context.Context, p *noctuary.Postmortem) error {
	if p.NoteResult != "" {
		return nil
	}
	if s.opt.Pauser != nil {
		paused, err := s.opt.Pauser.Paused(ctx, p.Service)
		if err != nil {
			return err
		}
		if paused {
			p.NoteResult = notePaused
			return s.opt.Store.SavePostmortem(ctx, *p)
		}
	}
	if p.Integration == "" {
		p.NoteResult = noteDryRun
		return s.opt.Store.SavePostmortem(ctx, *p)
	}
	check, err := s.opt.Store.StartPosting(ctx, p.ID, p.TriggeredAt)
	if err != nil {
		return err
	}
	np := noctuary.NotePost{IncidentID: p.IncidentID, TriageID: p.ID, Content: s.opt.RenderNote(*p, s.URL(p.IncidentID)), Check: check,
		Precedence: noctuary.Precedence{Urgent: true, Priority: 1}}
	id, err := s.opt.Notes.PostNote(ctx, p.Integration, np)
	switch ns, isNS := errors.AsType[notSent](err); {
	case noctuary.ErrorCode(err) == noctuary.EForbidden:
		s.opt.Logger.Info("postmortem note kept out of PagerDuty", "incident", p.IncidentID, "reason", noctuary.ErrorMessage(err))
		p.NoteResult = noteDryRun
	case err != nil:
		if isNS && ns.NotSent() {
			s.endPosting(ctx, p.ID)
		}
		return err
	default:
		p.NoteID, p.NoteResult = id, notePosted
	}
	if err := s.opt.Store.SavePostmortem(ctx, *p); err != nil {
		return err
	}
	s.endPosting(ctx, p.ID)
	return nil
}

// URL is where the admin API serves the incident's draft.
func (s *Service) URL(incidentID string) string {
	return trimSlash(s.opt.PublicURL) + "/api/v1/incidents/" + incidentID + "/postmortem"
}

func (s *Service) endPosting(ctx context.Context, id string) {
	if err := s.opt.Store.EndPosting(ctx, id); err != nil {
		s.opt.Logger.Warn("clearing a note's posting mark failed; it expires by itself", "postmortem", id, "error", err)
	}
}

func (s *Service) audit(ctx context.Context, e noctuary.AuditEntry) {
	e.Time = s.opt.Drafter.now().UTC()
	if _, err := s.opt.Store.Audit(ctx, e); err != nil {
		s.opt.Logger.Warn("writing the audit entry failed", "action", e.Action, "error", err)
	}
}
