package store

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
)

// Feedback on hypotheses: noctuary:v1:feedback:{<svc>} is a hash of the
// service's counts ("right", "wrong"); noctuary:v1:feedback:{<svc>}:<triage>
// holds each user's vote on one triage, kept as long as the triage.
const feedbackVoteTTL = triageTTL

func keyFeedback(service string) string { return "noctuary:v1:feedback:{" + service + "}" }
func keyFeedbackVotes(service, triageID string) string {
	return keyFeedback(service) + ":" + triageID
}

// feedbackScript records a user's vote, replacing an earlier one.
// KEYS[1] the triage's votes, KEYS[2] the service's counts; ARGV[1] user,
// ARGV[2] vote ("right" or "wrong"), ARGV[3] the votes' lifetime (ms).
var feedbackScript = redis.NewScript(`
local prev = redis.call('HGET', KEYS[1], ARGV[1])
if prev == ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if prev then redis.call('HINCRBY', KEYS[2], prev, -1) end
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
return 1
`)

// RecordFeedback records whether user found the hypothesis of triageID right.
// A user has one vote per triage: voting again replaces it.
func (s *Store) RecordFeedback(ctx context.Context, service, triageID, user string, right bool) error {
	if !noctuary.ValidServiceKey(service) || !noctuary.ValidServiceKey(triageID) || user == "" {
		return noctuary.Errorf(noctuary.EInvalid, "feedback needs a service, a triage ID and a user")
	}
	vote := "wrong"
	if right {
		vote = "right"
	}
	keys := []string{keyFeedbackVotes(service, triageID), keyFeedback(service)}
	err := feedbackScript.Run(ctx, s.rdb, keys, user, vote, feedbackVoteTTL/time.Millisecond).Err()
	return unavailable(err)
}

// FeedbackCounts returns how many votes found the service's hypotheses right
// and wrong.
func (s *Store) FeedbackCounts(ctx context.Context, service string) (right, wrong int, err error) {
	if !noctuary.ValidServiceKey(service) {
		return 0, 0, nil
	}
	h, err := s.rdb.HGetAll(ctx, keyFeedback(service)).Result()
	if err != nil {
		return 0, 0, unavailable(err)
	}
	right, _ = strconv.Atoi(h["right"])
	wrong, _ = strconv.Atoi(h["wrong"])
	return right, wrong, nil
}
