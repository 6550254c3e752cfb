package store

import (
	"context"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
)

// keySeeded marks a Redis that holds what Open and Recover seed: the
// consumer groups, the integrations' records and the declared services. It
// vanishes with them (FLUSHALL, a failover to an empty replica), which is how
// a wipe is noticed with one EXISTS.
const keySeeded = "noctuary:v1:seeded"

// streamGroup is a consumer group of a stream, and the label its recovery is
// counted under.
type streamGroup struct{ stream, group, what string }

var (
	webhooksGroup = streamGroup{keyWebhooks, webhookGroup, "webhooks_group"}
	slackJobGroup = streamGroup{keySlackJobs, slackGroup, "slack_group"}
)

// newRecoveries returns the counter of recoveries, registered on reg unless
// it is nil.
func newRecoveries(reg prometheus.Registerer) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "noctuary_store_reseeds_total",
		Help: "Things Redis had lost and Noctuary recreated, by what (webhooks_group, slack_group, declared).",
	}, []string{"what"})
	if reg != nil {
		reg.MustRegister(c)
	}
	return c
}

// recovered logs and counts one recovery of something Redis lost.
func (s *Store) recovered(what, msg string, args ...any) {
	s.recoveries.WithLabelValues(what).Inc()
	s.log.Warn(msg, append([]any{"what", what}, args...)...)
}

// ensureGroup creates g (and its stream) unless it exists, reading the
// stream from its start so that no queued entry is skipped. created is false
// when the group was there.
func (s *Store) ensureGroup(ctx context.Context, g streamGroup) (created bool, err error) {
	err = s.rdb.XGroupCreateMkStream(ctx, g.stream, g.group, "0").Err()
	if err != nil && strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return false, nil
	}
	return err == nil, unavailable(err)
}

// groupLost reports whether err says that a stream's consumer group is gone:
// NOGROUP, or the error a blocked XREADGROUP gets when its stream is deleted
// (FLUSHALL included).
func groupLost(err error) bool {
	return isNoGroup(err) || (err != nil && strings.HasPrefix(err.Error(), "UNBLOCKED the stream key no longer exists"))
}

// ensureGroups creates the consumer groups of the webhook and Slack job
// queues unless they exist.
func (s *Store) ensureGroups(ctx context.Context) error {
	for _, g := range []streamGroup{webhooksGroup, slackJobGroup} {
		if _, err := s.ensureGroup(ctx, g); err != nil {
			return err
		}
	}
	return nil
}

// recreateGroup recreates g after Redis answered NOGROUP: the stream or the
// group is gone (a FLUSHALL, a failover to an empty replica).
func (s *Store) recreateGroup(ctx context.Context, g streamGroup) error {
	created, err := s.ensureGroup(ctx, g)
	if created {
		s.recovered(g.what, "Redis had lost a consumer group; recreated it (pending entries of the lost stream are gone)",
			"stream", g.stream, "group", g.group)
	}
	return err
}

// MarkSeeded records that Redis holds what start-up seeded (Open, then the
// declared services), so that Recover can tell when Redis loses it. The mark
// keeps the time it was first set: when Redis began to hold Noctuary's data
// (StartPosting asks PagerDuty about incidents older than that).
func (s *Store) MarkSeeded(ctx context.Context) error {
	return unavailable(s.rdb.SetNX(ctx, keySeeded, s.seededValue(), 0).Err())
}

// Recover checks that Redis still holds what was seeded and, when the mark
// is gone (Redis lost its data), recreates what is missing: the consumer
// groups, the integrations' records and the declared services
// (Options.Services), as declared. Settings that exist are never touched.
// It is cheap (one EXISTS) when nothing was lost; run it on a short period.
func (s *Store) Recover(ctx context.Context) error {
	n, err := s.rdb.Exists(ctx, keySeeded).Result()
	if err != nil || n == 1 {
		return unavailable(err)
	}
	restored, err := s.seed(ctx)
	if err != nil {
		return err
	}
	s.recovered("declared", "Redis had lost Noctuary's data; recreated the consumer groups, integrations and declared services",
		"restored", restored)
	return nil
}

// seed recreates whatever of the consumer groups, the integrations' records
// and the declared services (with their PagerDuty ID mappings) is missing,
// then sets the mark. It returns how many services and mappings it restored.
func (s *Store) seed(ctx context.Context) (restored int64, err error) {
	if err := s.ensureGroups(ctx); err != nil {
		return 0, err
	}
	if err := s.recordIntegrations(ctx); err != nil {
		return 0, err
	}
	for _, d := range s.opt.Services {
		created, err := s.CreateServiceIfMissing(ctx, d)
		if err != nil {
			return restored, err
		}
		if created {
			restored++
			continue
		}
		n, err := s.restoreIndex(ctx, d)
		if err != nil {
			return restored, err
		}
		restored += n
	}
	if err := s.markSchema(ctx); err != nil {
		return restored, err
	}
	return restored, s.MarkSeeded(ctx)
}

// restoreIndex puts back an existing declared service's entry in the service
// set and its PagerDuty ID mappings, where they are missing; a mapping that
// exists, even to another service, is kept. It returns how many it restored.
func (s *Store) restoreIndex(ctx context.Context, d noctuary.Service) (int64, error) {
	var cmds []interface{ Val() bool }
	var added *redis.IntCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		added = p.SAdd(ctx, keyServices, d.Key)
		for _, id := range d.PagerDutyServiceIDs {
			cmds = append(cmds, p.SetNX(ctx, keyPDService(id), d.Key, 0))
		}
		return nil
	})
	if err != nil {
		return 0, unavailable(err)
	}
	n := added.Val()
	for _, c := range cmds {
		if c.Val() {
			n++
		}
	}
	return n, nil
}

// restoreDeclared runs when a lookup found nothing: if the configuration
// declares what was looked up (declared reports it), it restores the
// declared records and reports true, so that the lookup is worth another try.
func (s *Store) restoreDeclared(ctx context.Context, declared func(noctuary.Service) bool, looked string) (bool, error) {
	if !slices.ContainsFunc(s.opt.Services, declared) {
		return false, nil
	}
	restored, err := s.seed(ctx)
	if err != nil {
		return false, err
	}
	if restored > 0 {
		s.recovered("declared", "Redis had lost declared services; recreated them", "looked_up", looked, "restored", restored)
	}
	return true, nil
}
