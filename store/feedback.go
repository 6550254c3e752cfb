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

// Feedback on hypotheses, all keys of a service in its hash slot:
// noctuary:v1:feedback:{<svc>}:<triage> holds each user's vote on one triage
// (user -> vote member), kept as long as the triage; :votes is a sorted set
// of the votes of the last noctuary.FeedbackRetention, scored by when they
// were given (injected clock, ms); :misses a sorted set of the misses
// ("<triage> <user>") of that span, each one's JSON at :miss:<triage>:<user>.
const feedbackVoteTTL = triageTTL

func keyFeedback(service string) string { return "noctuary:v1:feedback:{" + service + "}" }
func keyFeedbackVotes(service, triageID string) string {
	return keyFeedback(service) + ":" + triageID
}
func keyFeedbackLog(service string) string    { return keyFeedback(service) + ":votes" }
func keyFeedbackMisses(service string) string { return keyFeedback(service) + ":misses" }
func keyFeedbackMiss(service, triageID, user string) string {
	return keyFeedback(service) + ":miss:" + triageID + ":" + user
}

// feedbackScript records a user's vote on a triage, replacing an earlier
// one, and trims the service's votes and misses to the retention. A vote
// "right" withdraws the user's miss of that triage; a miss records it.
// KEYS[1] the triage's votes, KEYS[2] the service's votes, KEYS[3] its
// misses, KEYS[4] the user's miss of the triage; ARGV[1] user, ARGV[2] the
// vote's member, ARGV[3] now (ms), ARGV[4] the triage votes' lifetime (ms),
// ARGV[5] the retention (ms), ARGV[6] the miss's member, ARGV[7] the miss's
// JSON ("" for a plain vote). Returns 1 when the vote changed.
var feedbackScript = redis.NewScript(`
local prev = redis.call('HGET', KEYS[1], ARGV[1])
local changed = prev ~= ARGV[2]
if changed then
  if prev then redis.call('ZREM', KEYS[2], prev) end
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
end
if ARGV[7] ~= '' then
  redis.call('SET', KEYS[4], ARGV[7], 'PX', ARGV[5])
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[6])
elseif string.sub(ARGV[2], 1, 6) == 'right ' then
  redis.call('DEL', KEYS[4])
  redis.call('ZREM', KEYS[3], ARGV[6])
end
local cutoff = '(' .. (tonumber(ARGV[3]) - tonumber(ARGV[5]))
for i = 2, 3 do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', cutoff)
  redis.call('PEXPIRE', KEYS[i], ARGV[5])
end
if changed then return 1 end
return 0
`)

// RecordFeedback records v (its At is the store's clock). A user has one
// vote per triage: voting again replaces it, and "right" withdraws the
// user's miss of that triage.
func (s *Store) RecordFeedback(ctx context.Context, v noctuary.Vote) error {
	return s.vote(ctx, v, "")
}

// RecordMiss records m: the user's vote "wrong" on its triage, and the
// cause they named, kept for noctuary.FeedbackRetention. A user has one miss
// per triage: a later one replaces it.
func (s *Store) RecordMiss(ctx context.Context, m noctuary.Miss) error {
	m.At = s.now()
	m.Triage.Note, m.Triage.NoteID = "", ""
	raw, err := json.Marshal(m)
	if err != nil {
		return noctuary.Wrap(err, noctuary.EInvalid, "the miss cannot be encoded")
	}
	v := noctuary.Vote{Service: m.Triage.Service, TriageID: m.Triage.ID, Engine: m.Triage.Engine, User: m.User}
	return s.vote(ctx, v, string(raw))
}

