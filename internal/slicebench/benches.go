package slicebench

import (
	"fmt"
	"strings"
)

// Role says what a bench may be used for. The split was fixed before any method was scored
// on a test bench, and is not to be moved after looking at test figures.
type Role string

const (
	// Validation benches (and only they) were used to choose and tune the shipped method.
	Validation Role = "validation"
	// Test benches are reported; nothing was chosen on them.
	Test Role = "test"
)

// FirstSeed returns the first seed of a bench of the role: validation cases use seeds 100…,
// test cases 4000… (every seed below 5000; see the package doc).
func (r Role) FirstSeed() uint64 {
	if r == Validation {
		return 100
	}
	return 4000
}

// Bench is a spec with its role.
type Bench struct {
	Spec
	Role Role
}

var (
	riskLocS = Spec{
		Doc:  "RiskLoc's S: 5 dims (10,12,10,8,5), noise 0–0.25, severity 0.2–1 (+noise), 1–3 anomalies of 1–3 elements, depth 1–5",
		Dims: []int{10, 12, 10, 8, 5}, Weibull: [2]float64{0.5, 1}, ZeroRate: [2]float64{0, 0.25},
		Noise: [2]float64{0, 0.25}, Severity: [2]float64{0.2, 1}, Deviation: [2]float64{0, 0.1},
		Anomalies: [2]int{1, 3}, Elements: [2]int{1, 3}, Levels: [2]int{1, 5}, MaxDims: 5, Cases: 100,
	}
	riskLocL = Spec{
		Doc:  "RiskLoc's L: 4 dims (10,24,10,15), noise 0–0.1, severity 0.5–1 (+noise), 1–5 anomalies of one leaf-level element",
		Dims: []int{10, 24, 10, 15}, Weibull: [2]float64{0.5, 1}, ZeroRate: [2]float64{0, 0.25},
		Noise: [2]float64{0, 0.1}, Severity: [2]float64{0.5, 1}, Deviation: [2]float64{0, 0},
		Anomalies: [2]int{1, 5}, Elements: [2]int{1, 1}, Levels: [2]int{4, 4}, MaxDims: 4, Cases: 100,
	}
	// RiskLoc's H has 24 million leaves (10,5,250,20,8,12); this one keeps six dimensions and
	// one wide one at 60,000 leaves, and causes 1–3 deep, so that a run stays in minutes.
	riskLocH = Spec{
		Doc:  "RiskLoc's H, scaled: 6 dims (10,5,25,20,8,3), settings of S, depth 1–3",
		Dims: []int{10, 5, 25, 20, 8, 3}, Weibull: [2]float64{0.5, 1}, ZeroRate: [2]float64{0, 0.25},
		Noise: [2]float64{0, 0.25}, Severity: [2]float64{0.2, 1}, Deviation: [2]float64{0, 0.1},
		Anomalies: [2]int{1, 3}, Elements: [2]int{1, 3}, Levels: [2]int{1, 3}, MaxDims: 3, Cases: 40,
	}
)

// squeezeB is Squeeze's B family: a sparse, heavy-tailed 4-dimensional cube (8 × 34 × 10 × 10,
// about half the leaves empty) with one root-cause set of 1–3 elements of depth 1–3 per case
// (Squeeze's layer × n_ele folders); B0…B4 differ only in the forecast noise. The noise
// levels are ours (the published data carries them, not the generator's parameters).
func squeezeB(i int, noise float64) Spec {
	return Spec{
		Doc:  fmt.Sprintf("Squeeze's B%d: 4 dims (8,34,10,10), sparse, noise %.2f, one cause set of 1–3 elements, depth 1–3", i, noise),
		Dims: []int{8, 34, 10, 10}, Weibull: [2]float64{0.3, 0.6}, ZeroRate: [2]float64{0.4, 0.6},
		Noise: [2]float64{noise, noise}, Severity: [2]float64{0.1, 0.9}, Deviation: [2]float64{0, 0.05},
		Anomalies: [2]int{1, 1}, Elements: [2]int{1, 3}, Levels: [2]int{1, 3}, MaxDims: 3, Cases: 100,
	}
}

