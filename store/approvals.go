package store

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
)

// Approvals: noctuary:v1:approval:<id>, a hash kept until 7 days after the
// approval expires.
const (
	prefixApproval = "noctuary:v1:approval:"
	// approvalKeep is how long an approval is kept after it expires.
	approvalKeep = 7 * 24 * time.Hour
)

func keyApproval(id string) string { return prefixApproval + id }

// createApprovalScript writes an approval unless it exists.
// KEYS[1] the approval; ARGV[1] the key's lifetime (ms, relative: Redis'
// own clock never meets the injected one), then field/value pairs. Returns 1
// when written, 0 when it existed.
var createApprovalScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`)

// transitionScript moves an approval from one state to another, atomically.
// KEYS[1] the approval; ARGV[1] from, ARGV[2] to, ARGV[3] by, ARGV[4]
// result, ARGV[5] now (unix ms), ARGV[6] the runner. Leaving "pending"
// records who decided, when, and the runner; a pending approval past its
// expiry becomes "expired" instead.
// Returns {outcome, fields} with outcome ok | missing | conflict | expired.
var transitionScript = redis.NewScript(`
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'missing', {}} end
if state ~= ARGV[1] then return {'conflict', redis.call('HGETALL', KEYS[1])} end
if state == 'pending' and ARGV[2] ~= 'expired' and tonumber(redis.call('HGET', KEYS[1], 'expires_at')) <= tonumber(ARGV[5]) then
  redis.call('HSET', KEYS[1], 'state', 'expired')
  return {'expired', redis.call('HGETALL', KEYS[1])}
