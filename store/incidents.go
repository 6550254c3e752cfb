package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
)

// statusOf is the status an event type implies when its incident data
// carries none.
var statusOf = map[string]string{
	noctuary.EventIncidentTriggered:      "triggered",
	noctuary.EventIncidentAcknowledged:   "acknowledged",
	noctuary.EventIncidentUnacknowledged: "triggered",
	noctuary.EventIncidentResolved:       "resolved",
	noctuary.EventIncidentReopened:       "triggered",
}

// UpdateIncident merges the webhook event ev into the stored state of its
// incident (created if missing) and returns the new state. Fields the event
// lacks keep their stored values. The state expires 30 days after its last
// update.
func (s *Store) UpdateIncident(ctx context.Context, ev noctuary.WebhookEvent, serviceKey string) (noctuary.IncidentState, error) {
	if ev.Incident.ID == "" {
		return noctuary.IncidentState{}, noctuary.Errorf(noctuary.EInvalid, "the webhook event names no incident")
	}
	st, err := updateJSON(ctx, s, keyIncident(ev.Incident.ID), incidentTTL, func(st *noctuary.IncidentState, _ bool) {
		mergeIncident(st, ev, serviceKey, s.now())
	})
	if err != nil {
		return st, err
	}
	return st, s.indexIncident(ctx, ev.Incident.ID)
}

// mergeIncident applies ev to st. An event that occurred before the latest
// one applied (PagerDuty delivers retries out of order) only fills fields st
// lacks and takes its place in the course (applyLate): it never rolls back
// the status, the acknowledgement or the resolution. An event without a
// time counts as the latest.
func mergeIncident(st *noctuary.IncidentState, ev noctuary.WebhookEvent, serviceKey string, now time.Time) {
	latest := ev.OccurredAt.IsZero() || !ev.OccurredAt.Before(st.LastEventAt)
	mergeData(&st.Incident, ev, latest)
	if latest {
		applyTransition(st, ev)
		if ev.OccurredAt.After(st.LastEventAt) {
			st.LastEventAt = ev.OccurredAt
		}
	} else {
		applyLate(st, ev)
	}
	setIf(&st.Integration, ev.Integration)
	setIf(&st.ServiceKey, serviceKey)
	st.UpdatedAt = now
}

// mergeData copies the incident data ev carries into in: every field it
// sets when latest, else only those in lacks.
func mergeData(in *noctuary.Incident, ev noctuary.WebhookEvent, latest bool) {
	got := ev.Incident
	in.ID = got.ID
	fill(&in.Number, got.Number, latest)
	fill(&in.Title, got.Title, latest)
	fill(&in.HTMLURL, got.HTMLURL, latest)
	fill(&in.IncidentKey, got.IncidentKey, latest)
	fill(&in.Urgency, got.Urgency, latest)
	fill(&in.Status, cmp.Or(got.Status, statusOf[ev.Type]), latest)
	fill(&in.CreatedAt, got.CreatedAt, latest)
	fill(&in.ReopenedAt, got.ReopenedAt, latest)
	if got.Service.ID != "" {
		fill(&in.Service, got.Service, latest)
	}
	if got.EscalationPolicy.ID != "" {
		fill(&in.EscalationPolicy, got.EscalationPolicy, latest)
	}
	if got.MergedInto.ID != "" {
		fill(&in.MergedInto, got.MergedInto, latest)
	}
}

// applyTransition records what the event type says happened, in the
// current episode's fields and in the incident's course.
func applyTransition(st *noctuary.IncidentState, ev noctuary.WebhookEvent) {
	by := ""
	if ev.Agent != nil {
		by = ev.Agent.Summary
	}
	switch ev.Type {
	case noctuary.EventIncidentAcknowledged:
		st.AcknowledgedAt = ev.OccurredAt
		setIf(&st.AcknowledgedBy, by)
	case noctuary.EventIncidentUnacknowledged:
		st.AcknowledgedBy, st.AcknowledgedAt = "", time.Time{}
	case noctuary.EventIncidentResolved:
		st.ResolvedAt = ev.OccurredAt
	case noctuary.EventIncidentReopened:
		st.AcknowledgedBy, st.AcknowledgedAt, st.ResolvedAt = "", time.Time{}, time.Time{}
	default:
		return
	}
	insertStep(st, noctuary.Transition{Type: ev.Type, At: ev.OccurredAt, By: by})
}

