package store

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// postingTTL bounds a posting marker that was never cleared (its triage was
// delivered by another path, or its worker died for good): as long as a
// webhook entry's retry record.
const postingTTL = retryRecordTTL

func keyPosting(triageID string) string { return prefixPosting + triageID }

// startPostingScript marks a triage's note as being posted and says whether
// an earlier attempt may have posted it.
// KEYS[1] the triage's posting marker, KEYS[2] noctuary:v1:seeded;
// ARGV[1] the marker's lifetime (ms), ARGV[2] the incident's onset (unix ms).
// Returns 1 when the marker was already there (an earlier attempt got as far
// as posting and never learnt the outcome), or when Redis may have lost such
// a marker: the seeded mark is missing, or was set (Redis came back empty)
// after the onset. Otherwise 0.
var startPostingScript = redis.NewScript(`
local earlier = redis.call('SET', KEYS[1], '1', 'PX', ARGV[1], 'GET')
if earlier then return 1 end
local seeded = tonumber(redis.call('GET', KEYS[2]))
if not seeded or seeded > tonumber(ARGV[2]) then return 1 end
return 0
`)

// StartPosting marks the note of a triage as being posted, before the
// request that posts it. check is true when an earlier attempt may have
// posted it already, so that PagerDuty must be asked first: the marker was
// still there (that attempt died or failed without learning whether
// PagerDuty took the note), or Redis lost its data since the incident's
// onset (the marker may have gone with it).
func (s *Store) StartPosting(ctx context.Context, triageID string, onset time.Time) (check bool, err error) {
	keys := []string{keyPosting(triageID), keySeeded}
	n, err := startPostingScript.Run(ctx, s.rdb, keys, postingTTL.Milliseconds(), onset.UnixMilli()).Int()
	if err != nil {
		return false, unavailable(err)
	}
	return n == 1, nil
}

// EndPosting clears the marker of StartPosting: the note is delivered and
// kept as such, or surely was not posted.
func (s *Store) EndPosting(ctx context.Context, triageID string) error {
	return unavailable(s.rdb.Del(ctx, keyPosting(triageID)).Err())
}

// seededValue is the seeded mark's value: when Redis was (re)seeded, in unix
// ms by the injected clock.
func (s *Store) seededValue() string { return strconv.FormatInt(s.now().UnixMilli(), 10) }