end
redis.call('HSET', KEYS[1], 'state', ARGV[2])
if state == 'pending' then redis.call('HSET', KEYS[1], 'decided_by', ARGV[3], 'decided_at', ARGV[5], 'runner', ARGV[6]) end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'result', ARGV[4]) end
return {'ok', redis.call('HGETALL', KEYS[1])}
`)

// transitions are the state changes TransitionApproval allows.
var transitions = map[noctuary.ApprovalState][]noctuary.ApprovalState{
	noctuary.ApprovalPending: {noctuary.ApprovalRunning, noctuary.ApprovalRejected, noctuary.ApprovalExpired},
	noctuary.ApprovalRunning: {noctuary.ApprovalDone, noctuary.ApprovalFailed, noctuary.ApprovalUnknown},
}

// CreateApproval records a new pending approval, kept until 7 days after
// a.ExpiresAt. It returns EConflict when an approval with that ID exists.
func (s *Store) CreateApproval(ctx context.Context, a noctuary.Approval) error {
	if !noctuary.ValidServiceKey(a.ID) || a.ExpiresAt.IsZero() {
		return noctuary.Errorf(noctuary.EInvalid, "an approval needs an ID of letters, digits, '.', '_' or '-' and an expiry")
	}
	if a.State == "" {
		a.State = noctuary.ApprovalPending
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = s.now()
	}
	// The lifetime is relative to the store's clock, never an absolute time:
	// Redis would measure that against its own clock.
	keep := max(a.ExpiresAt.Add(approvalKeep).Sub(s.now()).Milliseconds(), 1)
	args := append([]any{keep}, approvalFields(a)...)
	created, err := createApprovalScript.Run(ctx, s.rdb, []string{keyApproval(a.ID)}, args...).Int()
	if err != nil {
		return unavailable(err)
	}
	if err := s.indexApproval(ctx, a, keep); err != nil {
		return err
	}
	if created == 0 {
		return noctuary.Errorf(noctuary.EConflict, "approval %s already exists", a.ID)
	}
	// The rollout review counts the offer; a lost count never fails it.
	if err := s.RecordRollout(ctx, noctuary.RolloutRecord{Kind: noctuary.RolloutProposed, Service: a.Service,
		Incident: a.IncidentID, Known: true, Action: a.Action}); err != nil {
		s.log.Warn("the rollout record of an offered action is lost", "approval", a.ID, "error", err)
	}
	return nil
}

// Approval returns the approval id.
func (s *Store) Approval(ctx context.Context, id string) (noctuary.Approval, error) {
	if !noctuary.ValidServiceKey(id) {
		return noctuary.Approval{}, approvalNotFound(id)
	}
	h, err := s.rdb.HGetAll(ctx, keyApproval(id)).Result()
	if err != nil {
		return noctuary.Approval{}, unavailable(err)
	}
	if len(h) == 0 {
		return noctuary.Approval{}, approvalNotFound(id)
	}
	return parseApproval(id, h), nil
}

// TransitionApproval moves approval id from state from to state to in one
// atomic compare-and-set, recording by (who decided, when leaving pending)
// and result (when not empty). When the approval is not in state from it
// returns the approval as it stands and EConflict; a pending approval past
// its expiry becomes expired, and is returned with EInvalid.
func (s *Store) TransitionApproval(ctx context.Context, id string, from, to noctuary.ApprovalState, by, result string) (noctuary.Approval, error) {
	return s.transition(ctx, id, from, to, by, result, "")
}

// RunApproval moves approval id from pending to running for by, recording
// runner, the run that now owns it; otherwise as TransitionApproval.
func (s *Store) RunApproval(ctx context.Context, id, by, runner string) (noctuary.Approval, error) {
	return s.transition(ctx, id, noctuary.ApprovalPending, noctuary.ApprovalRunning, by, "", runner)
}

func (s *Store) transition(ctx context.Context, id string, from, to noctuary.ApprovalState, by, result, runner string) (noctuary.Approval, error) {
	if !allowed(from, to) {
		return noctuary.Approval{}, noctuary.Errorf(noctuary.EInvalid, "an approval cannot go from %s to %s", from, to)
	}
	if !noctuary.ValidServiceKey(id) {
		return noctuary.Approval{}, approvalNotFound(id)
	}
	now := s.now()
	reply, err := transitionScript.Run(ctx, s.rdb, []string{keyApproval(id)},
		string(from), string(to), by, result, msID(now), runner).Slice()
	if err != nil {
		return noctuary.Approval{}, unavailable(err)
	}
	outcome, _ := reply[0].(string)
	fields, _ := reply[1].([]any)
	a := parseApproval(id, pairs(fields))
	switch outcome {
	case "ok":
		return a, nil
	case "conflict":
		return a, noctuary.Errorf(noctuary.EConflict, "approval %s is already %s", id, a.State)
	case "expired":
		return a, noctuary.Errorf(noctuary.EInvalid, "this approval expired at %s", a.ExpiresAt.UTC().Format("2006-01-02 15:04:05 UTC"))
	default:
		return noctuary.Approval{}, approvalNotFound(id)
	}
}

func allowed(from, to noctuary.ApprovalState) bool {
	for _, t := range transitions[from] {
		if t == to {
			return true
		}
	}
	return false
}

func approvalNotFound(id string) error {
	return notFound("approval %q does not exist (approvals are kept 7 days after they expire)", id)
}

func approvalFields(a noctuary.Approval) []any {
	params, _ := json.Marshal(a.Params) // a map[string]string always encodes
	f := []any{
		"triage_id", a.TriageID, "incident_id", a.IncidentID, "service", a.Service, "action", a.Action,
		"params", string(params), "destructive", strconv.FormatBool(a.Destructive), "state", string(a.State),
		"created_at", msID(a.CreatedAt), "expires_at", msID(a.ExpiresAt), "decided_by", a.DecidedBy, "result", a.Result,
	}
	if !a.DecidedAt.IsZero() {
		f = append(f, "decided_at", msID(a.DecidedAt))
	}
	return f
}

func parseApproval(id string, h map[string]string) noctuary.Approval {
	a := noctuary.Approval{
		ID: id, TriageID: h["triage_id"], IncidentID: h["incident_id"], Service: h["service"], Action: h["action"],
		Destructive: h["destructive"] == "true", State: noctuary.ApprovalState(h["state"]),
		CreatedAt: msTime(h["created_at"]), ExpiresAt: msTime(h["expires_at"]),
		DecidedBy: h["decided_by"], DecidedAt: msTime(h["decided_at"]), Result: h["result"], Runner: h["runner"],
	}
	_ = json.Unmarshal([]byte(h["params"]), &a.Params) // corrupt params read as none
	return a
}

// msTime parses unix milliseconds; "" or garbage is the zero time.
func msTime(s string) time.Time {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// pairs turns a Lua HGETALL reply into a map.
func pairs(l []any) map[string]string {
	m := make(map[string]string, len(l)/2)
	for i := 0; i+1 < len(l); i += 2 {
		k, _ := l[i].(string)
		v, _ := l[i+1].(string)
		m[k] = v
	}
	return m
}
