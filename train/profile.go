package train

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/growthlens/growthlens/models/driver"
)

// DataProfile summarises what a run was trained on, so that the next run can tell whether its
// data is the same business with more days in it — or a shrunken, truncated or mis-scaled
// upload that no model should be promoted on. It is kept in the run record.
type DataProfile struct {
	// Rows are the rows kept per table.
	Rows map[string]int `json:"rows"`
	// Employees, Teams and Regions count the distinct ones: employees and teams rows, and the
	// regions of the region panel.
	Employees int `json:"employees"`
	Teams     int `json:"teams"`
	Regions   int `json:"regions"`
	// First and Last are the company panel's first and last complete periods.
	First string `json:"first,omitempty"`
	Last  string `json:"last,omitempty"`
	// Periods counts the company panel's complete periods.
	Periods int `json:"periods"`
	// Drivers are the distributions of the driver model's inputs over every region and
	// complete quarter, for the population stability index.
	Drivers map[string]Distribution `json:"drivers,omitempty"`
}

// Distribution is a variable's distribution in bins: Edges are the inner bin edges (the
// deciles of the run that made it), Shares the share of values in each of the len(Edges)+1
// bins.
type Distribution struct {
	Edges  []float64 `json:"edges"`
	Shares []float64 `json:"shares"`
	N      int       `json:"n"`
}

// DataGuard are the limits of auto-promotion on a run's data against the champion's.
type DataGuard struct {
	// MaxDrop is the largest fall allowed in a table's rows, or in the distinct employees,
	// teams and regions, or in the complete periods (default 0.10). A table the champion's
	// data had and this run's lacks always blocks.
	MaxDrop float64
	// MaxPSI is the largest population stability index allowed for a driver (default 0.25,
	// the usual reading of "a large shift").
	MaxPSI float64
}

// DefaultDataGuard returns the documented limits.
func DefaultDataGuard() DataGuard { return DataGuard{MaxDrop: 0.10, MaxPSI: 0.25} }

// profile builds the run's data profile from its load counts and panels.
func profile(rec *Record, in *inputs) DataProfile {
	p := DataProfile{Rows: map[string]int{}, Drivers: map[string]Distribution{}}
	for name, c := range rec.Load {
		p.Rows[name] = c.Imported
	}
	p.Employees, p.Teams = p.Rows["employees"], p.Rows["teams"]
	if in.region != nil {
		p.Regions = len(in.region.Scopes)
	}
	if c := in.company; c != nil {
		for t, ok := range c.Complete {
			if !ok {
				continue
			}
			if p.First == "" {
				p.First = c.Periods[t].String()
			}
			p.Last = c.Periods[t].String()
			p.Periods++
		}
	}
	for name, xs := range driverValues(in) {
		if len(xs) >= 20 {
			p.Drivers[name] = distribution(xs)
		}
	}
	return p
}

// distribution bins xs at its deciles.
func distribution(xs []float64) Distribution {
	s := slices.Clone(xs)
	slices.Sort(s)
	var edges []float64
	for q := 1; q < 10; q++ {
		e := s[q*len(s)/10]
		if len(edges) == 0 || e > edges[len(edges)-1] {
			edges = append(edges, e)
		}
	}
	return Distribution{Edges: edges, Shares: shares(edges, xs), N: len(xs)}
}

// shares returns the share of xs in each bin of edges (a value equal to an edge falls in the
// bin above it).
func shares(edges, xs []float64) []float64 {
	out := make([]float64, len(edges)+1)
	for _, x := range xs {
		out[sort.Search(len(edges), func(i int) bool { return edges[i] > x })]++
	}
	for i := range out {
		out[i] /= float64(len(xs))
	}
	return out
}

// PSI is the population stability index of new against old: Σ (new − old) ln(new / old) over
// old's bins, shares below 0.0001 counted as 0.0001 (so an empty bin does not make it
// infinite).
func PSI(old Distribution, newShares []float64) float64 {
	var s float64
	for i, o := range old.Shares {
		o, n := math.Max(o, 1e-4), math.Max(newShares[i], 1e-4)
		s += (n - o) * math.Log(n/o)
	}
	return s
}

// compareData returns why the run's data must not replace the champion's for
// auto-promotion ("" when it may): a table gone, a fall beyond g.MaxDrop in a table's rows,
// the distinct employees, teams or regions or the complete periods, data that ends earlier,
// or a driver whose distribution moved beyond g.MaxPSI. drivers holds the run's raw driver
// values, to be binned at the champion's edges.
func compareData(old, cur DataProfile, drivers map[string][]float64, g DataGuard) string {
	var why []string
	drop := func(what string, was, now int) {
		if was > 0 && float64(was-now) > g.MaxDrop*float64(was) {
			why = append(why, fmt.Sprintf("%s fell from %d to %d (%.0f %%, more than %.0f %%)", what, was, now, 100*float64(was-now)/float64(was), 100*g.MaxDrop))
		}
	}
	for _, name := range sortedNames(old.Rows) {
		now, ok := cur.Rows[name]
		if !ok && old.Rows[name] > 0 {
			why = append(why, fmt.Sprintf("table %s is gone (%d rows before)", name, old.Rows[name]))
			continue
		}
		drop("table "+name, old.Rows[name], now)
	}
	drop("distinct employees", old.Employees, cur.Employees)
	drop("distinct teams", old.Teams, cur.Teams)
	drop("distinct regions", old.Regions, cur.Regions)
	drop("complete periods", old.Periods, cur.Periods)
	if old.Last != "" && cur.Last != "" && cur.Last < old.Last {
		why = append(why, fmt.Sprintf("the data ends in %s, before the champion's %s", cur.Last, old.Last))
	}
	for _, name := range sortedNames(old.Drivers) {
		xs := drivers[name]
		if len(xs) == 0 {
			continue
		}
		if psi := PSI(old.Drivers[name], shares(old.Drivers[name].Edges, xs)); psi > g.MaxPSI {
			why = append(why, fmt.Sprintf("driver %s moved: population stability index %.2f, more than %.2f", name, psi, g.MaxPSI))
		}
	}
	return strings.Join(why, "; ")
}

// driverValues returns the raw values profile bins, by driver.
func driverValues(in *inputs) map[string][]float64 {
	out := map[string][]float64{}
	r := in.region
	if r == nil {
		return out
	}
	for _, s := range driver.DefaultSpecs() {
		if !r.Has(s.Column) {
			continue
		}
		for _, scope := range r.Scopes {
			for t, v := range r.Series(scope, s.Column) {
				if r.Complete[t] && !math.IsNaN(v) && !math.IsInf(v, 0) {
					out[s.Column] = append(out[s.Column], v)
				}
			}
		}
	}
	return out
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
