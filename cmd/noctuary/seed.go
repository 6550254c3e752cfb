package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/admin"
)

// serviceStore is what seeding needs of the store.
type serviceStore interface {
	CreateServiceIfMissing(ctx context.Context, svc noctuary.Service) (bool, error)
	UpdateService(ctx context.Context, key string, fn func(*noctuary.Service) error) (noctuary.Service, error)
	Audit(ctx context.Context, e noctuary.AuditEntry) (string, error)
}

// seedServices applies the configuration file to the live state (docs/architecture.md, "Configuration"):
// a declared service missing from Redis is created as declared; for one that
// exists, the settings only the file declares are refreshed from it, and the
// settings admins change live (enabled, mode, Slack channel, approvers) are
// kept, so a Slack `disable` survives a restart, unless the service says
// settings_source: file. Every difference is logged, with the side that won;
// a setting the file restores is audited as config:file.
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
		var drifts []noctuary.Drift
		_, err = s.UpdateService(ctx, d.Key, func(live *noctuary.Service) error {
			live.Environment = d.Environment
			live.PagerDutyServiceIDs = d.PagerDutyServiceIDs
			live.Dependencies = d.Dependencies
			live.ApproveOncall = d.ApproveOncall
			live.AutoAcknowledge = d.AutoAcknowledge
			live.LLM = d.LLM
			drifts = noctuary.SettingsDrift(d, *live)
			for _, dr := range drifts {
				if dr.Wins == noctuary.SettingsFile {
					noctuary.ApplySetting(live, d, dr.Field)
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("refreshing service %s from the configuration file: %w", d.Key, err)
		}
		reportDrift(ctx, s, drifts, logger)
	}
	return nil
}

// driftActions are the audit actions of live settings set from the file.
var driftActions = map[string]string{
	"mode": admin.ActionMode, "slack_channel": admin.ActionChannel, "approvers": "service.approvers",
}

// reportDrift logs each difference between the file and the live settings,
// and audits those the file won.
func reportDrift(ctx context.Context, s serviceStore, drifts []noctuary.Drift, logger *slog.Logger) {
	for _, dr := range drifts {
		logger.Warn("configuration drift: the file and the live settings differ", "service", dr.Service,
			"field", dr.Field, "file", dr.File, "live", dr.Live, "wins", string(dr.Wins))
		if dr.Wins != noctuary.SettingsFile {
			continue
		}
		action := driftActions[dr.Field]
		if dr.Field == "enabled" {
			action = admin.ActionDisable
			if dr.File == "true" {
				action = admin.ActionEnable
			}
		}
		e := noctuary.AuditEntry{Actor: noctuary.ActorConfigFile, Action: action, Service: dr.Service, Result: "ok",
			Details: map[string]string{"field": dr.Field, "file": dr.File, "live": dr.Live,
				"reason": "settings_source: file; the configuration file wins at start-up"}}
		if _, err := s.Audit(ctx, e); err != nil {
			logger.Error("audit entry lost", "action", action, "service", dr.Service, "error", err)
		}
	}
}
