package admin

import (
	"context"
	"fmt"
	"strings"

	"github.com/noctuary/noctuary"
)

// Create makes a new service, read-only and not enabled (Enable opts it
// in), with the LLM allowed. It refuses a key that exists, an environment
// without an integration, and a PagerDuty service ID bound to another
// service. One audit entry records the attempt, whatever its outcome.
func (a *Admin) Create(ctx context.Context, actor string, spec noctuary.NewService) (noctuary.Service, error) {
	details := map[string]string{"environment": spec.Environment, "pagerduty_service_ids": strings.Join(spec.PagerDutyServiceIDs, ",")}
	if spec.Channel != "" {
		details["channel"] = spec.Channel
	}
	svc, err := a.create(ctx, spec)
	return svc, a.audit(ctx, actor, ActionCreate, spec.Key, details, err)
}

func (a *Admin) create(ctx context.Context, spec noctuary.NewService) (noctuary.Service, error) {
	if err := a.validNewService(ctx, spec); err != nil {
		return noctuary.Service{}, err
	}
	svc := noctuary.Service{Key: spec.Key, Environment: spec.Environment, PagerDutyServiceIDs: spec.PagerDutyServiceIDs,
		Mode: noctuary.ModeReadOnly, LLM: true, SlackChannel: spec.Channel}
	created, err := a.opt.Store.CreateServiceIfMissing(ctx, svc)
	switch {
	case err != nil:
		return noctuary.Service{}, err
	case !created:
		return noctuary.Service{}, exists(spec.Key)
	}
	return a.opt.Store.Service(ctx, spec.Key)
}

func (a *Admin) validNewService(ctx context.Context, spec noctuary.NewService) error {
	if err := validService(spec.Key); err != nil {
		return err
	}
	if err := validChannel(spec.Channel); err != nil {
		return err
	}
	if _, err := a.opt.Store.Service(ctx, spec.Key); err == nil {
		return exists(spec.Key)
	}
	if _, err := a.opt.Store.IntegrationForEnvironment(ctx, spec.Environment); err != nil {
		return noctuary.Errorf(noctuary.EInvalid, "environment %q has no PagerDuty integration; define it in the configuration file first", spec.Environment)
	}
	if len(spec.PagerDutyServiceIDs) == 0 {
		return noctuary.Errorf(noctuary.EInvalid, "service %s needs a PagerDuty service ID (P…): its incidents are how Noctuary knows the service", spec.Key)
	}
	for _, id := range spec.PagerDutyServiceIDs {
		if err := a.freePagerDutyID(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// freePagerDutyID checks that id is a PagerDuty service ID bound to no
// service yet.
func (a *Admin) freePagerDutyID(ctx context.Context, id string) error {
	if !pagerDutyID.MatchString(id) {
		return noctuary.Errorf(noctuary.EInvalid, "%q is not a PagerDuty service ID (capital letters and digits, e.g. PABC123)", id)
	}
	owner, err := a.opt.Store.ServiceByPagerDutyID(ctx, id)
	switch {
	case err == nil:
		return noctuary.Errorf(noctuary.EConflict, "PagerDuty service %s already belongs to service %s", id, owner.Key)
	case noctuary.ErrorCode(err) != noctuary.ENotFound:
		return err
	}
	return nil
}

func exists(key string) error {
	return noctuary.Errorf(noctuary.EConflict, "service %s already exists; change it with enable, mode or approvers", key)
}

// unknownService is the refusal of an operation on a service that does not
// exist, suggesting the nearest known key.
func (a *Admin) unknownService(ctx context.Context, key string) error {
	msg := fmt.Sprintf("service %s is not known", key)
	if svcs, err := a.opt.Store.Services(ctx); err == nil {
		keys := make([]string, len(svcs))
		for i, s := range svcs {
			keys[i] = s.Key
		}
		if near := nearest(key, keys); near != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", near)
		}
	}
	return noctuary.Errorf(noctuary.ENotFound, "%s. A new service is declared in the configuration file or created with /noctuary create %s <environment> <PagerDuty service ID>.", msg, key)
}