// applyLate records the step a late event reports (older than the latest
// applied: two workers applied an acknowledgement and the resolution that
// followed it in the other order, or PagerDuty retried it) in the course at
// its time, unless it is there already. An acknowledgement followed only by
// resolutions fills the current episode's when it has none; nothing else
// changes, the status least of all.
func applyLate(st *noctuary.IncidentState, ev noctuary.WebhookEvent) {
	if _, ok := lifecycle[ev.Type]; !ok {
		return
	}
	tr := noctuary.Transition{Type: ev.Type, At: ev.OccurredAt}
	if ev.Agent != nil {
		tr.By = ev.Agent.Summary
	}
	if slices.ContainsFunc(st.Course, func(c noctuary.Transition) bool { return c.Type == tr.Type && c.At.Equal(tr.At) }) {
		return
	}
	i := insertStep(st, tr)
	if i < 0 || tr.Type != noctuary.EventIncidentAcknowledged || !st.AcknowledgedAt.IsZero() {
		return
	}
	for _, c := range st.Course[i+1:] {
		if c.Type != noctuary.EventIncidentResolved {
			return // a later unacknowledgement or reopen undid it
		}
	}
	st.AcknowledgedAt, st.AcknowledgedBy = tr.At, tr.By
}

// insertStep puts tr in the course at its time (before) and keeps the
// latest MaxCourse steps; it returns tr's index, -1 when it was the oldest
// of a full course and is not kept.
func insertStep(st *noctuary.IncidentState, tr noctuary.Transition) int {
	i := len(st.Course)
	for i > 0 && before(tr, st.Course[i-1]) {
		i--
	}
	st.Course = slices.Insert(st.Course, i, tr)
	if n := len(st.Course) - noctuary.MaxCourse; n > 0 {
		st.Course, i = st.Course[n:], i-n
	}
	return i
}

// lifecycle orders the steps of an incident's course that PagerDuty dates
// alike: an acknowledgement comes before the resolution, a reopen after.
var lifecycle = map[string]int{
	noctuary.EventIncidentAcknowledged:   1,
	noctuary.EventIncidentUnacknowledged: 2,
	noctuary.EventIncidentResolved:       3,
	noctuary.EventIncidentReopened:       4,
}

// before reports whether a happened before b: by time, and for steps at
// the same time in the order of an incident's lifecycle, so that events
// of one instant applied in any order (concurrent workers) make the same
// course.
func before(a, b noctuary.Transition) bool {
	if !a.At.Equal(b.At) {
		return a.At.Before(b.At)
	}
	return lifecycle[a.Type] < lifecycle[b.Type]
}

// fill sets *dst to v when v is set and overwrite is true or *dst is unset.
func fill[T comparable](dst *T, v T, overwrite bool) {
	var zero T
	if v != zero && (overwrite || *dst == zero) {
		*dst = v
	}
}

func setIf(dst *string, v string) { fill(dst, v, true) }

// IncidentState returns the stored state of an incident.
func (s *Store) IncidentState(ctx context.Context, incidentID string) (noctuary.IncidentState, error) {
	var st noctuary.IncidentState
	err := s.getJSON(ctx, keyIncident(incidentID), &st)
	if isNil(err) {
		return st, notFound("incident %q is not known", incidentID)
	}
	return st, err
}

