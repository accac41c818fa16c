package datasets

import "sort"

// keySet holds the keys of the rows kept so far, with the line of each. Exports and generated
// tables usually list rows in increasing key order; while keys arrive that way they are kept in
// a sorted slice — a new key is then checked against the last one only, with no hashing — and
// the set switches to a map the first time a key arrives out of order.
type keySet struct {
	sorted []string
	lines  []int
	m      map[string]int // nil while the keys are sorted
}

// lookup returns the line of k when it is in the set. k may be a view into a buffer.
func (s *keySet) lookup(k string) (int, bool) {
	if s.m != nil {
		line, ok := s.m[k]
		return line, ok
	}
	n := len(s.sorted)
	if n == 0 || k > s.sorted[n-1] {
		return 0, false
	}
	i := sort.SearchStrings(s.sorted, k)
	if i < n && s.sorted[i] == k {
		return s.lines[i], true
	}
	return 0, false
}

// add inserts k, which is not in the set and must not share memory with a buffer.
func (s *keySet) add(k string, line int) {
	if s.m != nil {
		s.m[k] = line
		return
	}
	if n := len(s.sorted); n == 0 || k > s.sorted[n-1] {
		s.sorted = append(s.sorted, k)
		s.lines = append(s.lines, line)
		return
	}
	s.m = make(map[string]int, 2*len(s.sorted)+1)
	for i, v := range s.sorted {
		s.m[v] = s.lines[i]
	}
	s.sorted, s.lines = nil, nil
	s.m[k] = line
}

func (s *keySet) len() int {
	if s.m != nil {
		return len(s.m)
	}
	return len(s.sorted)
}

// reserve makes room for about n keys.
func (s *keySet) reserve(n int) {
	if n <= 2*s.len() {
		return
	}
	if s.m == nil {
		s.sorted = append(make([]string, 0, n), s.sorted...)
		s.lines = append(make([]int, 0, n), s.lines...)
		return
	}
	m := make(map[string]int, n)
	for k, v := range s.m {
		m[k] = v
	}
	s.m = m
}
