package main

import (
	"context"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/admin"
	"github.com/noctuary/noctuary/store"
)

// liveStore is the store as the HTTP server and the PagerDuty clients see
// it: integrations created through the admin API come with their webhook
// secrets opened by the admin (the store keeps them sealed).
type liveStore struct {
	*store.Store
	adm *admin.Admin
}

// Integration returns the integration with its secrets in clear.
func (l liveStore) Integration(ctx context.Context, id string) (noctuary.Integration, error) {
	return l.adm.Integration(ctx, id)
}

// CheckConnection asks PagerDuty what the integration's key may do (the
// admin's "check connection").
func (p *pagerDuty) CheckConnection(ctx context.Context, integ noctuary.Integration, token noctuary.Secret) (noctuary.ConnectionCheck, error) {
	c, err := p.client(integ, token)
	if err != nil {
		return noctuary.ConnectionCheck{}, err
	}
	return c.CheckConnection(ctx)
}
