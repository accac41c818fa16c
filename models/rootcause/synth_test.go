package rootcause

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// synthCase is one generated drilldown problem with its known causes.
type synthCase struct {
	table *Table
	truth []map[string]string
}

// regime names a family of synthetic cases.
type regime string

const (
	// regimeCube: a full cube of 3–5 dimensions with 3–10 values each, heavy-tailed (Weibull)
	// leaf sizes, up to 20 % zero leaves, multiplicative forecast noise of 0–20 %, and 1–3
	// non-overlapping causes of 1–3 dimensions whose leaves all move by one severity (with
	// 5 % per-leaf jitter) — the shape of the Squeeze/RiskLoc semi-synthetic benchmarks.
	regimeCube regime = "cube"
	// regimeCompany: region × product × channel × segment of a small sales company (120 leaves),
	// log-normal sizes, 4–10 % leaf noise plus a 2 % forecast bias shared by each region (a
	// correlated error no slice should be blamed for), one cause of 1–2 dimensions falling
	// 15–40 %.
	regimeCompany regime = "company"
	// regimeRatio: a win rate over region × product × team (120 leaves): binomial wins over
	// Poisson leads with a 5 % forecast error on lead volume; one slice's win rate falls
	// 20–50 %. Null cases shift lead volume between leaves but keep every rate.
	regimeRatio regime = "ratio"
)

// nullShare is the fraction of generated cases with no cause.
const nullShare = 0.3

// generate builds the case for one seed of a regime.
func generate(rg regime, seed uint64) synthCase {
	r := rand.New(rand.NewPCG(seed, 0x5eed0f5a11ce))
	null := r.Float64() < nullShare
	switch rg {
	case regimeCube:
		return genCube(r, null)
	case regimeCompany:
		return genCompany(r, null)
	case regimeRatio:
		return genRatio(r, null)
	}
	panic("unknown regime " + rg)
}

// cubeDims returns dimension names "a", "b", … and values "a1", "a2", …
func cubeDims(cards []int) ([]string, [][]string) {
	names := make([]string, len(cards))
	vals := make([][]string, len(cards))
	for i, c := range cards {
		names[i] = string(rune('a' + i))
		for j := 1; j <= c; j++ {
			vals[i] = append(vals[i], fmt.Sprintf("%s%d", names[i], j))
		}
	}
	return names, vals
}

// allLeaves enumerates the full cube as per-leaf value indices.
func allLeaves(cards []int) [][]int {
	out := [][]int{{}}
	for _, c := range cards {
		var next [][]int
		for _, p := range out {
			for j := 0; j < c; j++ {
				next = append(next, append(append([]int(nil), p...), j))
			}
		}
		out = next
	}
	return out
}

// cause is an injected root cause: fixed value per chosen dimension (−1 = any).
type cause struct {
	fixed    []int
	severity float64
}

func (c cause) contains(leaf []int) bool {
	for d, x := range c.fixed {
		if x >= 0 && leaf[d] != x {
			return false
		}
	}
	return true
}

func (c cause) truth(names []string, vals [][]string) map[string]string {
	m := map[string]string{}
	for d, x := range c.fixed {
		if x >= 0 {
			m[names[d]] = vals[d][x]
		}
	}
	return m
}

// pickCauses draws n causes of 1..maxLevel dimensions whose leaf sets do not overlap, each
// covering at most maxCover of the leaves (so it is a slice, not most of the population).
func pickCauses(r *rand.Rand, cards []int, leaves [][]int, n, maxLevel int, maxCover float64, sev func() float64) []cause {
	var out []cause
	for tries := 0; len(out) < n && tries < 200; tries++ {
		level := 1 + r.IntN(maxLevel)
		perm := r.Perm(len(cards))[:level]
		c := cause{fixed: make([]int, len(cards)), severity: sev()}
		for d := range c.fixed {
			c.fixed[d] = -1
		}
		for _, d := range perm {
			c.fixed[d] = r.IntN(cards[d])
		}
		covered, overlap := 0, false
		for _, l := range leaves {
			if !c.contains(l) {
				continue
			}
			covered++
			for _, o := range out {
				if o.contains(l) {
					overlap = true
				}
			}
		}
		if overlap || covered == 0 || float64(covered) > maxCover*float64(len(leaves)) {
			continue
		}
		out = append(out, c)
	}
	return out
}

func weibull(r *rand.Rand, alpha float64) float64 {
	return math.Pow(-math.Log(1-r.Float64()), 1/alpha)
}

