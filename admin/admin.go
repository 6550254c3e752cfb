package admin

import (
	"context"
	"log/slog"
	"time"

	"github.com/noctuary/noctuary"
)

// DefaultRotationPeriod is how long a PagerDuty key may be used before its
// rotation is due.
const DefaultRotationPeriod = 90 * 24 * time.Hour

// Store is what Admin needs of the store (package store satisfies it).
type Store interface {
	Service(ctx context.Context, key string) (noctuary.Service, error)
	ServiceByPagerDutyID(ctx context.Context, pdServiceID string) (noctuary.Service, error)
	Services(ctx context.Context) ([]noctuary.Service, error)
	CreateServiceIfMissing(ctx context.Context, svc noctuary.Service) (bool, error)
	UpdateService(ctx context.Context, key string, fn func(*noctuary.Service) error) (noctuary.Service, error)
	GlobalPaused(ctx context.Context) (bool, error)
	SetGlobalPaused(ctx context.Context, paused bool) error
	Audit(ctx context.Context, e noctuary.AuditEntry) (string, error)
	AuditEntries(ctx context.Context, service string, limit int) ([]noctuary.AuditEntry, error)
	Integration(ctx context.Context, id string) (noctuary.Integration, error)
	Integrations(ctx context.Context) ([]noctuary.Integration, error)
	IntegrationForEnvironment(ctx context.Context, env string) (noctuary.Integration, error)
	KeyRecord(ctx context.Context, integrationID string) (noctuary.KeyRecord, error)
	RotateKey(ctx context.Context, integrationID string, ciphertext []byte) (noctuary.KeyRecord, error)
	ConfirmKey(ctx context.Context, integrationID string, ciphertext []byte) (bool, error)
	CreateIntegration(ctx context.Context, rec noctuary.IntegrationRecord) error
	IntegrationRecord(ctx context.Context, id string) (noctuary.IntegrationRecord, error)
	UpdateIntegrationRecord(ctx context.Context, id string, fn func(*noctuary.IntegrationRecord) error) (noctuary.IntegrationRecord, error)
	SetCredentialReport(ctx context.Context, integrationID string, r noctuary.CredentialReport) error
	CredentialReport(ctx context.Context, integrationID string) (*noctuary.CredentialReport, error)
	SecretSince(ctx context.Context, integrationID, kind, fingerprint string, now time.Time) (time.Time, error)
	ClaimReminder(ctx context.Context, key string, ttl time.Duration) (bool, error)
	ReleaseReminder(ctx context.Context, key string) error
}

// KeyChecker validates a PagerDuty key before it replaces the old one
// (Main wires it to pd.NewClient(...).CheckKey).
type KeyChecker interface {
	CheckKey(ctx context.Context, integ noctuary.Integration, token noctuary.Secret) error
}

// Options configures an Admin.
type Options struct {
	Store   Store
	Checker KeyChecker
	// Connections answers "check connection" (optional).
	Connections ConnectionChecker
	// Reporter says what a credential may do (optional: no reports).
	Reporter CredentialReporter
	// MasterKey (32 bytes, NOCTUARY_MASTER_KEY) encrypts rotated keys; key
	// rotation is refused without it.
	MasterKey []byte
	// RotationPeriod is how long a key may be used (default 90 days).
	RotationPeriod time.Duration
	Now            func() time.Time
	Logger         *slog.Logger
}

// Admin runs admin operations. It holds no state of its own: everything is
// in the store, so any replica may serve any request.
type Admin struct {
	opt Options
}

// New returns an Admin.
func New(opt Options) *Admin {
	if opt.RotationPeriod <= 0 {
		opt.RotationPeriod = DefaultRotationPeriod
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	return &Admin{opt: opt}
}

// Actor of the changes Noctuary makes on its own (confirming a rotated key).
const actorNoctuary = "noctuary"

// audit records one change (or refused change) and returns err, or the
// audit's own error when the change succeeded but could not be recorded.
func (a *Admin) audit(ctx context.Context, actor, action, service string, details map[string]string, err error) error {
	e := noctuary.AuditEntry{Time: a.opt.Now(), Actor: actor, Action: action, Service: service, Result: "ok", Details: details}
	if err != nil {
		e.Result = noctuary.ErrorCode(err)
		if e.Details == nil {
			e.Details = map[string]string{}
		}
		e.Details["error"] = noctuary.ErrorMessage(err)
	}
	if _, aerr := a.opt.Store.Audit(ctx, e); aerr != nil {
		a.opt.Logger.Error("audit entry lost", "action", action, "service", service, "actor", actor, "err", aerr)
		if err == nil {
			return noctuary.Wrap(aerr, noctuary.EUnavailable, "the change was made but could not be audited")
		}
	}
	return err
}

// Status returns the settings of service, or of every service when "".
func (a *Admin) Status(ctx context.Context, service string) ([]noctuary.Service, error) {
	if service == "" {
		return a.opt.Store.Services(ctx)
	}
	svc, err := a.service(ctx, service)
	if err != nil {
		return nil, err
	}
	return []noctuary.Service{svc}, nil
}

// Maximum number of audit entries AuditLog returns.
const maxAuditLimit = 1000

// AuditLog returns up to limit audit entries of service ("" = all), newest
// first.
func (a *Admin) AuditLog(ctx context.Context, service string, limit int) ([]noctuary.AuditEntry, error) {
	if service != "" {
		if err := validService(service); err != nil {
			return nil, err
		}
	}
	return a.opt.Store.AuditEntries(ctx, service, min(limit, maxAuditLimit))
}
