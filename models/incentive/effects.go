package incentive

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/quantile"
)

// PerformanceModel predicts the performance change an incentive brings (the rewards table's
// performance_delta, in the data's own performance units) from its fit and type:
//
//	Δperf = Intercept + Slope × fit + Offset[type]
//
// fitted by least squares on the rewards whose performance_delta is recorded, with a ridge
// penalty (OffsetPenalty × n) on the type offsets only, so that a type with few rewards
// borrows from the common line instead of chasing its own noise. Fit is the employee's
// estimated preference for the incentive given over their preference for the best eligible
// one (1 = the favourite), as of the reward date. Rewards management assigned (chosen=false)
// are what makes the slope learnable: chosen rewards mostly fit well.
type PerformanceModel struct {
	Intercept float64 `json:"intercept"`
	Slope     float64 `json:"slope"`
	// Offset is per type, in datasets.RewardTypes order.
	Offset [numTypes]float64 `json:"offset"`
	// Rows is the number of rewards fitted; ResidualSD their residual standard deviation.
	Rows       int     `json:"rows"`
	ResidualSD float64 `json:"residual_sd"`
}

// OffsetPenalty is the ridge penalty per row on the per-type offsets of PerformanceModel.
const OffsetPenalty = 0.01

// Predict returns the expected performance change of an incentive of type k with fit f.
func (m *PerformanceModel) Predict(k int, fit float64) float64 {
	return m.Intercept + m.Slope*fit + m.Offset[k]
}

// fitPerformance fits the model on (type, fit, delta) triples. Fewer than 10 rows, or fits that
// do not vary, are an error: the slope would be a guess.
func fitPerformance(types []int, fits, deltas []float64) (*PerformanceModel, error) {
	n := len(deltas)
	if n < 10 {
		return nil, dataError{fmt.Errorf("performance: %d rewards with a performance_delta, want at least 10", n)}
	}
	lo, hi := slices.Min(fits), slices.Max(fits)
	if !(hi-lo > 1e-9) {
		return nil, errors.New("performance: every reward has the same estimated fit, so its effect cannot be learned")
	}
	// Columns: intercept, fit, one offset per type. Normal equations with the ridge term on
	// the offsets; fit is centred first so the intercept is not penalised indirectly.
	p := 2 + numTypes
	var mean float64
	for _, f := range fits {
		mean += f
	}
	mean /= float64(n)
	xtx := mat.NewSymDense(p, nil)
	xty := mat.NewVecDense(p, nil)
	row := make([]float64, p)
	for i := range deltas {
		for j := range row {
			row[j] = 0
		}
		row[0], row[1], row[2+types[i]] = 1, fits[i]-mean, 1
		for a := 0; a < p; a++ {
			if row[a] == 0 {
				continue
			}
			xty.SetVec(a, xty.AtVec(a)+row[a]*deltas[i])
			for b := a; b < p; b++ {
				xtx.SetSym(a, b, xtx.At(a, b)+row[a]*row[b])
			}
		}
	}
	for k := 0; k < numTypes; k++ {
		xtx.SetSym(2+k, 2+k, xtx.At(2+k, 2+k)+OffsetPenalty*float64(n))
	}
	var beta mat.VecDense
	var chol mat.Cholesky
	if !chol.Factorize(xtx) {
		return nil, errors.New("performance: the design is singular")
	}
	if err := chol.SolveVecTo(&beta, xty); err != nil {
		return nil, fmt.Errorf("performance: %w", err)
	}
	m := &PerformanceModel{Slope: beta.AtVec(1), Rows: n}
	m.Intercept = beta.AtVec(0) - m.Slope*mean
	for k := range m.Offset {
		m.Offset[k] = beta.AtVec(2 + k)
	}
	var ss float64
	for i, d := range deltas {
		r := d - m.Predict(types[i], fits[i])
		ss += r * r
	}
	m.ResidualSD = math.Sqrt(ss / float64(max(n-p, 1)))
	return m, nil
}

// CostModel gives each incentive type's cost for an employee: Fixed + SalaryShare × annual
// base salary. Learned from the rewards table's values: a type whose values vary less as a
// share of salary than as amounts (bonuses, equity, raises) costs the median share of salary;
// otherwise (training, recognition) the median amount. A promotion's value is its annual
// raise, counted Values.RaiseYears times. Config.Costs overrides a type.
type CostModel struct {
	Fixed       [numTypes]float64
	SalaryShare [numTypes]float64
	// Basis says in words where each type's cost comes from.
	Basis [numTypes]string
}

// Cost returns the cost of type k for an employee paid salary a year.
func (c *CostModel) Cost(k int, salary float64) float64 {
	return c.Fixed[k] + c.SalaryShare[k]*salary
}

// costSample is one recorded reward value with the salary on the reward date (NaN unknown).
type costSample struct {
	value, salary float64
}

func fitCosts(samples [numTypes][]costSample, cfg *Config) *CostModel {
	m := &CostModel{}
	for k, name := range datasets.RewardTypes {
		if o, ok := cfg.Costs[name]; ok {
			m.Fixed[k], m.SalaryShare[k] = o.Fixed, o.SalaryShare
			m.Basis[k] = "set in the config"
			continue
		}
		s := samples[k]
		if len(s) == 0 {
			m.Basis[k] = "no value recorded in reward history: counted as 0"
			continue
		}
		amounts := make([]float64, 0, len(s))
		shares := make([]float64, 0, len(s))
		for _, x := range s {
			amounts = append(amounts, x.value)
			if x.salary > 0 {
				shares = append(shares, x.value/x.salary)
			}
		}
		mult := 1.0
		what := "median value"
		if name == "promotion" {
			mult = cfg.Value.RaiseYears
			what = fmt.Sprintf("%g year(s) of the median raise", mult)
		}
		if len(shares) >= len(amounts)/2 && cv(shares) < cv(amounts) {
			m.SalaryShare[k] = mult * quantile.Median(shares)
			m.Basis[k] = fmt.Sprintf("%s: %.1f %% of salary (%d rewards)", what, 100*quantile.Median(shares), len(shares))
		} else {
			m.Fixed[k] = mult * quantile.Median(amounts)
			m.Basis[k] = fmt.Sprintf("%s: %.0f (%d rewards)", what, quantile.Median(amounts), len(amounts))
		}
	}
	return m
}

// cv is the coefficient of variation (standard deviation over mean); +Inf for a zero mean.
func cv(v []float64) float64 {
	if len(v) < 2 {
		return 0
	}
	var m float64
	for _, x := range v {
		m += x
	}
	m /= float64(len(v))
	var ss float64
	for _, x := range v {
		ss += (x - m) * (x - m)
	}
	if m == 0 {
		return math.Inf(1)
	}
	return math.Sqrt(ss/float64(len(v)-1)) / math.Abs(m)
}

// typeList joins type names for messages.
func typeList(ks []int) string {
	names := make([]string, len(ks))
	for i, k := range ks {
		names[i] = datasets.RewardTypes[k]
	}
	return strings.Join(names, ", ")
}
