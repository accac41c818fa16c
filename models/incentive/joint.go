package incentive

import (
	"context"
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/optimize"

	"github.com/growthlens/growthlens/features"
)

// Reward history as evidence of preference.
//
// The performance model says a reward's performance_delta is intercept + slope × fit +
// offset[type] + noise, with fit = P(type) / max_j P(j) over the types eligible then (see
// PerformanceModel). Read the other way, every reward with a recorded performance_delta —
// those the company assigned as well as those the employee chose — is a noisy measurement of
// how the type given ranked among the employee's preferences. On the 100-employee synthetic
// companies those are about 870 measurements beside about 680 choices, and the choices alone
// leave the 56 preference parameters loosely determined.
//
// refineWithHistory therefore maximises the joint penalised likelihood of the choices and the
// performance deltas,
//
//	(1/n_c) [ Σ_choices −log P(y | x, E) + Σ_rewards (δ − intercept − slope·fit(θ) − offset)² / (2σ²) ]
//	+ the choice model's penalty (α and L1 share as cross-validation chose them),
//
// alternating jointRounds times between the preference parameters θ (BFGS from the
// choice-only fit, analytic gradient) and the performance model (least squares at the current
// fits, σ its residual standard deviation). The fit has a kink where the favourite changes:
// BFGS stops when its line search can make no more progress there, or after jointIterations. On the development companies (100 employees, seeds 1–6 and 21–30) the top
// recommendation matched the true favourite for 87.6 % of employees against 85.1 % from the
// choices alone, and the macro-F1 gap fell from 0.028 to 0.013.
//
// The more choices, the less the deltas add: on the 1,000-employee development company (seed
// 1, 6,700 choices) the top match moved by less than its noise (0.879 to 0.875) for 3.6 s
// more training. Beyond historyMaxChoices chosen rewards the refinement is skipped: on the
// 10,000-employee tenant (66,000 choices) it would cost about 35 s of CPU.
const (
	historyMaxChoices = cvMaxRows
	jointRounds       = 3
	jointIterations   = 200
)

// historyData holds the rewards with a recorded performance_delta for refineWithHistory:
// d encodes each as a choice of the type given (y) among the types eligible then.
type historyData struct {
	d      *choiceData
	deltas []float64
}

// buildHistory collects every reward with a performance_delta of a type the choice model has
// seen chosen, with the features as of its date.
func (r *Recommender) buildHistory() (*historyData, error) {
	var (
		rows   []features.EmployeeRow
		el     [][numTypes]bool
		types  []int
		deltas []float64
	)
	for _, id := range r.staff.IDs() {
		for _, rw := range r.staff.Rewards(id) {
			k := typeIndex(rw.Type)
			if k < 0 || !rw.PerformanceDelta.Valid || !r.choice.Seen[k] || !isValue(rw.PerformanceDelta.V) {
				continue
			}
			row, err := r.staff.At(id, rw.Date)
			if err != nil {
				return nil, err
			}
			e := r.cfg.Eligible(&row)
			e[k] = true
			rows, el, types, deltas = append(rows, row), append(el, e), append(types, k), append(deltas, rw.PerformanceDelta.V)
		}
	}
	d := r.choice.encode(rows, el, attrsOf(r.choice.Attrs, rows))
	for i, k := range types {
		d.y[i] = int8(k)
		d.mask[i] |= 1 << k
	}
	return &historyData{d: d, deltas: deltas}, nil
}

// fits returns each history row's fit at th and the index of its favourite.
func (h *historyData) fits(th []float64) ([]float64, []int) {
	d := h.d
	out, best := make([]float64, d.n), make([]int, d.n)
	var u [numTypes]float64
	for i := range d.n {
		d.utilities(th, i, &u)
		b := -1
		for k := range numTypes {
			if d.mask[i]&(1<<k) != 0 && (b < 0 || u[k] > u[b]) {
				b = k
			}
		}
		best[i] = b
		out[i] = math.Exp(u[d.y[i]] - u[b]) // P(k)/P(best): the denominators cancel
	}
	return out, best
}

func (h *historyData) types() []int {
	t := make([]int, h.d.n)
	for i, k := range h.d.y {
		t[i] = int(k)
	}
	return t
}