// SaveTriage stores t, compacted (noctuary.Triage.Compact: its cited
// signals and the counts of the others), for 30 days and records its ID in
// its incident's state (unless the state names it already).
func (s *Store) SaveTriage(ctx context.Context, t noctuary.Triage) error {
	if t.ID == "" || t.Incident.ID == "" {
		return noctuary.Errorf(noctuary.EInvalid, "a triage needs an id and an incident")
	}
	b, err := json.Marshal(t.Compact())
	if err != nil {
		return noctuary.Wrap(err, noctuary.EInvalid, "the triage cannot be encoded")
	}
	// One round trip when the incident already points at t (t saved again:
	// its Slack job queued, its note written, delivered); the pointer is
	// then left as it is.
	var set *redis.StatusCmd
	var cur *redis.StringCmd
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		set = p.Set(ctx, keyTriage(t.ID), b, triageTTL)
		cur = p.Get(ctx, keyIncident(t.Incident.ID))
		return nil
	})
	if err := set.Err(); err != nil {
		return unavailable(err)
	}
	if pointsAt(cur, t.ID) {
		return nil
	}
	_, err = updateJSON(ctx, s, keyIncident(t.Incident.ID), incidentTTL, func(st *noctuary.IncidentState, found bool) {
		if !found {
			*st = noctuary.IncidentState{Incident: t.Incident, Integration: t.Integration, ServiceKey: t.Service}
		}
		// A triage of an earlier onset finishing late (the incident was
		// reopened meanwhile) keeps its record but not the pointer.
		if !t.Onset.Before(st.TriageOnset) {
			st.TriageID, st.TriageOnset = t.ID, t.Onset
		}
		st.UpdatedAt = s.now()
	})
	if err != nil {
		return err
	}
	return s.indexIncident(ctx, t.Incident.ID)
}

// pointsAt says whether cur, an incident's state as read, points at the
// triage triageID already.
func pointsAt(cur *redis.StringCmd, triageID string) bool {
	b, err := cur.Bytes()
	if err != nil {
		return false
	}
	var st struct {
		TriageID string `json:"triage_id"`
	}
	return json.Unmarshal(b, &st) == nil && st.TriageID == triageID
}

// Triage returns a stored triage, compacted: one stored before triages
// were (with every signal of its window) reads as it is stored now.
func (s *Store) Triage(ctx context.Context, triageID string) (noctuary.Triage, error) {
	var t noctuary.Triage
	err := s.getJSON(ctx, keyTriage(triageID), &t)
	if isNil(err) {
		return t, notFound("triage %q is not known (triages are kept 30 days)", triageID)
	}
	return t.Compact(), err
}

// getJSON decodes the JSON string at key into v; redis.Nil when missing.
func (s *Store) getJSON(ctx context.Context, key string, v any) error {
	b, err := s.rdb.Get(ctx, key).Bytes()
	if isNil(err) {
		return err
	}
	if err != nil {
		return unavailable(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return noctuary.Wrap(err, noctuary.EInternal, "a stored record is corrupt")
	}
	return nil
}

// updateJSON applies fn to the JSON value at key (the zero value and found
// false when missing) and writes it back with ttl, atomically (WATCH/MULTI,
// retried when the value changes in between).
func updateJSON[T any](ctx context.Context, s *Store, key string, ttl time.Duration, fn func(v *T, found bool)) (T, error) {
	for attempt := range maxTxAttempts {
		var v T
		err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
			b, err := tx.Get(ctx, key).Bytes()
			if err != nil && !isNil(err) {
				return err
			}
			found := err == nil && json.Unmarshal(b, &v) == nil
			if !found {
				v = *new(T)
			}
			fn(&v, found)
			if b, err = json.Marshal(v); err != nil {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, key, b, ttl)
				return nil
			})
			return err
		}, key)
		if !errors.Is(err, redis.TxFailedErr) {
			return v, unavailable(err)
		}
		time.Sleep(rand.N(time.Duration(attempt+1) * time.Millisecond))
	}
	var zero T
	return zero, noctuary.Errorf(noctuary.EConflict, "the record %q kept changing; try again", key)
}
