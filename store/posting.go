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

// StartPosting marks the note of a triage as being posted, before the
// request that posts it. check is true when an earlier attempt may have
// posted it already, so that PagerDuty must be asked first: the marker was
// still there (that attempt died or failed without learning whether
// PagerDuty took the note), or Redis lost its data since the incident's
// onset (the marker may have gone with it): the seeded mark is missing, or
// was set (Redis came back empty) after the onset.
//
// The marker is set first, then the mark read, in one round trip but not
// one script: they live in different hash slots. Redis losing its data in
// between makes the mark missing, so check is true: the safe side.
func (s *Store) StartPosting(ctx context.Context, triageID string, onset time.Time) (check bool, err error) {
	var earlier *redis.StatusCmd
	var seeded *redis.StringCmd
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		earlier = p.SetArgs(ctx, keyPosting(triageID), "1", redis.SetArgs{TTL: postingTTL, Get: true})
		seeded = p.Get(ctx, keySeeded)
		return nil
	})
	for _, c := range []redis.Cmder{earlier, seeded} {
		if err := c.Err(); err != nil && !isNil(err) {
			return false, unavailable(err)
		}
	}
	if earlier.Err() == nil { // the marker was there
		return true, nil
	}
	at, err := seeded.Int64()
	return err != nil || at > onset.UnixMilli(), nil
}

// EndPosting clears the marker of StartPosting: the note is delivered and
// kept as such, or surely was not posted.
func (s *Store) EndPosting(ctx context.Context, triageID string) error {
	return unavailable(s.rdb.Del(ctx, keyPosting(triageID)).Err())
}

// seededValue is the seeded mark's value: when Redis was (re)seeded, in unix
// ms by the injected clock.
func (s *Store) seededValue() string { return strconv.FormatInt(s.now().UnixMilli(), 10) }
