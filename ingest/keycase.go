package ingest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/noctuary/noctuary"
)

// keyCase finds the events whose service differs from a declared service's
// key only by case. They are stored under the name sent, as any other name
// (a service declared later sees them), but keys are case-sensitive, so they
// count for no incident of the declared service: the answer warns of them.
// The declared keys are read again at most once per serviceCacheTTL, by the
// request that finds them stale while the others use what was read before.
type keyCase struct {
	store Store
	now   func() time.Time
	mu    sync.Mutex
	read  time.Time // when the keys were last read, or tried
	busy  bool      // a request is reading them
	// declared holds the keys of the declared services; folded maps each
	// one, in lower case, to it.
	declared map[string]bool
	folded   map[string]string
}

// warnings returns a sentence for each distinct service of evs that is not
// declared but differs from a declared key only by case, nil when none. A
// failure to read the declared keys warns of nothing.
func (k *keyCase) warnings(ctx context.Context, evs []noctuary.ContextEvent) []string {
	declared, folded := k.keys(ctx)
	var out []string
	var warned map[string]bool
	last := ""
	for i := range evs {
		svc := evs[i].Service
		if svc == last || declared[svc] {
			continue
		}
		last = svc
		key, ok := folded[strings.ToLower(svc)]
		if !ok || warned[svc] {
			continue
		}
		if warned == nil {
			warned = map[string]bool{}
		}
		warned[svc] = true
		out = append(out, fmt.Sprintf("Service %q is not declared; %q is, and service keys are case-sensitive: these events were stored under %q and count for no incident of %q. Send %q.",
			svc, key, svc, key, key))
	}
	return out
}

// keys returns the declared keys, read again first when they are older than
// serviceCacheTTL and no other request is reading them.
func (k *keyCase) keys(ctx context.Context) (map[string]bool, map[string]string) {
	now := k.now()
	k.mu.Lock()
	if k.busy || (!k.read.IsZero() && now.Sub(k.read) < serviceCacheTTL) {
		defer k.mu.Unlock()
		return k.declared, k.folded
	}
	k.busy = true
	k.mu.Unlock()
	svcs, err := k.store.Services(ctx)
	k.mu.Lock()
	defer k.mu.Unlock()
	k.busy, k.read = false, now
	if err == nil {
		k.declared, k.folded = make(map[string]bool, len(svcs)), make(map[string]string, len(svcs))
		for _, s := range svcs {
			k.declared[s.Key] = true
			k.folded[strings.ToLower(s.Key)] = s.Key
		}
	}
	return k.declared, k.folded
}
