package main

import (
	"cmp"
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

// seedRule says which side wins a drift and why, as audited.
type seedRule struct {
	// explicit is noctuary config apply: the file wins every drift and
	// each service created is audited too. Otherwise (start-up) each
	// service's settings_source decides.
	explicit bool
	// reason is the audit entries' reason.
	reason string
}

var (
	atStartUp = seedRule{reason: "settings_source: file; the configuration file wins at start-up"}
	byApply   = seedRule{explicit: true, reason: "noctuary config apply: the configuration file wins"}
)

// seedChange is one change seeding made to the live state: a service
// created as declared, or a setting set to the file's value.
type seedChange struct {
	created *noctuary.Service
	drift   noctuary.Drift
}

// seedServices applies the configuration file to the live state (docs/architecture.md, "Configuration"):
// a declared service missing from Redis is created as declared; for one that
// exists, the settings only the file declares are refreshed from it, and the
// settings admins change live (enabled, mode, Slack channel, approvers) are
// kept, so a Slack `disable` survives a restart, unless the service says
// settings_source: file. Every difference is logged, with the side that won;
// a setting the file restores is audited as config:file.
func seedServices(ctx context.Context, s serviceStore, declared []noctuary.Service, logger *slog.Logger) error {
	_, err := applyServices(ctx, s, declared, logger, atStartUp)
	return err
}

// applyServices creates the declared services s lacks, refreshes the
// settings only the file declares, and sets the live settings that rule
// gives to the file, logging and auditing as seedServices says. It returns
// the changes made, in declared order.
func applyServices(ctx context.Context, s serviceStore, declared []noctuary.Service, logger *slog.Logger, rule seedRule) ([]seedChange, error) {
	var changes []seedChange
	for _, d := range declared {
		created, err := s.CreateServiceIfMissing(ctx, d)
		if err != nil {
			return changes, fmt.Errorf("creating service %s from the configuration file: %w", d.Key, err)
		}
		if created {
			logger.Info("service created from the configuration file", "service", d.Key, "enabled", d.Enabled, "mode", d.Mode)
			if rule.explicit {
				auditFile(ctx, s, admin.ActionCreate, d.Key, map[string]string{"environment": d.Environment, "reason": rule.reason}, logger)
			}
			changes = append(changes, seedChange{created: &d})
			continue
		}
		var drifts []noctuary.Drift
		_, err = s.UpdateService(ctx, d.Key, func(live *noctuary.Service) error {
			var fileOnly []noctuary.Drift
			if rule.explicit { // said and audited; at start-up they are refreshed quietly
				fileOnly = noctuary.FileSettingsDrift(d, *live)
			}
			live.Environment = d.Environment
			live.PagerDutyServiceIDs = d.PagerDutyServiceIDs
			live.Dependencies = d.Dependencies
			live.ApproveOncall = d.ApproveOncall
			live.AutoAcknowledge = d.AutoAcknowledge
			live.LLM = d.LLM
			drifts = noctuary.SettingsDrift(d, *live)
			for i, dr := range drifts {
				if rule.explicit {
					drifts[i].Wins = noctuary.SettingsFile
				}
				if drifts[i].Wins == noctuary.SettingsFile {
					noctuary.ApplySetting(live, d, dr.Field)
				}
			}
			drifts = append(drifts, fileOnly...)
			return nil
		})
		if err != nil {
			return changes, fmt.Errorf("refreshing service %s from the configuration file: %w", d.Key, err)
		}
		for _, dr := range reportDrift(ctx, s, drifts, logger, rule.reason) {
			changes = append(changes, seedChange{drift: dr})
		}
	}
	return changes, nil
}

// driftActions are the audit actions of live settings set from the file;
// a setting only the file declares is audited as service.settings.
var driftActions = map[string]string{
	"mode": admin.ActionMode, "slack_channel": admin.ActionChannel, "approvers": "service.approvers",
}

// reportDrift logs each difference between the file and the live settings,
// audits those the file won with reason, and returns them.
func reportDrift(ctx context.Context, s serviceStore, drifts []noctuary.Drift, logger *slog.Logger, reason string) []noctuary.Drift {
	var won []noctuary.Drift
	for _, dr := range drifts {
		logger.Warn("configuration drift: the file and the live settings differ", "service", dr.Service,
			"field", dr.Field, "file", dr.File, "live", dr.Live, "wins", string(dr.Wins))
		if dr.Wins != noctuary.SettingsFile {
			continue
		}
		won = append(won, dr)
		action := cmp.Or(driftActions[dr.Field], "service.settings")
		if dr.Field == "enabled" {
			action = admin.ActionDisable
			if dr.File == "true" {
				action = admin.ActionEnable
			}
		}
		auditFile(ctx, s, action, dr.Service, map[string]string{"field": dr.Field, "file": dr.File, "live": dr.Live, "reason": reason}, logger)
	}
	return won
}

// auditFile records a change the configuration file made, as config:file.
func auditFile(ctx context.Context, s serviceStore, action, service string, details map[string]string, logger *slog.Logger) {
	e := noctuary.AuditEntry{Actor: noctuary.ActorConfigFile, Action: action, Service: service, Result: "ok", Details: details}
	if _, err := s.Audit(ctx, e); err != nil {
		logger.Error("audit entry lost", "action", action, "service", service, "error", err)
	}
}
