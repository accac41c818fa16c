package slicebench

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Incident describes a failure-ratio incident as production monitoring records it (the
// Incident benches, FV* and FT*): per-period counts of failures and of all events in each leaf,
// one leaf per combination of dimension values that saw traffic in the period, the expected
// counts the mean of the four earlier periods. What the published descriptions of real
// incidents say, and what the other benches lack:
//
//   - volumes are heavy-tailed and structured: each dimension's values have Zipf-like
//     popularities (a few provinces, ISPs or app versions carry most traffic), a leaf's volume
//     is the product of its values' popularities times leaf-level noise, so most leaves are
//     tiny and many combinations see no traffic at all;
//   - the failure rate is low (0.1–5 % overall) and varies by value (some device types or
//     versions fail more), so most leaves have no failure in a period;
//   - the expectation is the mean of four earlier noisy periods in which the leaf appeared
//     (a leaf absent from all four has expected counts of zero), so it is noisy in both the
//     numerator and the denominator;
//   - a root cause is 1–3 elements, each of its own depth (1–3), chosen where the traffic is
//     (an element is picked through a leaf drawn in proportion to its volume: incidents that are
//     labelled are those that moved the KPI), whose failure rate rises by a modest to large
//     factor — in some the element's traffic also drops, in about a third the rate falls instead;
//   - the whole cube's failure rate drifts a little between periods, and per period traffic
//     rises or falls as a whole.
type Incident struct {
	// Events is the range (log-uniform) of the mean number of events per possible leaf per
	// period.
	Events [2]float64
	// Zipf is the range of the Zipf exponent of each dimension's value popularities.
	Zipf [2]float64
	// Rate is the range of the overall failure rate.
	Rate [2]float64
	// Factor is the range (log-uniform) of the failure-rate multiplier of a cause's leaves.
	Factor [2]float64
	// DropShare is the probability that a cause's traffic also drops, by 20–80 %; FallShare
	// the probability that its failure rate falls (by 1/Factor) instead of rising.
	DropShare, FallShare float64
	// Drift is the largest relative drift of the whole cube's failure rate in the period.
	Drift float64
	// Causes is the range of the number of cause elements, Depth of each one's depth.
	Causes, Depth [2]int
}

// generateIncident builds one failure-ratio incident of spec (spec.Incident non-nil).
func generateIncident(spec Spec, seed uint64) *Case {
	in := spec.Incident
	src := rand.NewPCG(seed, 0x1c1de47)
	r := rand.New(src)
	poisson, binomial := counters(src)
	nd := len(spec.Dims)
	n := spec.Leaves()
	// Popularity and failure propensity of every value, shuffled so that value names carry no
	// rank.
	pop := make([][]float64, nd)
	prop := make([][]float64, nd)
	for d, card := range spec.Dims {
		s := between(r, in.Zipf)
		pop[d] = make([]float64, card)
		prop[d] = make([]float64, card)
		var sum float64
		for j := range card {
			pop[d][j] = math.Pow(float64(j+1), -s)
			sum += pop[d][j]
		}
		r.Shuffle(card, func(i, j int) { pop[d][i], pop[d][j] = pop[d][j], pop[d][i] })
		for j := range card {
			pop[d][j] *= float64(card) / sum // mean 1
			prop[d][j] = math.Exp(0.4 * r.NormFloat64())
		}
	}
	full := fullCube(spec.Dims)
	base := logBetween(r, in.Rate)
	events := logBetween(r, in.Events)
	lambda := make([]float64, n) // mean events per period
	rate := make([]float64, n)   // normal failure rate
	for l := 0; l < n; l++ {
		v, p := events, base
		for d := range nd {
			v *= pop[d][full[d][l]]
			p *= prop[d][full[d][l]]
		}
		lambda[l] = v * math.Exp(0.8*r.NormFloat64()-0.32)
		rate[l] = p * math.Exp(0.3*r.NormFloat64())
	}
	// Scale the rates so that the traffic-weighted failure rate is the drawn base rate.
	var sv, sp float64
	for l := range lambda {
		sv += lambda[l]
		sp += lambda[l] * rate[l]
	}
	for l := range rate {
		rate[l] = math.Min(0.5, rate[l]*base*sv/sp)
	}

	// Four earlier periods. Each period has a traffic level and a rate level shared by every
	// leaf; each leaf's rate and traffic wander around their normal level.
	noise := between(r, spec.Noise)
	var hn, hd [4][]float64
	for t := range 4 {
		hn[t], hd[t] = make([]float64, n), make([]float64, n)
		traffic := math.Exp(0.05 * r.NormFloat64())
		level := math.Exp(0.03 * r.NormFloat64())
		for l := 0; l < n; l++ {
			d := poisson(lambda[l] * traffic * math.Exp(noise*r.NormFloat64()))
			hd[t][l] = d
			hn[t][l] = binomial(d, rate[l]*level*math.Exp(noise*r.NormFloat64()))
		}
	}
	// The expectation: the mean over the earlier periods in which the leaf appeared.
	en, ed := make([]float64, n), make([]float64, n)
	for l := 0; l < n; l++ {
		var k float64
		for t := range 4 {
			if hd[t][l] > 0 {
				en[l] += hn[t][l]
				ed[l] += hd[t][l]
				k++
			}
		}
		if k > 0 {
			en[l], ed[l] = en[l]/k, ed[l]/k
		}
	}
	var total float64
	for _, x := range lambda {
		total += x
	}
	// Causes: each through a leaf drawn by volume, on dimensions drawn at random, disjoint. A
	// labelled incident is one that moved the KPI: the causes and the period are drawn again (up
	// to 200 times) until the causes' excess failures reach three standard deviations of the
	// whole cube's failure count, and each cause's its own.
	for attempt := 0; ; attempt++ {
		var causes []incidentCause
		want := betweenInt(r, in.Causes)
		for tries := 0; len(causes) < want && tries < 200; tries++ {
			u := r.Float64() * total
			leaf := 0
			for acc := 0.0; leaf < n-1; leaf++ {
				if acc += lambda[leaf]; acc >= u {
					break
				}
			}
			depth := min(betweenInt(r, in.Depth), nd)
			dims := r.Perm(nd)[:depth]
			slices.Sort(dims)
			e := element{dims: dims, vals: make([]int, depth)}
			for i, d := range dims {
				e.vals[i] = int(full[d][leaf])
			}
			if slices.ContainsFunc(causes, func(c incidentCause) bool { return e.overlaps(c.e) }) {
				continue
			}
			c := incidentCause{e: e, factor: logBetween(r, in.Factor)}
			if r.Float64() < in.FallShare {
				c.factor = 1 / c.factor
			}
			if r.Float64() < in.DropShare {
				c.drop = 0.2 + 0.6*r.Float64()
			}
			causes = append(causes, c)
		}
		c, excess, expected := incidentPeriod(spec, seed, r, full, lambda, rate, noise, en, ed, causes)
		visible := true
		var sum float64
		for i := range causes {
			visible = visible && math.Abs(excess[i]) >= 3*math.Sqrt(expected[i]+1)
			sum += excess[i]
		}
		if visible && math.Abs(sum) >= 3*math.Sqrt(expected[len(causes)]+1) || attempt == 199 {
			return c
		}
	}
}

type incidentCause struct {
	e            element
	factor, drop float64
}

// incidentPeriod draws the period of the incident and returns its case, each cause's excess
// failures over its leaves' expected rates and its expected failures, the last expected value
// being the whole cube's.
func incidentPeriod(spec Spec, seed uint64, r *rand.Rand, full [][]int32, lambda, rate []float64, noise float64,
	en, ed []float64, causes []incidentCause) (c *Case, excess, expected []float64) {
	excess, expected = make([]float64, len(causes)), make([]float64, len(causes)+1)
	in := spec.Incident
	src := rand.NewPCG(r.Uint64(), r.Uint64())
	poisson, binomial := counters(src)
	nd := len(spec.Dims)
	traffic := math.Exp(0.05 * r.NormFloat64())
	drift := 1 + in.Drift*(2*r.Float64()-1)
	c = &Case{Bench: spec.Name, Seed: seed, Ratio: true, MaxDims: min(spec.MaxDims, nd)}
	c.Dims, c.Values = names(spec.Dims)
	c.Codes = make([][]int32, nd)
	var sumEN, sumED float64
	for l := range en {
		sumEN += en[l]
		sumED += ed[l]
	}
	overall := sumEN / math.Max(sumED, 1)
	for l := range lambda {
		lam, p := lambda[l]*traffic*math.Exp(noise*r.NormFloat64()), rate[l]*drift*math.Exp(noise*r.NormFloat64())
		in := -1
		for i, cs := range causes {
			if cs.e.contains(full, l) {
				lam *= 1 - cs.drop
				p = rate[l] * cs.factor * math.Exp(0.2*r.NormFloat64())
				in = i
			}
		}
		d := poisson(lam)
		if d == 0 {
			continue // a leaf without traffic in the period has no row
		}
		for dd := range nd {
			c.Codes[dd] = append(c.Codes[dd], full[dd][l])
		}
		num := binomial(d, math.Min(0.95, p))
		c.Num = append(c.Num, num)
		c.Den = append(c.Den, d)
		c.ExpNum = append(c.ExpNum, en[l])
		c.ExpDen = append(c.ExpDen, ed[l])
		er := overall
		if ed[l] > 0 {
			er = en[l] / ed[l]
		}
		expected[len(causes)] += er * d
		if in >= 0 {
			excess[in] += num - er*d
			expected[in] += er * d
		}
	}
	for _, cs := range causes {
		m := make(map[string]string, len(cs.e.dims))
		for i, d := range cs.e.dims {
			m[c.Dims[d]] = c.Values[d][cs.e.vals[i]]
		}
		c.Truth = append(c.Truth, m)
	}
	return c, excess, expected
}

func logBetween(r *rand.Rand, x [2]float64) float64 {
	return math.Exp(between(r, [2]float64{math.Log(x[0]), math.Log(x[1])}))
}
