package incentive

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/internal/quantile"
)

// employeeInputs are the numbers the preference and attrition models may read from an
// employee's features, by name: the names explanations use and describe knows. Both models
// are linear in them (after standardising), so that a what-if change of an input (a
// promotion's level, pay and wait) moves a prediction smoothly and in one direction.
var employeeInputs = map[string]func(r *features.EmployeeRow) float64{
	"age":                   func(r *features.EmployeeRow) float64 { return r.Age },
	"tenure_years":          func(r *features.EmployeeRow) float64 { return r.TenureYears },
	"level":                 func(r *features.EmployeeRow) float64 { return r.Level },
	"salary":                func(r *features.EmployeeRow) float64 { return r.Salary },
	"salary_ratio":          func(r *features.EmployeeRow) float64 { return r.SalaryRatio },
	"perf_last":             func(r *features.EmployeeRow) float64 { return r.PerfLast },
	"perf_trend":            func(r *features.EmployeeRow) float64 { return r.PerfTrend },
	"perf_mean_24m":         func(r *features.EmployeeRow) float64 { return r.PerfMean },
	"kpi_last":              func(r *features.EmployeeRow) float64 { return r.KPILast },
	"kpi_mean_24m":          func(r *features.EmployeeRow) float64 { return r.KPIMean },
	"promotion_wait_months": func(r *features.EmployeeRow) float64 { return r.PromotionWaitMonths },
	"months_since_reward":   func(r *features.EmployeeRow) float64 { return r.MonthsSinceReward },
	"reimbursement_days":    func(r *features.EmployeeRow) float64 { return r.ReimbursementDays },
	colLastFit:              func(r *features.EmployeeRow) float64 { return r.LastIncentiveFit },
	"rewards_24m": func(r *features.EmployeeRow) float64 {
		var s float64
		for _, c := range r.Rewards24m {
			s += c
		}
		return s
	},
}

func init() {
	for k, t := range datasets.RewardTypes {
		employeeInputs[colPastDelta+t] = func(r *features.EmployeeRow) float64 { return r.PastDelta[k] }
		employeeInputs[colChosenShare+t] = func(r *features.EmployeeRow) float64 {
			var n float64
			for _, c := range r.ChosenBefore {
				n += c
			}
			if !(n > 0) {
				return math.NaN() // no choice yet (or unknown): no share to speak of
			}
			return r.ChosenBefore[k] / n
		}
	}
	for _, role := range datasets.Roles {
		employeeInputs["role_"+role] = func(r *features.EmployeeRow) float64 { return b2f(r.Role == role) }
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// scaler turns a model's named inputs into the standardised columns it is linear in: a
// missing value (NaN, ±Inf) is replaced by the input's training median, an input that had
// missing values in training gets a 0/1 missing indicator column after all the inputs, and
// every column is centred and scaled to mean 0 and standard deviation 1 on the training rows
// (a constant column is only centred), so that one L2 penalty treats every input alike.
type scaler struct {
	Inputs  []string
	Missing []bool    // per input: an indicator column follows the inputs
	Impute  []float64 // per input: its training median (0 when it never had a value)
	Mean    []float64 // per column (inputs, then indicators)
	SD      []float64
}

// fitScaler fits a scaler on n rows; value(i, j) is input j of row i (NaN when missing).
func fitScaler(inputs []string, n int, value func(i, j int) float64) scaler {
	q := len(inputs)
	s := scaler{Inputs: inputs, Missing: make([]bool, q), Impute: make([]float64, q), Mean: make([]float64, q), SD: make([]float64, q)}
	present := make([]float64, 0, n)
	for j := range q {
		present = present[:0]
		for i := range n {
			if v := value(i, j); isValue(v) {
				present = append(present, v)
			}
		}
		s.Missing[j] = len(present) < n
		if len(present) > 0 {
			s.Impute[j] = quantile.Median(present)
		}
		var sum, ss float64
		for _, v := range present {
			sum += v
		}
		fill := float64(n-len(present)) * s.Impute[j]
		m := (sum + fill) / float64(n)
		for _, v := range present {
			ss += (v - m) * (v - m)
		}
		ss += float64(n-len(present)) * (s.Impute[j] - m) * (s.Impute[j] - m)
		s.Mean[j], s.SD[j] = m, sdOr1(math.Sqrt(ss/float64(n)))
	}
	for j := range q {
		if s.Missing[j] {
			share := 0.0
			for i := range n {
				share += b2f(!isValue(value(i, j)))
			}
			share /= float64(n)
			s.Mean, s.SD = append(s.Mean, share), append(s.SD, sdOr1(math.Sqrt(share*(1-share))))
		}
	}
	return s
}

func isValue(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func sdOr1(sd float64) float64 {
	if !(sd > 1e-12) {
		return 1
	}
	return sd
}

// width is the number of columns.
func (s *scaler) width() int { return len(s.Mean) }

// indicators returns, per input, the column of its missing indicator, or -1.
func (s *scaler) indicators() []int {
	out := make([]int, len(s.Inputs))
	next := len(s.Inputs)
	for j, m := range s.Missing {
		out[j] = -1
		if m {
			out[j] = next
			next++
		}
	}
	return out
}

// encode returns the n×width standardised matrix of n rows (value as for fitScaler).
func (s *scaler) encode(n int, value func(i, j int) float64) []float64 {
	p, q := s.width(), len(s.Inputs)
	ind := s.indicators()
	x := make([]float64, n*p)
	for i := range n {
		row := x[i*p : (i+1)*p]
		for j := range q {
			v := value(i, j)
			miss := !isValue(v)
			if miss {
				v = s.Impute[j]
			}
			row[j] = (v - s.Mean[j]) / s.SD[j]
			if c := ind[j]; c >= 0 {
				row[c] = (b2f(miss) - s.Mean[c]) / s.SD[c]
			}
		}
	}
	return x
}

// typical returns column j's standardised value for input j at its training median, and the
// indicator column's for "not missing".
func (s *scaler) typical(j, indicator int) (float64, float64) {
	t := (s.Impute[j] - s.Mean[j]) / s.SD[j]
	if indicator < 0 {
		return t, 0
	}
	return t, (0 - s.Mean[indicator]) / s.SD[indicator]
}

// check reports a decoded scaler whose parts do not fit together; known says whether an
// input name is one the model can read.
func (s *scaler) check(known func(string) bool) error {
	q, ind := len(s.Inputs), 0
	for _, m := range s.Missing {
		if m {
			ind++
		}
	}
	if len(s.Missing) != q || len(s.Impute) != q || len(s.Mean) != q+ind || len(s.SD) != q+ind {
		return errors.New("inconsistent input sizes")
	}
	for _, name := range s.Inputs {
		if !known(name) {
			return fmt.Errorf("unknown input %q", name)
		}
	}
	for _, sd := range s.SD {
		if !(sd > 0) || math.IsInf(sd, 0) {
			return errors.New("a standard deviation is not positive")
		}
	}
	return nil
}

func fmtInput(x float64) string {
	if !isValue(x) {
		return ""
	}
	return strconv.FormatFloat(x, 'g', 6, 64)
}
