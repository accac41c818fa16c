package incentive

import (
	"math"
	"time"

	"github.com/growthlens/growthlens/datasets"
)

// AgeBands are the age bands of the fairness report, by their lower bound in years: under
// 30, 30–39, 40–49, 50 and over.
var AgeBands = []struct {
	Name string
	From float64
}{{"under 30", 0}, {"30–39", 30}, {"40–49", 40}, {"50 and over", 50}}

// Fairness is the selection rate of each incentive type by age band: the share of a band's
// employees whose top recommendation is that type. Age is not a model input (unless the
// policy allows protected inputs), but what the models read can stand in for it; this report
// shows whether the recommendations still split by age.
type Fairness struct {
	AsOf  string   `json:"as_of"`
	Bands []string `json:"bands"`
	// Employees per band (with a recorded birth year); Unknown counts those without one.
	Employees []int `json:"employees"`
	Unknown   int   `json:"unknown_age"`
	// Rates[type][band] is the band's selection rate of the type; None[band] the share with
	// no recommendation.
	Rates map[string][]float64 `json:"rates"`
	None  []float64            `json:"none"`
	// FourFifths[type] is the lowest band rate over the highest (the four-fifths rule reads
	// a ratio under 0.8 as adverse impact); nil when no band selects the type. Bands with
	// fewer than MinBandEmployees employees are left out of the ratio.
	FourFifths map[string]*float64 `json:"four_fifths"`
	// AnyFourFifths is the four-fifths ratio of receiving any recommendation at all (1 − None):
	// whether a band is left without an incentive more often than another.
	AnyFourFifths *float64 `json:"four_fifths_any"`
}

// MinBandEmployees is the fewest employees a band needs to count in a four-fifths ratio: a
// rate over a handful of people says little.
const MinBandEmployees = 10

// Fairness computes the report over recommendations (Recommend's, on asOf) of employees in
// the recommender's data; ages are as of asOf from the employees' birth years.
func (r *Recommender) Fairness(recs []Recommendation, asOf time.Time) Fairness {
	f := Fairness{AsOf: datasets.FormatDate(asOf), Rates: map[string][]float64{}, FourFifths: map[string]*float64{}}
	nb := len(AgeBands)
	for _, b := range AgeBands {
		f.Bands = append(f.Bands, b.Name)
	}
	f.Employees, f.None = make([]int, nb), make([]float64, nb)
	counts := map[string][]float64{}
	for _, t := range datasets.RewardTypes {
		counts[t] = make([]float64, nb)
	}
	for _, rec := range recs {
		e, ok := r.staff.Employee(rec.EmployeeID)
		if !ok || !e.BirthYear.Valid {
			f.Unknown++
			continue
		}
		age := float64(asOf.Year() - int(e.BirthYear.V))
		b := 0
		for i, band := range AgeBands {
			if age >= band.From {
				b = i
			}
		}
		f.Employees[b]++
		if top := rec.Recommended(); len(top) > 0 {
			counts[top[0].Type][b]++
		} else {
			f.None[b]++
		}
	}
	for b, n := range f.Employees {
		if n > 0 {
			f.None[b] /= float64(n)
		}
	}
	for _, t := range datasets.RewardTypes {
		rates := make([]float64, nb)
		for b, n := range f.Employees {
			if n > 0 {
				rates[b] = counts[t][b] / float64(n)
			}
		}
		f.Rates[t] = rates
		f.FourFifths[t] = fourFifths(f.Employees, rates)
	}
	anyRate := make([]float64, nb)
	for b, n := range f.Employees {
		if n > 0 {
			anyRate[b] = 1 - f.None[b]
		}
	}
	f.AnyFourFifths = fourFifths(f.Employees, anyRate)
	return f
}

// fourFifths returns the lowest rate over the highest among the bands with at least
// MinBandEmployees employees, or nil when none of them selects.
func fourFifths(employees []int, rates []float64) *float64 {
	lo, hi := math.Inf(1), 0.0
	for b, n := range employees {
		if n >= MinBandEmployees {
			lo, hi = math.Min(lo, rates[b]), math.Max(hi, rates[b])
		}
	}
	if !(hi > 0) {
		return nil
	}
	ratio := lo / hi
	return &ratio
}
