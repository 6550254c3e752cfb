package store

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/noctuary/noctuary"
)

// keyRollout is the stream of rollout records (doc.go), trimmed like the
// audit log.
const keyRollout = "noctuary:v1:rollout"

// rolloutPage is how many records RolloutRecords reads at a time.
const rolloutPage = 1000

// RecordRollout appends a rollout record, kept for the audit retention. A
// zero r.Time is set to now.
func (s *Store) RecordRollout(ctx context.Context, r noctuary.RolloutRecord) error {
	now := s.now()
	if r.Time.IsZero() {
		r.Time = now
	}
	b, err := json.Marshal(r)
	if err != nil {
		return noctuary.Wrap(err, noctuary.EInvalid, "the rollout record cannot be encoded")
	}
	return unavailable(appendScript.Run(ctx, s.rdb, []string{keyRollout}, msID(now), msID(now.Add(-s.opt.AuditRetention)), b).Err())
}

// RolloutRecords returns the rollout records written from since on, oldest
// first.
func (s *Store) RolloutRecords(ctx context.Context, since time.Time) ([]noctuary.RolloutRecord, error) {
	var out []noctuary.RolloutRecord
	start := strconv.FormatInt(msID(since), 10)
	for {
		page, err := s.rdb.XRangeN(ctx, keyRollout, start, "+", rolloutPage).Result()
		if err != nil {
			return nil, unavailable(err)
		}
		for _, m := range page {
			var r noctuary.RolloutRecord
			if json.Unmarshal([]byte(str(m.Values[fieldEvent])), &r) == nil {
				out = append(out, r)
			}
		}
		if len(page) < rolloutPage {
			return out, nil
		}
		start = "(" + page[len(page)-1].ID
	}
}
