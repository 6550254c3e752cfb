package ingest

import (
	"cmp"
	"context"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/errgroup"

	"github.com/noctuary/noctuary"
)

// A batch is stored in parts: one store call per service and per
// partEvents events of it, so that a failure is known to leave the other
// parts stored. Atomicity across services is out of reach (each service's
// events live in their own Redis key, on its own cluster slot, and an
// unanswered call may still have run), so the answer says exactly which
// events are confirmed stored and which are not.
const (
	partEvents = 1000
	// partsInFlight bounds the concurrent store calls of one request.
	partsInFlight = 8
)

// part is one store call: indexes into the batch, of one service.
type part struct {
	indexes             []int
	accepted, duplicate int
	err                 error
}

// outcome is how a batch was stored.
type outcome struct {
	accepted, duplicates int
	// notStored are the indexes of events in parts that failed: not stored,
	// or not confirmed stored.
	notStored []int
	// err is the first failure, nil when every part was stored.
	err error
	// warnings are the answer's sentences about events stored but not
	// counted as their sender likely meant (keyCase).
	warnings []string
}

// storeBatch stores evs, in one call when they are of one service and few,
// else in parts run concurrently.
func (s *Server) storeBatch(ctx context.Context, evs []noctuary.ContextEvent) outcome {
	if len(evs) <= partEvents && oneService(evs) {
		a, d, err := s.store.AddEvents(ctx, evs)
		if err != nil {
			all := make([]int, len(evs))
			for i := range all {
				all[i] = i
			}
			return outcome{notStored: all, err: err}
		}
		return outcome{accepted: a, duplicates: d}
	}
	parts := splitBatch(evs)
	var g errgroup.Group
	g.SetLimit(partsInFlight)
	for i := range parts {
		p := &parts[i]
		g.Go(func() error {
			sub := make([]noctuary.ContextEvent, len(p.indexes))
			for j, idx := range p.indexes {
				sub[j] = evs[idx]
			}
			p.accepted, p.duplicate, p.err = s.store.AddEvents(ctx, sub)
			return nil
		})
	}
	_ = g.Wait()
	var out outcome
	for _, p := range parts {
		if p.err != nil {
			out.notStored = append(out.notStored, p.indexes...)
			out.err = cmp.Or(out.err, p.err)
			continue
		}
		out.accepted += p.accepted
		out.duplicates += p.duplicate
	}
	return out
}

// oneService reports whether evs are all of one service.
func oneService(evs []noctuary.ContextEvent) bool {
	for i := range evs {
		if evs[i].Service != evs[0].Service {
			return false
		}
	}
	return true
}

// splitBatch groups the indexes of evs by service, in order of first
// appearance, in parts of at most partEvents.
func splitBatch(evs []noctuary.ContextEvent) []part {
	var parts []part
	open := map[string]int{} // service -> index of its part being filled
	for i := range evs {
		svc := evs[i].Service
		j, ok := open[svc]
		if !ok || len(parts[j].indexes) == partEvents {
			j = len(parts)
			open[svc] = j
			parts = append(parts, part{})
		}
		parts[j].indexes = append(parts[j].indexes, i)
	}
	return parts
}

// partialBody answers a batch that was stored in part: 503 (the client
// should retry), with the counts of what was stored and the indexes of the
// events to send again.
type partialBody struct {
	errorBody
	Accepted   int   `json:"accepted"`
	Duplicates int   `json:"duplicates"`
	NotStored  []int `json:"not_stored"`
}

// failStore answers a batch whose storing failed: as before when nothing
// was stored, else with what was.
func (s *Server) failStore(c *gin.Context, total int, o outcome) {
	if len(o.notStored) == total {
		err := o.err
		if noctuary.ErrorCode(err) == noctuary.EUnavailable {
			err = noctuary.Wrap(err, noctuary.EUnavailable, "The store is unavailable; nothing was stored, retry later.")
		}
		s.fail(c, err)
		return
	}
	s.logFault(c, o.err)
	msg := fmt.Sprintf("The store failed during this batch: %d of %d events were stored (%d new, %d duplicates); the %d events listed in not_stored were not, or not surely. "+
		"Send those again: events with an id are deduplicated, so sending one twice is safe.",
		total-len(o.notStored), total, o.accepted, o.duplicates, len(o.notStored))
	c.AbortWithStatusJSON(http.StatusServiceUnavailable, partialBody{
		errorBody: errorBody{Error: msg, Code: noctuary.EUnavailable},
		Accepted:  o.accepted, Duplicates: o.duplicates, NotStored: o.notStored,
	})
}
