package rootcause

import (
	"slices"
	"strings"
)

// SliceKey returns a canonical text for a slice given as dimension → value: the pairs sorted by
// dimension and joined as "a=x&b=y", so slices from different sources compare equal.
func SliceKey(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		keys[i] = k + "=" + m[k]
	}
	return strings.Join(keys, "&")
}

// Metrics summarizes how well ranked slices matched known root causes over many cases.
type Metrics struct {
	Cases     int `json:"cases"`      // cases with at least one true cause
	NullCases int `json:"null_cases"` // cases with none
	// Recall1 and Recall3 average |true ∩ top-k| / min(k, |true|) over cases with a cause.
	Recall1 float64 `json:"slice_recall1"`
	Recall3 float64 `json:"slice_recall3"`
	// MRR averages 1/rank of the first true slice (0 when none is listed).
	MRR float64 `json:"slice_mrr"`
	// NullSpecificity is the fraction of null cases answered "no dominant cause".
	NullSpecificity float64 `json:"null_specificity"`
	// Sensitivity is the fraction of cases with a cause not answered "no dominant cause".
	Sensitivity float64 `json:"sensitivity"`
}

// Scorer accumulates Metrics case by case.
type Scorer struct {
	m                              Metrics
	r1, r3, rr, nullHits, detected float64
}

// Add scores one case. truth holds the true cause slices (empty for a null case); ranked are
// the slices the method claims, best first (only the significant ones, for Rank: a method that
// answers "no dominant cause" claims none); noCause is its "no dominant cause" answer.
func (s *Scorer) Add(truth []map[string]string, ranked []map[string]string, noCause bool) {
	if len(truth) == 0 {
		s.m.NullCases++
		if noCause {
			s.nullHits++
		}
		return
	}
	s.m.Cases++
	if !noCause {
		s.detected++
	}
	want := make(map[string]bool, len(truth))
	for _, t := range truth {
		want[SliceKey(t)] = true
	}
	hits1, hits3, first := 0, 0, 0
	for i, r := range ranked {
		if !want[SliceKey(r)] {
			continue
		}
		if first == 0 {
			first = i + 1
		}
		if i < 1 {
			hits1++
		}
		if i < 3 {
			hits3++
		}
	}
	s.r1 += float64(hits1) / float64(min(1, len(truth)))
	s.r3 += float64(hits3) / float64(min(3, len(truth)))
	if first > 0 {
		s.rr += 1 / float64(first)
	}
}

// Metrics returns the averages so far.
func (s *Scorer) Metrics() Metrics {
	m := s.m
	if m.Cases > 0 {
		n := float64(m.Cases)
		m.Recall1, m.Recall3, m.MRR, m.Sensitivity = s.r1/n, s.r3/n, s.rr/n, s.detected/n
	}
	if m.NullCases > 0 {
		m.NullSpecificity = s.nullHits / float64(m.NullCases)
	}
	return m
}

// Claimed returns the slices a Result claims as causes, as dimension → value maps: its
// significant slices, none when it answered "no dominant cause".
func (r *Result) Claimed() []map[string]string {
	var out []map[string]string
	if r.NoDominantCause {
		return nil
	}
	for _, s := range r.Slices {
		if s.Significant {
			out = append(out, s.Map())
		}
	}
	return out
}
