package agent

import (
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/noctuary/noctuary"
)

// undoIndex finds the changes that may have undone a change, or that it
// may have undone, by key instead of comparing every pair of changes: by
// subject (case folded as strings.EqualFold folds), by version, by previous
// version, and rollbacks and deploys by time. Keys are per service: reverts
// compares changes of one service.
type undoIndex struct {
	// Changes before onset, indexes into sc.all, ascending.
	bySubject  map[undoKey][]int
	byVersion  map[undoKey][]int
	byPrevious map[undoKey][]int
	// rollbacks before onset, and deploys (whenever they occurred), of each
	// service, by time.
	rollbacks map[string][]int
	deploys   map[string][]int
}

// undoKey is a service and a subject, or a service and a version (k: the
// index in versionKeys).
type undoKey struct {
	service string
	k       int
	value   string
}

func newUndoIndex(sc *scoring) undoIndex {
	x := undoIndex{bySubject: map[undoKey][]int{}, byVersion: map[undoKey][]int{}, byPrevious: map[undoKey][]int{},
		rollbacks: map[string][]int{}, deploys: map[string][]int{}}
	for j, s := range sc.all {
		if s.Class != noctuary.ClassChange {
			continue
		}
		svc, f := s.Event.Service, &sc.info[j].facts
		if f.group == groupDeploy {
			x.deploys[svc] = append(x.deploys[svc], j)
		}
		if s.Event.OccurredAt.After(sc.onset) {
			continue
		}
		if f.subject != "" {
			k := undoKey{service: svc, value: foldKey(f.subject)}
			x.bySubject[k] = append(x.bySubject[k], j)
		}
		for k := range versionKeys {
			if v := f.version[k]; v != "" {
				x.byVersion[undoKey{svc, k, v}] = append(x.byVersion[undoKey{svc, k, v}], j)
			}
			if p := f.previous[k]; p != "" {
				x.byPrevious[undoKey{svc, k, p}] = append(x.byPrevious[undoKey{svc, k, p}], j)
			}
		}
		if f.group == groupRollback {
			x.rollbacks[svc] = append(x.rollbacks[svc], j)
		}
	}
	byTime := func(a, b int) int { return sc.all[a].Event.OccurredAt.Compare(sc.all[b].Event.OccurredAt) }
	for _, l := range x.rollbacks {
		slices.SortStableFunc(l, byTime)
	}
	for _, l := range x.deploys {
		slices.SortStableFunc(l, byTime)
	}
	return x
}

// candidates returns, ascending, the changes before onset of change i's
// service that reverts may find undid i or that i undid: every change j
// for which reverts(i, j) or reverts(j, i) can hold is among them, and a
// few more. A subject or version that many changes share makes its
// bucket long: the cost then grows with the bucket, not the window.
func (x *undoIndex) candidates(i int, sc *scoring) []int {
	e, f := sc.all[i].Event, &sc.info[i].facts
	svc, at := e.Service, e.OccurredAt
	var out []int
	if f.subject != "" {
		// Either way, a change with a subject is compared by it.
		out = append(out, x.bySubject[undoKey{service: svc, value: foldKey(f.subject)}]...)
	}
	for k := range versionKeys {
		if p := f.previous[k]; p != "" && f.subject == "" {
			out = append(out, x.byVersion[undoKey{svc, k, p}]...) // a later deploy back to what i replaced
		}
		if v := f.version[k]; v != "" {
			out = append(out, x.byPrevious[undoKey{svc, k, v}]...) // an earlier one whose replaced version i runs again
		}
	}
	if f.group == groupDeploy && f.subject == "" {
		// Rollbacks after i, up to the next deploy.
		rb := x.rollbacks[svc]
		next, ok := x.deployAfter(svc, at, sc)
		for _, j := range rb[firstAfter(rb, at, sc):] {
			if ok && sc.all[j].Event.OccurredAt.After(next) {
				break
			}
			out = append(out, j)
		}
	}
	if f.group == groupRollback {
		// The last deploys before i (several when they share a time).
		d := x.deploys[svc]
		k := sort.Search(len(d), func(k int) bool { return !sc.all[d[k]].Event.OccurredAt.Before(at) }) - 1
		for last := k; k >= 0 && sc.all[d[k]].Event.OccurredAt.Equal(sc.all[d[last]].Event.OccurredAt); k-- {
			out = append(out, d[k])
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// firstAfter returns the position in l (indexes into sc.all, by time) of
// the first that occurred after t.
func firstAfter(l []int, t time.Time, sc *scoring) int {
	return sort.Search(len(l), func(k int) bool { return sc.all[l[k]].Event.OccurredAt.After(t) })
}

// deployAfter returns when the first deploy of svc after t occurred.
func (x *undoIndex) deployAfter(svc string, t time.Time, sc *scoring) (time.Time, bool) {
	d := x.deploys[svc]
	if k := firstAfter(d, t, sc); k < len(d) {
		return sc.all[d[k]].Event.OccurredAt, true
	}
	return time.Time{}, false
}

// foldKey maps s to one string for all the strings strings.EqualFold finds
// equal to it: each rune becomes the least rune of its case folding orbit.
func foldKey(s string) string {
	if ascii(s) {
		// The least rune of an ASCII letter's orbit is its upper case
		// (K before the Kelvin sign, S before the long s).
		return strings.ToUpper(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		b.WriteRune(m)
	}
	return b.String()
}

// ascii reports whether s is all ASCII.
func ascii(s string) bool {
	for k := 0; k < len(s); k++ {
		if s[k] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
