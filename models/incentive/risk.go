package incentive

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/classify"
)

// LinearLogistic names the default attrition model (see AttritionFamilies): a logistic
// regression linear in the standardised inputs, fitted by this package.
const LinearLogistic = "linear_logistic"

// riskModel is the attrition model: the probability of leaving within 12 months,
//
//	P(leave | x) = σ(b + w·x),
//
// x the standardised inputs (see scaler), fitted by Newton's method on the penalised mean
// negative log-likelihood (see penaltyGrid; α by stratified cross-validation). It is asked
// what-if questions — the same employee a level up with a raise and no promotion wait, or
// just after an incentive that fits well or badly — so every input enters linearly: the
// answer then moves smoothly, in the direction the data say, by an amount the whole range of
// the data estimates. (classify's logistic regression may one-hot small integer columns and
// log-transform skewed ones when cross-validation likes them a little better; then a what-if
// step from level 6 to 7 reads two separately estimated level weights, and a promotion wait
// set to 0 sits at the steep end of a log. On 100-employee companies that made promotion the
// top recommendation for employees who ranked it near last.)
type riskModel struct {
	Scale scaler
	B     float64
	W     []float64
	// Alpha is the penalty chosen; CV lists every one tried with its held-out log loss.
	Alpha, L1Ratio float64
	CV             []PenaltyCV
	Rows           int
}

// attritionInputs (employeeInputs keys) are what the attrition model reads: role, tenure, pay
// against the role median, performance, the wait since the last promotion, expense
// reimbursement time, and the fit of the latest incentive in the last 12 months (with a
// missing indicator for none).
//
// What a recommendation asks of the model is a what-if — the same employee just after an
// incentive, or promoted — so the inputs an incentive moves must carry their own effect, not
// a correlate's. Left out for that reason: level, which moves with pay against the role
// median (a promotion raises both, and the two weights, estimated from their collinear
// history, split the effect arbitrarily: on the development companies they made a promotion
// raise the predicted risk); the months since the last incentive and their number over two
// years, which follow the company's review calendar and on those companies made every
// incentive raise the risk a little; and region, which no incentive changes. Age is a
// protected attribute, read only when the policy allows (Config.ProtectedInputs).
var attritionInputs = func() []string {
	var in []string
	for _, role := range datasets.Roles {
		in = append(in, "role_"+role)
	}
	return append(in, "tenure_years", "salary_ratio", "perf_last", "perf_mean_24m", "kpi_last",
		"promotion_wait_months", "reimbursement_days", colLastFit)
}()

// protectedInputs are the employeeInputs that are protected attributes: the models read them
// only when Config.ProtectedInputs allows it, and reasons never name them.
var protectedInputs = []string{"age"}

// withProtected returns inputs, plus the protected ones when allowed.
func withProtected(inputs []string, allowed bool) []string {
	out := slices.Clone(inputs)
	if allowed {
		out = append(out, protectedInputs...)
	}
	return out
}

// attritionInputs returns the attrition model's inputs under the recommender's policy.
func (r *Recommender) attritionInputs() []string {
	return withProtected(attritionInputs, r.cfg.ProtectedInputs)
}

// riskData is an encoded batch (x n×p, see scaler; y 1 for "left") and the likelihood newton
// minimises.
type riskData struct {
	n, p int
	x    []float64
	y    []int8
}

// riskValue returns the value function of rows for a scaler over inputs.
func riskValue(inputs []string, rows []features.EmployeeRow) (func(i, j int) float64, error) {
	get := make([]func(i int) float64, len(inputs))
	for j, name := range inputs {
		f, ok := employeeInputs[name]
		if !ok {
			return nil, fmt.Errorf("unknown input %q", name)
		}
		get[j] = func(i int) float64 { return f(&rows[i]) }
	}
	return func(i, j int) float64 { return get[j](i) }, nil
}

// fitRisk fits the attrition model on rows labelled left (true: left within 12 months).
func fitRisk(ctx context.Context, rows []features.EmployeeRow, left []bool, inputs []string, seed uint64, workers int) (*riskModel, error) {
	n := len(rows)
	value, err := riskValue(inputs, rows)
	if err != nil {
		return nil, err
	}
	y := make([]int, n)
	for i, l := range left {
		y[i] = int(b2f(l))
	}
	if k := slices.Max(y) - slices.Min(y); k == 0 {
		return nil, dataError{errors.New("everyone left or everyone stayed: nothing to learn the risk of leaving from")}
	}
	m := &riskModel{Scale: fitScaler(slices.Clone(inputs), n, value), Rows: n}
	d := &riskData{n: n, p: m.Scale.width(), x: m.Scale.encode(n, value), y: make([]int8, n)}
	for i, c := range y {
		d.y[i] = int8(c)
	}
	folds, cvRows, err := stratifiedFolds(y, 2, seed)
	if err != nil {
		folds = nil
	}
	th, pen, cv, err := fitPenalised(ctx, d, n, folds, cvRows, attritionL1Ratios, workers)
	if err != nil {
		return nil, err
	}
	if err := m.constrain(ctx, d, th, pen, workers); err != nil {
		return nil, err
	}
	m.B, m.W, m.Alpha, m.L1Ratio, m.CV = th[0], th[1:], pen.Alpha, pen.L1Ratio, cv
	return m, nil
}