func genCube(r *rand.Rand, null bool) synthCase {
	nd := 3 + r.IntN(3)
	cards := make([]int, nd)
	size := 1
	for i := range cards {
		cards[i] = 3 + r.IntN(8)
		for size*cards[i] > 20000 {
			cards[i]--
		}
		size *= cards[i]
	}
	names, vals := cubeDims(cards)
	leaves := allLeaves(cards)
	alpha := 0.5 + 0.5*r.Float64()
	zeroRate := 0.2 * r.Float64()
	sigma := 0.2 * r.Float64()
	down := r.IntN(2) == 0
	var causes []cause
	if !null {
		causes = pickCauses(r, cards, leaves, 1+r.IntN(3), min(3, nd-1), 0.5, func() float64 { return 0.2 + 0.6*r.Float64() + sigma })
	}
	t, _ := NewTable(names)
	dv := make([]string, nd)
	for _, l := range leaves {
		for d, x := range l {
			dv[d] = vals[d][x]
		}
		f := 100 * weibull(r, alpha)
		if r.Float64() < zeroRate {
			f = 0
		}
		v := math.Max(0, f*(1+sigma*r.NormFloat64()))
		for _, c := range causes {
			if c.contains(l) {
				k := math.Min(0.98, math.Max(0, c.severity+0.05*r.NormFloat64()))
				if down {
					v *= 1 - k
				} else {
					v *= 1 / (1 - k)
				}
			}
		}
		mustAdd(t.AddAdditive(dv, v, f))
	}
	return synthCase{table: t, truth: truths(causes, names, vals)}
}

func truths(cs []cause, names []string, vals [][]string) []map[string]string {
	var out []map[string]string
	for _, c := range cs {
		out = append(out, c.truth(names, vals))
	}
	return out
}

func mustAdd(err error) {
	if err != nil {
		panic(err)
	}
}

func genCompany(r *rand.Rand, null bool) synthCase {
	cards := []int{4, 5, 3, 2}
	names := []string{"region", "product", "channel", "segment"}
	vals := [][]string{
		{"East", "West", "North", "South"},
		{"GTX", "GTXPro", "MG", "MGPlus", "Zeta"},
		{"direct", "partner", "online"},
		{"smb", "enterprise"},
	}
	leaves := allLeaves(cards)
	sigma := 0.04 + 0.06*r.Float64()
	regionBias := make([]float64, 4)
	for i := range regionBias {
		regionBias[i] = 0.02 * r.NormFloat64()
	}
	size := make([][]float64, len(cards))
	for d, c := range cards {
		for j := 0; j < c; j++ {
			size[d] = append(size[d], math.Exp(0.5*r.NormFloat64()))
		}
	}
	var causes []cause
	if !null {
		causes = pickCauses(r, cards, leaves, 1, 2, 0.3, func() float64 { return 0.15 + 0.25*r.Float64() })
	}
	t, _ := NewTable(names)
	dv := make([]string, len(cards))
	for _, l := range leaves {
		f := 1000.0
		for d, x := range l {
			dv[d] = vals[d][x]
			f *= size[d][x]
		}
		f *= math.Exp(0.3 * r.NormFloat64())
		v := math.Max(0, f*(1+regionBias[l[0]]+sigma*r.NormFloat64()))
		for _, c := range causes {
			if c.contains(l) {
				v *= 1 - c.severity
			}
		}
		mustAdd(t.AddAdditive(dv, v, f))
	}
	return synthCase{table: t, truth: truths(causes, names, vals)}
}

func poisson(r *rand.Rand, lambda float64) float64 {
	if lambda > 50 {
		return math.Max(0, math.Round(lambda+math.Sqrt(lambda)*r.NormFloat64()))
	}
	l, k, p := math.Exp(-lambda), 0.0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func binomial(r *rand.Rand, n, p float64) float64 {
	if n*p*(1-p) > 25 {
		return math.Min(n, math.Max(0, math.Round(n*p+math.Sqrt(n*p*(1-p))*r.NormFloat64())))
	}
	var k float64
	for i := 0; i < int(n); i++ {
		if r.Float64() < p {
			k++
		}
	}
	return k
}

func genRatio(r *rand.Rand, null bool) synthCase {
	cards := []int{4, 5, 6}
	names := []string{"region", "product", "team"}
	_, vals := cubeDims(cards)
	vals[0] = []string{"East", "West", "North", "South"}
	leaves := allLeaves(cards)
	var causes []cause
	if !null {
		causes = pickCauses(r, cards, leaves, 1, 2, 0.3, func() float64 { return 0.2 + 0.3*r.Float64() })
	}
	t, _ := NewTable(names)
	dv := make([]string, len(cards))
	for _, l := range leaves {
		for d, x := range l {
			dv[d] = vals[d][x]
		}
		leads := 200 * math.Exp(0.6*r.NormFloat64())
		rate := 0.1 + 0.4*r.Float64()
		actLeads := poisson(r, leads*(1+0.05*r.NormFloat64()))
		if null && l[0] == 0 {
			actLeads = poisson(r, 1.6*leads) // a volume shift without any rate change
		}
		actRate := rate
		for _, c := range causes {
			if c.contains(l) {
				actRate *= 1 - c.severity
			}
		}
		wins := binomial(r, actLeads, actRate)
		mustAdd(t.AddRatio(dv, wins, actLeads, rate*leads, leads))
	}
	return synthCase{table: t, truth: truths(causes, names, vals)}
}
