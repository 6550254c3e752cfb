package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/noctuary/noctuary"
)

// serviceStore is what seeding needs of the store.
type serviceStore interface {
	CreateServiceIfMissing(ctx context.Context, svc noctuary.Service) (bool, error)
	UpdateService(ctx context.Context, key string, fn func(*noctuary.Service) error) (noctuary.Service, error)
}

// seedServices applies the configuration file to the live state (docs/architecture.md, "Configuration"):
// a declared service missing from Redis is created as declared; for one that
// exists, the settings admins change live (enabled, mode, paused, Slack
// channel, approvers) are kept, so a Slack `disable` survives a restart, and
// the settings only the file declares are refreshed from it.
func seedServices(ctx context.Context, s serviceStore, declared []noctuary.Service, logger *slog.Logger) error {
	for _, d := range declared {
		created, err := s.CreateServiceIfMissing(ctx, d)
		if err != nil {
			return fmt.Errorf("creating service %s from the configuration file: %w", d.Key, err)
		}
		if created {
			logger.Info("service created from the configuration file", "service", d.Key, "enabled", d.Enabled, "mode", d.Mode)
			continue
		}
		_, err = s.UpdateService(ctx, d.Key, func(live *noctuary.Service) error {
			live.Environment = d.Environment
			live.PagerDutyServiceIDs = d.PagerDutyServiceIDs
			live.Dependencies = d.Dependencies
			live.ApproveOncall = d.ApproveOncall
			live.AutoAcknowledge = d.AutoAcknowledge
			live.LLM = d.LLM
			return nil
		})
		if err != nil {
			return fmt.Errorf("refreshing service %s from the configuration file: %w", d.Key, err)
		}
	}
	return nil
}
