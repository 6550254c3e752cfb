package pd

import (
	"container/heap"
	"sync"
	"time"

	"github.com/noctuary/noctuary"
)

// urgentShare is the part of a key's burst that only urgent requests (high
// urgency) may take: across replicas, low-urgency requests leave it to them.
const urgentShare = 4 // a quarter

// batchMax bounds how many requests one ask of the shared budget takes, for
// the asker and the requests of its class (urgent or not) queued behind it;
// those go in turn without asking again. An ask is for no more than the
// bucket held after the last one (plus the asker's): while the budget is
// short, each request asks alone, as a bucket asked for more than it holds
// spends its fractions of a request. grantTTL is how long such taken
// requests wait for theirs: any left after it are dropped (a little of the
// budget unused, never more spent).
const (
	batchMax = 32
	grantTTL = time.Second
)

// budgetQueue orders one process's requests waiting for an integration's
// shared budget by precedence (noctuary.Precedence): only the first asks the
// shared budget, so that when it is short the most urgent goes first and
// the others keep their order. With several keys, the first asks each key's
// budget in turn, from a rotating start, until one has room. It logs once
// when the budget starts delaying requests and once when it has caught up.
type budgetQueue struct {
	mu      sync.Mutex
	waiting waiters
	seq     uint64
	// delaying is set from the first request told to wait until the queue
	// is empty again; delayed counts the requests that waited meanwhile.
	delaying bool
	delayed  int
	since    time.Time
	// pools are the requests taken from each key's shared budget and not
	// yet handed to a waiter (Client.keys' order); next is the key the
	// next ask starts from.
	pools []pool
	next  int
}

// pool is what the asks of one key's budget left, by class (urgent: 1):
// requests taken and not yet handed to a waiter, when they were taken, and
// how many whole requests the bucket held after the class's last ask.
// outUntil is when a key PagerDuty refused comes back into rotation
// (Client.takeOut).
type pool struct {
	grants   [2]int
	grantsAt [2]time.Time
	left     [2]int
	outUntil time.Time
}

// class indexes pool's arrays: 1 for an urgent request, else 0.
func class(p noctuary.Precedence) int {
	if p.Urgent {
		return 1
	}
	return 0
}

// takeGrant hands w one of the requests taken for its class from the
// budget of a key in rotation, if one is left and fresh, and returns the
// key's index; -1 when there is none.
func (q *budgetQueue) takeGrant(w *waiter) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	c, now := class(w.prec), time.Now()
	for k := range q.pools {
		p := &q.pools[k]
		if p.grants[c] > 0 && now.Sub(p.grantsAt[c]) > grantTTL {
			p.grants[c] = 0
		}
		if p.grants[c] > 0 && !now.Before(p.outUntil) {
			p.grants[c]--
			return k
		}
	}
	return -1
}

// order returns the keys a first waiter asks, in turn: every key in
// rotation from the rotating start, which moves on by one. The main key
// (0) is never out of rotation, so there is one.
func (q *budgetQueue) order() []int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n, now := len(q.pools), time.Now()
	out := make([]int, 0, n)
	for i := range n {
		if k := (q.next + i) % n; !now.Before(q.pools[k].outUntil) {
			out = append(out, k)
		}
	}
	q.next = (q.next + 1) % n
	return out
}

// takeOut takes key out of rotation until until, dropping the requests
// taken from its budget and not yet handed out. It reports whether the key
// was in rotation.
func (q *budgetQueue) takeOut(key int, until time.Time) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	p := &q.pools[key]
	wasIn := !time.Now().Before(p.outUntil)
	p.outUntil, p.grants = until, [2]int{}
	return wasIn
}

// putBack puts key back into rotation.
func (q *budgetQueue) putBack(key int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.pools[key].outUntil = time.Time{}
}

// batch is how many requests w asks key's budget for: the waiters of its
// class, w included, at most batchMax and one more than the bucket held
// after the class's last ask of that key.
func (q *budgetQueue) batch(w *waiter, key int) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	limit := min(batchMax, q.pools[key].left[class(w.prec)]+1)
	n := 0
	for _, o := range q.waiting {
		if o.prec.Urgent == w.prec.Urgent {
			if n++; n == limit {
				break
			}
		}
	}
	return max(n, 1)
}

// taken records an ask of key's budget by w's class: n requests taken for
// the waiters behind w (n may be 0), and left the whole requests the
// bucket still holds.
func (q *budgetQueue) taken(w *waiter, key, n, left int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	p, c := &q.pools[key], class(w.prec)
	p.grants[c], p.grantsAt[c], p.left[c] = p.grants[c]+n, time.Now(), left
}

// waiter is one request in the queue; turn is signalled when it is first.
type waiter struct {
	prec  noctuary.Precedence
	seq   uint64
	index int
	turn  chan struct{}
}

// anyKey lets a request go with whichever key has room.
const anyKey = -1

// waiters is a heap of waiters, the first by precedence, then by arrival.
type waiters []*waiter

func (w waiters) Len() int { return len(w) }
func (w waiters) Less(i, j int) bool {
	a, b := w[i], w[j]
	if a.prec.Before(b.prec) != b.prec.Before(a.prec) {
		return a.prec.Before(b.prec)
	}
	return a.seq < b.seq
}
func (w waiters) Swap(i, j int) {
	w[i], w[j] = w[j], w[i]
	w[i].index, w[j].index = i, j
}
func (w *waiters) Push(x any) {
	v := x.(*waiter)
	v.index = len(*w)
	*w = append(*w, v)
}
func (w *waiters) Pop() any {
	old := *w
	v := old[len(old)-1]
	*w = old[:len(old)-1]
	return v
}

// join queues a request that may go with any key, signalling it at once
// if it is first.
func (q *budgetQueue) join(p noctuary.Precedence) *waiter {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.seq++
	w := &waiter{prec: p, seq: q.seq, turn: make(chan struct{}, 1)}
	heap.Push(&q.waiting, w)
	q.signalFirst()
	return w
}

// leave takes w out of the queue and signals the next first. It reports
// whether the queue is now empty after a spell of delays (and so how many
// were delayed, and since when).
func (q *budgetQueue) leave(w *waiter) (caughtUp bool, delayed int, since time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	heap.Remove(&q.waiting, w.index)
	q.signalFirst()
	if len(q.waiting) > 0 || !q.delaying {
		return false, 0, time.Time{}
	}
	q.delaying = false
	return true, q.delayed, q.since
}

// first reports whether w is first in the queue.
func (q *budgetQueue) first(w *waiter) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.waiting) > 0 && q.waiting[0] == w
}

// delay records that a request must wait (once per request); it reports
// whether this starts a spell of delays.
func (q *budgetQueue) delay() (started bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.delayed++
	if q.delaying {
		return false
	}
	q.delaying, q.delayed, q.since = true, 1, time.Now()
	return true
}

func (q *budgetQueue) signalFirst() {
	if len(q.waiting) == 0 {
		return
	}
	select {
	case q.waiting[0].turn <- struct{}{}:
	default:
	}
}