// Benches returns every bench in a fixed order: validation first, then test.
func Benches() []Bench {
	named := func(name string, s Spec, role Role) Bench {
		s.Name = name
		return Bench{Spec: s, Role: role}
	}
	noise := []float64{0.01, 0.03, 0.05, 0.1, 0.2}
	d := squeezeB(0, 0.05)
	d.Ratio = true
	d.Doc = "Squeeze's D: the B cube, a derived measure (numerator/denominator, both forecast with 5 % noise), the numerator's rate moved"
	sr := riskLocS
	sr.Ratio = true
	sr.Doc = "S as a ratio KPI (derived measure, rises and falls of the rate)"
	rv := Spec{
		Doc:  "Counts ratio: 4 dims (30,12,6,4), Poisson denominators, binomial numerators, expected = mean of 4 earlier periods, 1–3 causes 1–3 deep",
		Dims: []int{30, 12, 6, 4}, Ratio: true, Counts: true, Weibull: [2]float64{0.5, 1}, ZeroRate: [2]float64{0, 0.3},
		Noise: [2]float64{0, 0.1}, Severity: [2]float64{0.2, 0.9}, Deviation: [2]float64{0, 0.05},
		Anomalies: [2]int{1, 3}, Elements: [2]int{1, 1}, Levels: [2]int{1, 3}, MaxDims: 3, Cases: 100,
	}
	ro := rv
	ro.Dims = []int{40, 10, 6, 5}
	ro.Noise = [2]float64{0.1, 0.3}
	ro.Volume = 20
	ro.Doc = "Counts ratio, overdispersed: 4 dims (40,10,6,5), 20 times RV's volume, the leaves' rates drifting 10–30 % between periods"
	rt := rv
	rt.Dims = []int{94, 10, 8, 5, 3}
	rt.Cases = 40
	rt.Doc = "Counts ratio, wide: 5 dims (94,10,8,5,3) like the real incidents, otherwise as RV"
	// Failure-ratio incidents as production monitoring records them (see Incident), added for
	// issue 15's real-incident gap: declared with their roles before any method was scored on
	// them.
	inc := Incident{
		Events: [2]float64{1, 8}, Zipf: [2]float64{0.8, 1.4}, Rate: [2]float64{0.001, 0.05},
		Factor: [2]float64{1.5, 10}, DropShare: 0.25, FallShare: 0.3, Drift: 0.1,
		Causes: [2]int{1, 3}, Depth: [2]int{1, 3},
	}
	incident := func(doc string, dims ...int) Spec {
		return Spec{Doc: doc, Dims: dims, Ratio: true, Noise: [2]float64{0.1, 0.3}, MaxDims: 3, Cases: 100, Incident: &inc}
	}
	fv4 := incident("Failure-ratio incidents: 4 dims (94,8,6,4), Zipf volumes, rate 0.1–5 %, expected = mean of 4 present periods, 1–3 causes 1–3 deep", 94, 8, 6, 4)
	fv5 := incident("Failure-ratio incidents: 5 dims (40,12,6,5,3), otherwise as FV4", 40, 12, 6, 5, 3)
	ft4 := incident("Failure-ratio incidents: 4 dims (94,10,6,5), otherwise as FV4", 94, 10, 6, 5)
	ft5 := incident("Failure-ratio incidents: 5 dims (94,10,8,5,3), otherwise as FV4", 94, 10, 8, 5, 3)
	fv5.Cases, ft5.Cases = 60, 60
	return []Bench{
		named("B0", squeezeB(0, noise[0]), Validation),
		named("B2", squeezeB(2, noise[2]), Validation),
		named("B4", squeezeB(4, noise[4]), Validation),
		named("D", d, Validation),
		named("SR", sr, Validation),
		named("RV", rv, Validation),
		named("RO", ro, Validation),
		named("FV4", fv4, Validation),
		named("FV5", fv5, Validation),
		named("S", riskLocS, Test),
		named("L", riskLocL, Test),
		named("H", riskLocH, Test),
		named("B1", squeezeB(1, noise[1]), Test),
		named("B3", squeezeB(3, noise[3]), Test),
		named("RT", rt, Test),
		named("FT4", ft4, Test),
		named("FT5", ft5, Test),
	}
}

// Select returns the benches named in a comma-separated list; "all", "validation" and "test"
// name groups.
func Select(names string) ([]Bench, error) {
	all := Benches()
	var out []Bench
	for _, n := range strings.Split(names, ",") {
		n = strings.TrimSpace(n)
		found := false
		for _, b := range all {
			if n == "all" || strings.EqualFold(n, b.Name) || n == string(b.Role) {
				out = append(out, b)
				found = true
			}
		}
		if !found {
			var known []string
			for _, b := range all {
				known = append(known, b.Name)
			}
			return nil, fmt.Errorf("unknown bench %q: want all, validation, test or one of %s", n, strings.Join(known, ", "))
		}
	}
	return out, nil
}
