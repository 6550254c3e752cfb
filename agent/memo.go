package agent

import (
	"encoding/binary"
	"hash/maphash"
	"maps"
	"math/bits"
	"sync"

	"github.com/noctuary/noctuary"
)

// DefaultMemoEvents is the number of events an EventMemo made for a
// process remembers: 40 services' dense windows (1,250 events each), about
// 70 MB at the 1.4 KB an event of BenchmarkCorrelateDense's takes (heap in
// use, measured); with the window cache's 60 MB it fits a 512 MiB
// container with the garbage collector's room.
const DefaultMemoEvents = 50_000

// EventMemo remembers, across correlations, what the ranking rules read of
// each event alone (its class, its texts, the facts of a change, what the
// rules that read nothing else say of it). In a storm the same services
// are triaged again and again over nearly the same window; with a memo a
// correlation computes that only for the events it has not seen.
//
// Events are found by their content (every field; the attributes by a hash,
// then compared), so what is remembered of one is never given for another.
// It holds at most its size of events: when half of them are of the current
// generation, the previous generation is dropped (an event read again
// moves to the current one). It is safe for concurrent use. A nil
// *EventMemo remembers nothing.
type EventMemo struct {
	seed maphash.Seed
	// hash is contentHash; a test makes every event collide.
	hash func(e *noctuary.ContextEvent) uint64
	half int
	mu   sync.Mutex
	// cur and old are the current and the previous generation, by hash.
	cur, old map[uint64]*memoEntry
}

// memoEntry is an event (its attributes copied) and its eventInfo.
type memoEntry struct {
	event noctuary.ContextEvent
	info  *eventInfo
}

// NewEventMemo returns a memo of at most size events (at least 2).
func NewEventMemo(size int) *EventMemo {
	m := &EventMemo{seed: maphash.MakeSeed(), half: max(size/2, 1)}
	m.hash, m.cur = m.contentHash, make(map[uint64]*memoEntry, m.half)
	return m
}

// Len returns how many events m remembers.
func (m *EventMemo) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.cur) + len(m.old)
}

// lookup sets out[i] to the eventInfo of signals[i]'s event when m holds
// the event, and returns the events' hashes (for store).
func (m *EventMemo) lookup(signals []noctuary.Signal, out []*eventInfo) []uint64 {
	hashes := make([]uint64, len(signals))
	for i := range signals {
		hashes[i] = m.hash(&signals[i].Event)
	}
	found := make([]*memoEntry, len(signals))
	m.mu.Lock()
	for i, h := range hashes {
		if x, ok := m.cur[h]; ok {
			found[i] = x
		} else if x, ok := m.old[h]; ok {
			found[i] = x
			m.put(h, x)
		}
	}
	m.mu.Unlock()
	// Entries never change: they are compared without the lock.
	for i, x := range found {
		if x != nil && sameEvent(&x.event, &signals[i].Event) {
			out[i] = x.info
		}
	}
	return hashes
}

// store remembers infos[i] for signals[i], for each i of missed.
func (m *EventMemo) store(signals []noctuary.Signal, hashes []uint64, infos []*eventInfo, missed []int) {
	entries := make([]*memoEntry, len(missed))
	for k, i := range missed {
		ev := signals[i].Event
		ev.Attributes = maps.Clone(ev.Attributes)
		entries[k] = &memoEntry{event: ev, info: infos[i]}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, i := range missed {
		m.put(hashes[i], entries[k])
	}
}

// put adds x to the current generation, which becomes the previous one
// when it is full. m.mu is held.
func (m *EventMemo) put(h uint64, x *memoEntry) {
	if len(m.cur) >= m.half {
		m.old, m.cur = m.cur, make(map[uint64]*memoEntry, m.half)
	}
	m.cur[h] = x
}

// contentHash is a hash of every field of e; the attributes' part does not
// depend on their order.
func (m *EventMemo) contentHash(e *noctuary.ContextEvent) uint64 {
	var h maphash.Hash
	h.SetSeed(m.seed)
	var n [8]byte
	for _, s := range [...]string{e.ID, e.Service, e.Kind, e.Source, e.Summary, e.Link} {
		h.Write(binary.LittleEndian.AppendUint64(n[:0], uint64(len(s))))
		h.WriteString(s)
	}
	h.Write(binary.LittleEndian.AppendUint64(n[:0], uint64(e.OccurredAt.UnixNano())))
	var attrs uint64
	for k, v := range e.Attributes {
		attrs += maphash.String(m.seed, k)*0x9e3779b97f4a7c15 ^ bits.RotateLeft64(maphash.String(m.seed, v), 29)
	}
	h.Write(binary.LittleEndian.AppendUint64(n[:0], attrs))
	return h.Sum64()
}

// sameEvent reports whether a and b hold the same fields.
func sameEvent(a, b *noctuary.ContextEvent) bool {
	return a.ID == b.ID && a.Service == b.Service && a.Kind == b.Kind && a.Source == b.Source &&
		a.Summary == b.Summary && a.Link == b.Link && a.OccurredAt.Equal(b.OccurredAt) &&
		maps.Equal(a.Attributes, b.Attributes)
}