func (s *Store) vote(ctx context.Context, v noctuary.Vote, miss string) error {
	if !noctuary.ValidServiceKey(v.Service) || !noctuary.ValidServiceKey(v.TriageID) || !validUser(v.User) {
		return noctuary.Errorf(noctuary.EInvalid, "feedback needs a service, a triage ID and a user")
	}
	keys := []string{keyFeedbackVotes(v.Service, v.TriageID), keyFeedbackLog(v.Service),
		keyFeedbackMisses(v.Service), keyFeedbackMiss(v.Service, v.TriageID, v.User)}
	err := feedbackScript.Run(ctx, s.rdb, keys, v.User, voteMember(v), s.now().UnixMilli(),
		feedbackVoteTTL/time.Millisecond, noctuary.FeedbackRetention/time.Millisecond,
		v.TriageID+" "+v.User, miss).Err()
	return unavailable(err)
}

// validUser accepts a Slack user ID: no spaces, which separate a vote's
// fields, and no braces, which would change the keys' hash slot.
func validUser(u string) bool {
	return u != "" && len(u) <= 64 && !strings.ContainsAny(u, " {}\t\r\n")
}

// voteMember encodes a vote in the service's votes set: "<right|wrong>
// <engine> <triage> <user>", the engine's spaces replaced.
func voteMember(v noctuary.Vote) string {
	verdict := "wrong"
	if v.Right {
		verdict = "right"
	}
	engine := strings.Join(strings.Fields(v.Engine), "_")
	if engine == "" {
		engine = "unknown"
	}
	return verdict + " " + engine + " " + v.TriageID + " " + v.User
}

// FeedbackPrecision returns the service's verdicts over each of
// noctuary.FeedbackWindows, as of the store's clock.
func (s *Store) FeedbackPrecision(ctx context.Context, service string) ([]noctuary.WindowPrecision, error) {
	now := s.now()
	if !noctuary.ValidServiceKey(service) {
		return noctuary.PrecisionOver(nil, now), nil
	}
	zs, err := s.rdb.ZRangeByScoreWithScores(ctx, keyFeedbackLog(service), &redis.ZRangeBy{
		Min: strconv.FormatInt(now.Add(-noctuary.FeedbackRetention).UnixMilli(), 10), Max: "+inf"}).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	votes := make([]noctuary.Vote, 0, len(zs))
	for _, z := range zs {
		f := strings.Fields(z.Member.(string))
		if len(f) != 4 {
			continue
		}
		votes = append(votes, noctuary.Vote{Service: service, Right: f[0] == "right", Engine: f[1],
			TriageID: f[2], User: f[3], At: time.UnixMilli(int64(z.Score))})
	}
	return noctuary.PrecisionOver(votes, now), nil
}

// Misses returns the misses of every known service recorded in the last
// noctuary.FeedbackRetention, oldest first within a service.
func (s *Store) Misses(ctx context.Context) ([]noctuary.Miss, error) {
	keys, err := s.rdb.SMembers(ctx, keyServices).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	slices.Sort(keys)
	var out []noctuary.Miss
	for _, svc := range keys {
		ms, err := s.serviceMisses(ctx, svc)
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
	}
	return out, nil
}

func (s *Store) serviceMisses(ctx context.Context, service string) ([]noctuary.Miss, error) {
	since := strconv.FormatInt(s.now().Add(-noctuary.FeedbackRetention).UnixMilli(), 10)
	members, err := s.rdb.ZRangeByScore(ctx, keyFeedbackMisses(service), &redis.ZRangeBy{Min: since, Max: "+inf"}).Result()
	if err != nil || len(members) == 0 {
		return nil, unavailable(err)
	}
	keys := make([]string, 0, len(members))
	for _, m := range members {
		if triage, user, ok := strings.Cut(m, " "); ok {
			keys = append(keys, keyFeedbackMiss(service, triage, user))
		}
	}
	raws, err := s.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	out := make([]noctuary.Miss, 0, len(raws))
	for i, raw := range raws {
		str, ok := raw.(string)
		if !ok {
			continue // expired between the two reads
		}
		var m noctuary.Miss
		if err := json.Unmarshal([]byte(str), &m); err != nil {
			return nil, noctuary.Wrap(err, noctuary.EInternal, "the miss at "+keys[i]+" is damaged")
		}
		out = append(out, m)
	}
	return out, nil
}
