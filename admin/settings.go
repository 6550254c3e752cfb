package admin

import (
	"context"
	"slices"
	"strings"

	"github.com/noctuary/noctuary"
)

// Audit actions of the settings only the admin API and the dashboard
// change (the configuration file declares them too).
const (
	ActionChannel      = "service.channel"
	ActionDependencies = "service.dependencies"
)

// maxDependencies bounds a service's dependencies: each one's ContextEvents
// are read for every triage of the service.
const maxDependencies = 20

// SetChannel sets the Slack channel (an ID) of service's messages; ""
// removes it, so that no message is posted.
func (a *Admin) SetChannel(ctx context.Context, actor, service, channel string) (noctuary.Service, error) {
	svc, err := noctuary.Service{}, validChannel(channel)
	if err == nil {
		svc, err = a.update(ctx, service, func(s *noctuary.Service) error {
			s.SlackChannel = channel
			return nil
		})
	}
	return svc, a.audit(ctx, actor, ActionChannel, service, map[string]string{"channel": channel}, err)
}

// SetDependencies replaces the services whose ContextEvents count for
// service's incidents. Each must be a valid service key other than service
// itself (it need not be declared: events may arrive first); duplicates are
// dropped.
func (a *Admin) SetDependencies(ctx context.Context, actor, service string, deps []string) (noctuary.Service, error) {
	deps = slices.Compact(slices.Sorted(slices.Values(deps)))
	svc, err := noctuary.Service{}, validDependencies(service, deps)
	if err == nil {
		svc, err = a.update(ctx, service, func(s *noctuary.Service) error {
			s.Dependencies = deps
			return nil
		})
	}
	return svc, a.audit(ctx, actor, ActionDependencies, service, map[string]string{"dependencies": strings.Join(deps, ",")}, err)
}

func validDependencies(service string, deps []string) error {
	if len(deps) > maxDependencies {
		return noctuary.Errorf(noctuary.EInvalid, "a service may have at most %d dependencies, not %d", maxDependencies, len(deps))
	}
	for _, d := range deps {
		if err := validService(d); err != nil {
			return err
		}
		if d == service {
			return noctuary.Errorf(noctuary.EInvalid, "service %s cannot depend on itself", service)
		}
	}
	return nil
}
