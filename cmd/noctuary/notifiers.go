package main

import (
	"context"
	"log/slog"
	"sync"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/agent"
	"github.com/noctuary/noctuary/pd"
)

// integrations is what the PagerDuty client factory needs of the store.
type integrations interface {
	Integration(ctx context.Context, id string) (noctuary.Integration, error)
}

// notifiers builds one PagerDuty client per integration, scoped to that
// integration's key (DESIGN §6), and reuses it.
type notifiers struct {
	store   integrations
	limiter pd.Limiter
	logger  *slog.Logger

	mu      sync.Mutex
	clients map[string]*pd.Client
}

// Notifier returns the integration's client, or nil (dry run) when the
// integration has no PagerDuty key or is inbound-only.
func (n *notifiers) Notifier(ctx context.Context, integrationID string) (agent.Notifier, error) {
	c, err := n.client(ctx, integrationID)
	if c == nil || err != nil {
		return nil, err
	}
	return c, nil
}

func (n *notifiers) client(ctx context.Context, integrationID string) (*pd.Client, error) {
	integ, err := n.store.Integration(ctx, integrationID)
	if err != nil {
		return nil, err
	}
	if integ.Token.IsZero() || integ.Direction == noctuary.DirectionInbound {
		return nil, nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if c, ok := n.clients[integrationID]; ok {
		return c, nil
	}
	c, err := pd.NewClient(integ, pd.ClientOptions{Limiter: n.limiter, Logger: n.logger})
	if err != nil {
		return nil, err
	}
	if n.clients == nil {
		n.clients = map[string]*pd.Client{}
	}
	n.clients[integrationID] = c
	return c, nil
}
