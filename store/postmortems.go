package store

import (
	"context"
	"encoding/json"

	"github.com/noctuary/noctuary"
)

// prefixPostmortem keys an incident's postmortem draft.
const prefixPostmortem = "noctuary:v1:postmortem:"

// postmortemTTL keeps a draft as long as the triage it was drafted from.
const postmortemTTL = triageTTL

func keyPostmortem(incidentID string) string { return prefixPostmortem + incidentID }

// Postmortem returns the incident's postmortem draft, its latest revision.
func (s *Store) Postmortem(ctx context.Context, incidentID string) (noctuary.Postmortem, error) {
	var p noctuary.Postmortem
	err := s.getJSON(ctx, keyPostmortem(incidentID), &p)
	if isNil(err) {
		return p, notFound("Incident %s has no postmortem draft yet: Noctuary drafts one when a triaged incident resolves (drafts are kept 30 days).", incidentID)
	}
	return p, err
}

// SavePostmortem keeps p as its incident's draft, replacing the one before,
// for 30 days. One key, so it lives on one slot of a cluster; the caller
// holds the draft's lock.
func (s *Store) SavePostmortem(ctx context.Context, p noctuary.Postmortem) error {
	if p.ID == "" || p.IncidentID == "" {
		return noctuary.Errorf(noctuary.EInvalid, "a postmortem draft needs an id and an incident")
	}
	b, err := json.Marshal(p)
	if err != nil {
		return noctuary.Wrap(err, noctuary.EInvalid, "the postmortem draft cannot be encoded")
	}
	return unavailable(s.rdb.Set(ctx, keyPostmortem(p.IncidentID), b, postmortemTTL).Err())
}
