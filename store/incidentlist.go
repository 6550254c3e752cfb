package store

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
)

// The incident index: noctuary:v1:incidents is a sorted set of incident IDs
// scored by when Noctuary first saw each (ms, the injected clock), trimmed
// to the incidents' lifetime at each addition; the admin API lists
// incidents from it, newest first. noctuary:v1:incident-approvals:<id> is
// the set of an incident's approval IDs, kept as long as its approvals.
// Each is written after the record it indexes, outside its transaction (one
// hash slot each): an index entry whose record is gone is skipped.
const (
	keyIncidents            = "noctuary:v1:incidents"
	prefixIncidentApprovals = "noctuary:v1:incident-approvals:"
)

func keyIncidentApprovals(incidentID string) string { return prefixIncidentApprovals + incidentID }

// indexIncident records incident id in the index, once.
func (s *Store) indexIncident(ctx context.Context, id string) error {
	now := s.now()
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAddNX(ctx, keyIncidents, redis.Z{Score: float64(msID(now)), Member: id})
		p.ZRemRangeByScore(ctx, keyIncidents, "-inf", "("+strconv.FormatInt(msID(now.Add(-incidentTTL)), 10))
		return nil
	})
	return unavailable(err)
}

// Incidents returns up to limit incidents, newest first, skipping the
// offset newest, each with its triage when it has one, and how many
// incidents the index holds.
func (s *Store) Incidents(ctx context.Context, offset, limit int) ([]noctuary.IncidentSummary, int, error) {
	total, err := s.rdb.ZCard(ctx, keyIncidents).Result()
	if err != nil {
		return nil, 0, unavailable(err)
	}
	ids, err := s.rdb.ZRevRange(ctx, keyIncidents, int64(offset), int64(offset+limit-1)).Result()
	if err != nil || len(ids) == 0 {
		return nil, int(total), unavailable(err)
	}
	var out []noctuary.IncidentSummary
	for _, raw := range s.getEach(ctx, ids, keyIncident) {
		var st noctuary.IncidentState
		if raw != "" && json.Unmarshal([]byte(raw), &st) == nil {
			out = append(out, noctuary.IncidentSummary{State: st})
		}
	}
	triageIDs := make([]string, len(out))
	for i, in := range out {
		triageIDs[i] = in.State.TriageID
	}
	for i, raw := range s.getEach(ctx, triageIDs, keyTriage) {
		var t noctuary.Triage
		if raw != "" && json.Unmarshal([]byte(raw), &t) == nil {
			t = t.Compact()
			out[i].Triage = &t
		}
	}
	return out, int(total), nil
}

// getEach returns the string at key(id) of each id, "" for an empty id, a
// missing key or a failed read (a list shows what it can).
func (s *Store) getEach(ctx context.Context, ids []string, key func(string) string) []string {
	cmds := make([]*redis.StringCmd, len(ids))
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			if id != "" {
				cmds[i] = p.Get(ctx, key(id))
			}
		}
		return nil
	})
	out := make([]string, len(ids))
	for i, c := range cmds {
		if c != nil {
			out[i] = c.Val()
		}
	}
	return out
}

// indexApproval adds a to its incident's approvals, kept keep ms (an
// approval recorded again is indexed again, should the first index be lost).
func (s *Store) indexApproval(ctx context.Context, a noctuary.Approval, keep int64) error {
	k := keyIncidentApprovals(a.IncidentID)
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.SAdd(ctx, k, a.ID)
		p.PExpire(ctx, k, time.Duration(keep)*time.Millisecond)
		return nil
	})
	return unavailable(err)
}

// IncidentApprovals returns the approvals offered for an incident, oldest
// first (by id among those created in the same millisecond).
func (s *Store) IncidentApprovals(ctx context.Context, incidentID string) ([]noctuary.Approval, error) {
	ids, err := s.rdb.SMembers(ctx, keyIncidentApprovals(incidentID)).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	var out []noctuary.Approval
	for _, id := range ids {
		a, err := s.Approval(ctx, id)
		switch {
		case noctuary.ErrorCode(err) == noctuary.ENotFound:
		case err != nil:
			return nil, err
		default:
			out = append(out, a)
		}
	}
	// Created in the same millisecond (the stored precision), the id decides:
	// the order must not depend on the set's iteration order.
	slices.SortFunc(out, func(a, b noctuary.Approval) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// TriageVotes returns the engineers' votes on a triage of service, one per
// user (without the time they were given).
func (s *Store) TriageVotes(ctx context.Context, service, triageID string) ([]noctuary.Vote, error) {
	h, err := s.rdb.HGetAll(ctx, keyFeedbackVotes(service, triageID)).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	out := make([]noctuary.Vote, 0, len(h))
	for user, member := range h {
		// member: "<verdict> <engine> <triage> <user>" (voteMember).
		f := strings.Fields(member)
		if len(f) < 2 {
			continue
		}
		out = append(out, noctuary.Vote{Service: service, TriageID: triageID, Engine: f[1], User: user, Right: f[0] == "right"})
	}
	slices.SortFunc(out, func(a, b noctuary.Vote) int { return strings.Compare(a.User, b.User) })
	return out, nil
}
