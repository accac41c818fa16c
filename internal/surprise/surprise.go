// Package surprise holds Adtributor's surprise measure, shared by the slice drilldown
// (models/rootcause) and the methods it is evaluated against (internal/slicebench).
package surprise

import "math"

// JS is Adtributor's surprise (Bhagwan et al., NSDI 2014) of an element whose share of the total
// was expected to be p and is q: the Jensen–Shannon divergence term
// ½[p·ln(2p/(p+q)) + q·ln(2q/(p+q))], in nats. A zero share contributes nothing.
func JS(p, q float64) float64 {
	m := (p + q) / 2
	var s float64
	if p > 0 {
		s += p * math.Log(p/m)
	}
	if q > 0 {
		s += q * math.Log(q/m)
	}
	return s / 2
}