// refineWithHistory refines the fitted choice model cm (fitted on choices dc) with the
// performance deltas of h, as the comment on jointRounds describes. It returns an error when
// the performance model cannot be fitted; the caller keeps the choice-only fit then.
func refineWithHistory(ctx context.Context, cm *choiceModel, dc *choiceData, h *historyData) error {
	th := cm.theta()
	dim := len(th)
	types := h.types()
	for range jointRounds {
		fits, _ := h.fits(th)
		pm, err := fitPerformance(types, fits, h.deltas)
		if err != nil {
			return err
		}
		s2 := pm.ResidualSD * pm.ResidualSD
		if !(s2 > 0) {
			return dataError{errors.New("performance deltas fitted exactly: nothing to weigh them by")}
		}
		objGrad := jointObjective(cm, dc, h, pm)
		res, err := optimize.Minimize(optimize.Problem{
			Func: func(x []float64) float64 { return objGrad(nil, x) },
			Grad: func(g, x []float64) { objGrad(g, x) },
		}, th, &optimize.Settings{MajorIterations: jointIterations, Converger: &optimize.FunctionConverge{Absolute: 1e-10, Iterations: 20},
			Recorder: cancelRecorder{ctx}}, &optimize.BFGS{})
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if res == nil {
			return fmt.Errorf("refine with reward history: %w", err)
		}
		if !isFinite(res.F) || len(res.X) != dim {
			return errors.New("refine with reward history: the objective is not finite")
		}
		th = res.X
	}
	cm.setTheta(th)
	return nil
}

// jointObjective returns refineWithHistory's objective at the performance model pm: called
// with g not nil it also fills g with the gradient.
func jointObjective(cm *choiceModel, dc *choiceData, h *historyData, pm *PerformanceModel) func(g, x []float64) float64 {
	s, m := dc.p+1, dc.m
	gOff := numTypes * s
	all := make([]int, dc.n)
	for i := range all {
		all[i] = i
	}
	pen, l1 := cm.Alpha*(1-cm.L1Ratio)+l2Floor, cm.Alpha*cm.L1Ratio
	nInv := 1 / float64(dc.n)
	s2 := pm.ResidualSD * pm.ResidualSD
	return func(g, x []float64) float64 {
		if g != nil {
			clear(g)
		}
		f := dc.gradient(all, x, g)
		fits, best := h.fits(x)
		hd := h.d
		for i, fit := range fits {
			k := int(hd.y[i])
			e := h.deltas[i] - pm.Predict(k, fit)
			f += e * e / (2 * s2)
			b := best[i]
			if g == nil || b == k {
				continue // at its favourite the fit is 1 whatever θ
			}
			// ∂fit/∂θ = fit (∂u_k − ∂u_b)
			c := -e * pm.Slope / s2 * fit
			xr := hd.x[i*hd.p : (i+1)*hd.p]
			g[k*s] += c
			g[b*s] -= c
			for a, v := range xr {
				g[k*s+1+a] += c * v
				g[b*s+1+a] -= c * v
			}
			if m > 0 {
				z := hd.z[i*numTypes*m : (i+1)*numTypes*m]
				for a := range m {
					g[gOff+a] += c * (z[k*m+a] - z[b*m+a])
				}
			}
		}
		f *= nInv
		for j, v := range x {
			if g != nil {
				g[j] *= nInv
			}
			if dc.intercept(j) {
				f += 0.5 * interceptPenalty * v * v
				if g != nil {
					g[j] += interceptPenalty * v
				}
				continue
			}
			r := math.Hypot(v, l1Smooth)
			f += 0.5*pen*v*v + l1*(r-l1Smooth)
			if g != nil {
				g[j] += pen*v + l1*v/r
			}
		}
		return f
	}
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// gradient adds the gradient of the summed negative log-likelihood of rows at th to g (when
// g is not nil) and returns that sum: a row adds Σ_k (p_k − y_k) d_k, d_k the design vector of
// alternative k (see derivatives).
func (d *choiceData) gradient(rows []int, th, g []float64) float64 {
	p, m := d.p, d.m
	s := p + 1
	gOff := numTypes * s
	var u, pr [numTypes]float64
	var f float64
	for _, i := range rows {
		d.utilities(th, i, &u)
		mask := d.mask[i]
		f += softmax(&u, mask, &pr) - u[d.y[i]]
		if g == nil {
			continue
		}
		x := d.x[i*p : (i+1)*p]
		for k := range numTypes {
			if mask&(1<<k) == 0 {
				continue
			}
			res := pr[k]
			if int(d.y[i]) == k {
				res--
			}
			g[k*s] += res
			for a, v := range x {
				g[k*s+1+a] += res * v
			}
			for a := range m {
				g[gOff+a] += res * d.z[(i*numTypes+k)*m+a]
			}
		}
	}
	return f
}

// cancelRecorder stops a gonum optimisation once ctx is cancelled: a Recorder's error ends
// Minimize at the next iteration.
type cancelRecorder struct{ ctx context.Context }

func (r cancelRecorder) Init() error { return nil }

func (r cancelRecorder) Record(*optimize.Location, optimize.Operation, *optimize.Stats) error {
	return r.ctx.Err()
}
