package synth

import (
	"math"
	"math/rand/v2"
)

// Streams of randomness. Each part of the simulation draws from its own stream so that a change
// in one part (say, tickets) does not shift the numbers drawn by another (opportunities).
const (
	streamDrivers uint64 = iota + 1
	streamPeople
	streamSales
	streamTickets
	streamOps
	streamShocks
	streamTargets
)

type rng struct{ *rand.Rand }

// regionRNGs returns one stream per region plus one for the head office (the last).
func regionRNGs(seed, stream uint64, regions int) []rng {
	rs := make([]rng, regions+1)
	for i := range rs {
		rs[i] = newRNG(seed, stream*1024+uint64(i))
	}
	return rs
}

func newRNG(seed, stream uint64) rng {
	return rng{rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15*stream+1))}
}

// normal returns a draw from N(mu, sd²).
func (r rng) normal(mu, sd float64) float64 { return mu + sd*r.NormFloat64() }

// lognormal returns exp(N(log(mean) - sd²/2, sd²)), whose mean is mean.
func (r rng) lognormal(mean, sd float64) float64 {
	return mean * math.Exp(sd*r.NormFloat64()-sd*sd/2)
}

// poisson returns a Poisson(lambda) draw: inversion for small lambda, a rounded normal
// approximation above 50 where the two are indistinguishable for our purposes.
func (r rng) poisson(lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 50 {
		n := int(math.Round(lambda + math.Sqrt(lambda)*r.NormFloat64()))
		return max(n, 0)
	}
	l := math.Exp(-lambda)
	p := r.Float64()
	k := 0
	for p > l {
		p *= r.Float64()
		k++
	}
	return k
}

// bernoulli returns true with probability p.
func (r rng) bernoulli(p float64) bool { return r.Float64() < p }

// pick returns an index drawn with the given (unnormalised, non-negative) weights.
func (r rng) pick(weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	u := r.Float64() * total
	for i, w := range weights {
		u -= w
		if u < 0 {
			return i
		}
	}
	return len(weights) - 1
}

func clamp(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }

// round2 rounds to cents so amounts look like money and print deterministically.
func round2(x float64) float64 { return math.Round(x*100) / 100 }
