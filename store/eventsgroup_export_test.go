package store

// HoldGroupCommit makes the small event writes of s wait as though a group
// commit were in flight, until release: then the first of them sends all
// that wait as one group. waiting reports how many wait.
func HoldGroupCommit(s *Store) (waiting func() int, release func()) {
	s.group.mu.Lock()
	s.group.busy = true
	s.group.mu.Unlock()
	waiting = func() int {
		s.group.mu.Lock()
		defer s.group.mu.Unlock()
		return len(s.group.waiting)
	}
	return waiting, func() { s.group.finish([]*groupWrite{{}}) }
}