// Directions the attrition model's incentive weights may take, whatever the sample says: the
// recommendations compare the risk with each incentive against the risk without, so a weight
// of the wrong sign — which a few dozen leavers produce by chance (on the 100-employee
// development companies the fit weight came out positive on two of six) — would rank a
// well-fitting incentive below a badly fitting one on risk.
//
//   - colLastFit: an incentive that fits the employee better does not make leaving likelier
//     (weight ≤ 0);
//   - its missing indicator, no incentive in the last 12 months: not better than one that
//     fitted (weight ≥ 0).
//
// constrain refits with a weight held at 0 where the fit broke its direction: for a convex
// likelihood, the optimum under a sign constraint the free optimum breaks lies on the bound.
func (m *riskModel) constrain(ctx context.Context, d *riskData, th []float64, pen penalty, workers int) error {
	fit := slices.Index(m.Scale.Inputs, colLastFit)
	if fit < 0 {
		return nil
	}
	cols := []struct {
		col  int
		sign float64
	}{{fit, -1}, {m.Scale.indicators()[fit], +1}}
	all := make([]int, d.n)
	for i := range all {
		all[i] = i
	}
	for range cols {
		changed := false
		for _, c := range cols {
			if c.col < 0 || th[1+c.col]*c.sign >= 0 {
				continue
			}
			for i := range d.n {
				d.x[i*d.p+c.col] = 0
			}
			th[1+c.col], changed = 0, true
		}
		if !changed {
			return nil
		}
		if err := newton(ctx, d, all, pen, th, workers); err != nil {
			return fmt.Errorf("refit with sign constraints: %w", err)
		}
	}
	return nil
}

// risks returns each row's probability of leaving within 12 months.
func (m *riskModel) risks(rows []features.EmployeeRow) ([]float64, error) {
	value, err := riskValue(m.Scale.Inputs, rows)
	if err != nil {
		return nil, err
	}
	p := m.Scale.width()
	x := m.Scale.encode(len(rows), value)
	out := make([]float64, len(rows))
	for i := range out {
		z := m.B
		for j, v := range x[i*p : (i+1)*p] {
			z += m.W[j] * v
		}
		out[i] = classify.Sigmoid(z)
	}
	return out, nil
}

func (d *riskData) dim() int { return d.p + 1 }

func (d *riskData) intercept(j int) bool { return j == 0 }

func (d *riskData) z(th []float64, i int) float64 {
	z := th[0]
	for j, v := range d.x[i*d.p : (i+1)*d.p] {
		z += th[1+j] * v
	}
	return z
}

// nll sums log(1 + e^z) − y z.
func (d *riskData) nll(rows []int, th []float64) float64 {
	var s float64
	for _, i := range rows {
		z := d.z(th, i)
		s += classify.Log1pExp(z) - float64(d.y[i])*z
	}
	return s
}

// derivatives: a row adds (μ − y) [1,x] to the gradient and μ(1 − μ) [1,x][1,x]ᵀ to the
// Hessian, μ = σ(z).
func (d *riskData) derivatives(rows []int, th, g, h []float64) float64 {
	s := d.p + 1
	xt := make([]float64, s)
	var f float64
	for _, i := range rows {
		z := d.z(th, i)
		f += classify.Log1pExp(z) - float64(d.y[i])*z
		mu := classify.Sigmoid(z)
		r, c := mu-float64(d.y[i]), mu*(1-mu)
		xt[0] = 1
		copy(xt[1:], d.x[i*d.p:(i+1)*d.p])
		for a, va := range xt {
			g[a] += r * va
			ca := c * va
			row := h[a*s : (a+1)*s]
			for b := a; b < s; b++ {
				row[b] += ca * xt[b]
			}
		}
	}
	return f
}

// check reports a decoded model whose parts do not fit together.
func (m *riskModel) check() error {
	if err := m.Scale.check(func(name string) bool { _, ok := employeeInputs[name]; return ok }); err != nil {
		return err
	}
	if len(m.W) != m.Scale.width() {
		return errors.New("inconsistent weight sizes")
	}
	return nil
}

// describe says in one line what the model is, for Summary.
func (m *riskModel) describe() string {
	return fmt.Sprintf("%s(alpha=%g, l1_ratio=%g; %s)", LinearLogistic, m.Alpha, m.L1Ratio, strings.Join(m.Scale.Inputs, ", "))
}

// attritionL1Ratios are the L1 shares of the penalty cross-validation tries.
var attritionL1Ratios = []float64{0}
