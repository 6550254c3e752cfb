package agent

import (
	"context"
	"log/slog"

	"github.com/noctuary/noctuary"
)

// keepEntry renews d's ownership every third of ClaimIdle until stop is
// called, so that no worker, of this replica or another, reclaims (and in
// the end dead-letters) the entry of a triage that is slow but alive. A
// worker that dies stops renewing: its entry is reclaimed one ClaimIdle
// later.
func (w *Worker) keepEntry(ctx context.Context, log *slog.Logger, d noctuary.WebhookDelivery) (stop func()) {
	return noctuary.KeepLease(ctx, w.opt.ClaimIdle/3, func(ctx context.Context) (bool, error) {
		return w.opt.Queue.RenewWebhook(ctx, w.opt.Consumer, d.StreamID)
	}, func(held bool, err error) {
		log.Warn("cannot renew a webhook entry; another worker may reclaim it", "stream_id", d.StreamID, "held", held, "error", err)
	})
}
