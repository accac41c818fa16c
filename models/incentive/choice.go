package incentive

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strings"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/classify"
)

// ConditionalLogit names the default preference model (see PreferenceFamilies): a conditional
// logit over the incentive types with alternative availability, fitted by this package.
const ConditionalLogit = "conditional_logit"

// choiceModel is the preference model: a conditional (availability-masked) multinomial logit.
// For an employee with inputs x (standardised, see scaler) eligible for the set E of types,
//
//	P(k | x, E) = exp(u_k) / Σ_{j ∈ E} exp(u_j),   u_k = b_k + w_k·x + γ·z_k,
//
// where z_k are attributes of alternative k for this employee (choiceAttrs) whose coefficients
// γ all types share. Types never chosen in training are left out of E (probability 0) unless
// nothing else is eligible; then the eligible types share the probability equally.
//
// It is fitted by Newton's method on the penalised mean negative log-likelihood (see
// penaltyGrid: the intercepts b_k carry interceptPenalty, w_k and γ the α and L1 share chosen
// by cross-validation). A row's likelihood involves only the types it could have chosen, so no
// data are spent learning the eligibility rules, which a plain multinomial classifier given
// the eligible set as inputs has to learn. Adding one vector to every w_k changes no
// probability; the penalty picks the solution where the w_k sum to zero, so each type's
// weights say how it differs from the average type.
type choiceModel struct {
	Scale scaler
	// Attrs are the choiceAttrs keys, one shared coefficient each (Gamma).
	Attrs []string
	B     [numTypes]float64
	W     [numTypes][]float64 // per type, one weight per column of Scale
	Gamma []float64
	Seen  [numTypes]bool // chosen at least once in training
	// Alpha is the penalty chosen; CV lists every one tried with its held-out log loss.
	Alpha, L1Ratio float64
	CV             []PenaltyCV
	Rows           int
}

// Inputs of the conditional logit.
//
// preferenceInputs (employeeInputs keys) are what the appeal of an incentive plausibly moves
// with, and what HR data record: tenure, level, pay against the role median, performance (the
// mean review score of two years: one quarterly score is a noisy reading of it), the wait
// since the last promotion, and whether the employee is in sales (commission's natural
// audience).
//
// preferenceAttrs (choiceAttrs keys) are what the employee's own history shows about each
// type, with one coefficient shared by every type: the share of the incentives they chose
// themselves that were of it (chosen_share), and the mean performance change that followed
// the incentives of it they received, with whether there was any (performance_delta,
// no_performance_delta) — a change measured after an incentive says how well it fitted (the
// performance model). As employee inputs, with a weight per type, they matched the true
// favourites as often on the development companies at two to three times the fitting cost.
//
// Age is not among them: it is a protected attribute (see protectedInputs). On the synthetic
// companies, whose true preferences move with age, the revealed preferences carry part of
// what it told; docs/hr.md compares the choices on the development companies.
var (
	preferenceInputs = []string{"tenure_years", "level", "salary_ratio", "perf_mean_24m", "promotion_wait_months", "role_sales"}
	preferenceAttrs  = []string{"chosen_share", "performance_delta", "no_performance_delta"}
)

// choiceAttrs are attributes of each alternative for an employee, by name: "chosen_before"
// counts the employee's earlier rewards of the type that they chose (chosen=true).
var choiceAttrs = map[string]func(row *features.EmployeeRow) [numTypes]float64{
	"chosen_before": func(row *features.EmployeeRow) [numTypes]float64 { return row.ChosenBefore },
	"performance_delta": func(row *features.EmployeeRow) [numTypes]float64 {
		var z [numTypes]float64
		for k, v := range row.PastDelta {
			if isValue(v) {
				z[k] = v
			}
		}
		return z
	},
	"no_performance_delta": func(row *features.EmployeeRow) [numTypes]float64 {
		var z [numTypes]float64
		for k, v := range row.PastDelta {
			z[k] = b2f(!isValue(v))
		}
		return z
	},
	"chosen_share": func(row *features.EmployeeRow) [numTypes]float64 {
		var z [numTypes]float64
		var n float64
		for _, c := range row.ChosenBefore {
			n += c
		}
		if n > 0 {
			for k, c := range row.ChosenBefore {
				z[k] = c / n
			}
		}
		return z
	},
}

// choiceData is an encoded batch: x is n×p (see scaler), z is n×numTypes×m, mask holds each
// row's alternatives (bit k set: type k may be chosen) and y the type chosen (for fitting).
// It is the likelihood newton minimises.
type choiceData struct {
	n, p, m int
	x, z    []float64
	mask    []uint8
	y       []int8
}

// attrsOf returns each row's alternative attributes (row i, attribute a at i×len(names)+a),
// or nil when there are none.
func attrsOf(names []string, rows []features.EmployeeRow) [][numTypes]float64 {
	if len(names) == 0 {
		return nil
	}
	out := make([][numTypes]float64, len(rows)*len(names))
	for i := range rows {
		for a, name := range names {
			out[i*len(names)+a] = choiceAttrs[name](&rows[i])
		}
	}
	return out
}

// encode turns rows into a batch; eligible[i] gives row i's alternatives, less the types never
// chosen in training unless none would be left.
func (cm *choiceModel) encode(rows []features.EmployeeRow, eligible [][numTypes]bool, attrs [][numTypes]float64) *choiceData {
	n := len(rows)
	d := &choiceData{n: n, p: cm.Scale.width(), m: len(cm.Attrs), mask: make([]uint8, n), y: make([]int8, n)}
	get := make([]func(*features.EmployeeRow) float64, len(cm.Scale.Inputs))
	for j, name := range cm.Scale.Inputs {
		get[j] = employeeInputs[name]
	}
	d.x = cm.Scale.encode(n, func(i, j int) float64 { return get[j](&rows[i]) })
	seen := cm.seenMask()
	for i := range rows {
		var all uint8
		for k := range numTypes {
			if eligible[i][k] {
				all |= 1 << k
			}
		}
		d.mask[i], d.y[i] = all&seen, -1
		if d.mask[i] == 0 {
			d.mask[i] = all
		}
	}
	if d.m > 0 {
		d.z = make([]float64, n*numTypes*d.m)
		for i := range n {
			for a := range d.m {
				for k := range numTypes {
					d.z[(i*numTypes+k)*d.m+a] = attrs[i*d.m+a][k]
				}
			}
		}
	}
	return d
}

// seenMask has bit k set when type k was chosen in training.
func (cm *choiceModel) seenMask() uint8 {
	var m uint8
	for k, s := range cm.Seen {
		if s {
			m |= 1 << k
		}
	}
	return m
}

// proba fills out with each row's probabilities over its alternatives.
func (cm *choiceModel) proba(d *choiceData, out [][numTypes]float64) {
	th, seen := cm.theta(), cm.seenMask()
	var u [numTypes]float64
	for i := range d.n {
		mask := d.mask[i]
		switch {
		case mask == 0:
			out[i] = [numTypes]float64{}
		case mask&seen == 0: // only types never chosen in training: nothing tells them apart
			n := float64(bits.OnesCount8(mask))
			for k := range numTypes {
				out[i][k] = b2f(mask&(1<<k) != 0) / n
			}
		default:
			d.utilities(th, i, &u)
			softmax(&u, mask, &out[i])
		}
	}
}

// theta returns the parameters in the solver's layout: per type its intercept then its
// weights, then Gamma.
func (cm *choiceModel) theta() []float64 {
	p := cm.Scale.width()
	th := make([]float64, numTypes*(p+1)+len(cm.Gamma))
	for k := range numTypes {
		th[k*(p+1)] = cm.B[k]
		copy(th[k*(p+1)+1:(k+1)*(p+1)], cm.W[k])
	}
	copy(th[numTypes*(p+1):], cm.Gamma)
	return th
}

func (cm *choiceModel) setTheta(th []float64) {
	p := cm.Scale.width()
	for k := range numTypes {
		cm.B[k] = th[k*(p+1)]
		cm.W[k] = slices.Clone(th[k*(p+1)+1 : (k+1)*(p+1)])
	}
	cm.Gamma = slices.Clone(th[numTypes*(p+1):])
}

// fitChoice fits the preference model on chosen rewards: rows (features as of each reward's
// date), the types eligible then, the type chosen (datasets.RewardTypes index) and the
// alternative attributes (attrsOf(attrNames, …)). A chosen type the rules did not allow is
// added to the row's alternatives: the data say it was available. It needs choices of at
// least two types.
func fitChoice(ctx context.Context, rows []features.EmployeeRow, eligible [][numTypes]bool, chosen []int, attrs [][numTypes]float64,
	inputs, attrNames []string, seed uint64, workers int) (*choiceModel, error) {
	n := len(rows)
	cm := &choiceModel{Attrs: slices.Clone(attrNames), Rows: n}
	for _, k := range chosen {
		cm.Seen[k] = true
	}
	if bits.OnesCount8(cm.seenMask()) < 2 {
		return nil, errors.New("every chosen reward is of one type: nothing tells what makes an employee prefer one incentive to another")
	}
	get := make([]func(*features.EmployeeRow) float64, len(inputs))
	for j, name := range inputs {
		var ok bool
		if get[j], ok = employeeInputs[name]; !ok {
			return nil, fmt.Errorf("unknown input %q", name)
		}
	}
	for _, name := range attrNames {
		if _, ok := choiceAttrs[name]; !ok {
			return nil, fmt.Errorf("unknown attribute %q", name)
		}
	}
	cm.Scale = fitScaler(slices.Clone(inputs), n, func(i, j int) float64 { return get[j](&rows[i]) })
	d := cm.encode(rows, eligible, attrs)
	for i, k := range chosen {
		d.y[i] = int8(k)
		d.mask[i] |= 1 << k
	}
	folds, m, err := stratifiedFolds(chosen, numTypes, seed)
	if err != nil {
		folds = nil // some type has too few choices to appear in every fold
	}
	th, pen, cv, err := fitPenalised(ctx, d, n, folds, m, preferenceL1Ratios, workers)
	if err != nil {
		return nil, err
	}
	cm.setTheta(th)
	cm.Alpha, cm.L1Ratio, cm.CV = pen.Alpha, pen.L1Ratio, cv
	return cm, nil
}

func (d *choiceData) dim() int { return numTypes*(d.p+1) + d.m }

func (d *choiceData) intercept(j int) bool { return j < numTypes*(d.p+1) && j%(d.p+1) == 0 }

// utilities fills u with every alternative's utility for row i under th (layout of
// choiceModel.theta); entries outside the row's mask are left as they are.
func (d *choiceData) utilities(th []float64, i int, u *[numTypes]float64) {
	p, m := d.p, d.m
	x := d.x[i*p : (i+1)*p]
	g := th[numTypes*(p+1):]
	for k := range numTypes {
		if d.mask[i]&(1<<k) == 0 {
			continue
		}
		w := th[k*(p+1) : (k+1)*(p+1)]
		s := w[0]
		for j, v := range x {
			s += w[1+j] * v
		}
		if m > 0 {
			z := d.z[(i*numTypes+k)*m : (i*numTypes+k+1)*m]
			for a, v := range z {
				s += g[a] * v
			}
		}
		u[k] = s
	}
}

// softmax fills p with the softmax of u over the alternatives in mask (0 elsewhere) and
// returns log Σ exp(u) over them. mask must not be empty.
func softmax(u *[numTypes]float64, mask uint8, p *[numTypes]float64) float64 {
	mx := math.Inf(-1)
	for k := range numTypes {
		if mask&(1<<k) != 0 && u[k] > mx {
			mx = u[k]
		}
	}
	var s float64
	for k := range numTypes {
		p[k] = 0
		if mask&(1<<k) != 0 {
			p[k] = math.Exp(u[k] - mx)
			s += p[k]
		}
	}
	for k := range numTypes {
		p[k] /= s
	}
	return mx + math.Log(s)
}

func (d *choiceData) nll(rows []int, th []float64) float64 {
	var u, pr [numTypes]float64
	var s float64
	for _, i := range rows {
		d.utilities(th, i, &u)
		s += softmax(&u, d.mask[i], &pr) - u[d.y[i]]
	}
	return s
}

// derivatives: with d_k the design vector of alternative k (the row's x̃ = [1, x] in type k's
// block, z_k in γ's) and p_k its probability, a row adds Σ_k (p_k − y_k) d_k to the gradient
// and Σ_k p_k d_k d_kᵀ − d̄ d̄ᵀ (d̄ = Σ_k p_k d_k) to the Hessian. Its type blocks (k, l) are
// p_k(δ_kl − p_l) x̃x̃ᵀ: over the rows, each block's upper triangle is Σ_i a_i,kl b_i where
// a_i holds the row's 28 type-pair coefficients and b_i the upper triangle of x̃x̃ᵀ, so all
// of them are one matrix product AᵀB (BLAS), which is most of the cost of fitting. The
// cross blocks are p_k (z_k − z̄) ⊗ x̃ and γ's block Σ_k p_k z_k z_kᵀ − z̄ z̄ᵀ.
// derivBufs holds scratch for derivatives' matrices A and B, a few megabytes per call.
var derivBufs = sync.Pool{New: func() any { return new([]float64) }}

func (d *choiceData) derivatives(rows []int, th, g, h []float64) float64 {
	p, m := d.p, d.m
	s := p + 1
	dim := len(g)
	gOff := numTypes * s
	const npair = numTypes * (numTypes + 1) / 2
	nout := s * (s + 1) / 2
	buf := derivBufs.Get().(*[]float64)
	defer derivBufs.Put(buf)
	if need := len(rows) * (npair + nout); cap(*buf) < need {
		*buf = make([]float64, need)
	}
	A := (*buf)[:len(rows)*npair]
	B := (*buf)[len(rows)*npair : len(rows)*(npair+nout)]
	clear(A) // the pairs of unavailable types are left unwritten
	var u, pr [numTypes]float64
	xt := make([]float64, s)
	zbar := make([]float64, m)
	var f float64
	for r, i := range rows {
		d.utilities(th, i, &u)
		mask := d.mask[i]
		f += softmax(&u, mask, &pr) - u[d.y[i]]
		xt[0] = 1
		copy(xt[1:], d.x[i*p:(i+1)*p])
		o := B[r*nout : (r+1)*nout]
		for a := range s {
			for b := a; b < s; b++ {
				o[0] = xt[a] * xt[b]
				o = o[1:]
			}
		}
		var z []float64
		if m > 0 {
			z = d.z[i*numTypes*m : (i+1)*numTypes*m]
			for a := range m {
				zbar[a] = 0
				for k := range numTypes {
					zbar[a] += pr[k] * z[k*m+a]
				}
			}
		}
		c := A[r*npair : (r+1)*npair]
		q := 0
		for k := range numTypes {
			if mask&(1<<k) == 0 {
				q += numTypes - k
				continue
			}
			res := pr[k]
			if int(d.y[i]) == k {
				res--
			}
			for a, v := range xt {
				g[k*s+a] += res * v
			}
			for l := k; l < numTypes; l++ {
				c[q] = -pr[k] * pr[l] // 0 when l is not available (p_l = 0)
				if l == k {
					c[q] += pr[k]
				}
				q++
			}
			for a := range m {
				g[gOff+a] += res * z[k*m+a]
				wk := pr[k] * (z[k*m+a] - zbar[a])
				for b, v := range xt {
					h[(k*s+b)*dim+gOff+a] += wk * v
				}
			}
		}
		for a := range m {
			for b := a; b < m; b++ {
				var v float64
				for k := range numTypes {
					v += pr[k] * z[k*m+a] * z[k*m+b]
				}
				h[(gOff+a)*dim+gOff+b] += v - zbar[a]*zbar[b]
			}
		}
	}
	C := make([]float64, npair*nout)
	blas64.Implementation().Dgemm(blas.Trans, blas.NoTrans, npair, nout, len(rows), 1, A, npair, B, nout, 0, C, nout)
	q := 0
	for k := range numTypes {
		for l := k; l < numTypes; l++ {
			cq := C[q*nout : (q+1)*nout]
			o := 0
			for a := range s {
				for b := a; b < s; b++ {
					v := cq[o]
					o++
					h[(k*s+a)*dim+l*s+b] += v
					if l != k && a != b {
						h[(k*s+b)*dim+l*s+a] += v // off-diagonal type blocks are full
					}
				}
			}
			q++
		}
	}
	return f
}

// explain returns, for each row in idx, one Reason per input and one per attribute and type,
// with Delta indexed by type: Delta[k] is P(k | row) − P(k | row with that input at its
// training median (and not missing), or that attribute of that type at 0), the same
// one-input-at-a-time account as classify.Model.ExplainRows.
func (cm *choiceModel) explain(rows []features.EmployeeRow, d *choiceData, idx []int) [][]classify.Reason {
	th, seen := cm.theta(), cm.seenMask()
	sc := &cm.Scale
	q, ind := len(sc.Inputs), sc.indicators()
	nr := q + len(cm.Attrs)*numTypes
	out := make([][]classify.Reason, len(idx))
	deltas := make([]float64, len(idx)*nr*numTypes) // one allocation for every Delta
	var u, base, alt [numTypes]float64
	for j, i := range idx {
		if d.mask[i]&seen == 0 {
			continue // the probabilities are a uniform guess: there is nothing to explain
		}
		d.utilities(th, i, &u)
		softmax(&u, d.mask[i], &base)
		rs := make([]classify.Reason, 0, nr)
		delta := func() []float64 {
			o := (j*nr + len(rs)) * numTypes
			return deltas[o : o+numTypes : o+numTypes]
		}
		x := d.x[i*d.p : (i+1)*d.p]
		for c, name := range sc.Inputs {
			dl := delta()
			raw := employeeInputs[name](&rows[i])
			tx, ti := sc.typical(c, ind[c])
			if !isValue(raw) || x[c] != tx {
				v := u
				for k := range numTypes {
					v[k] += cm.W[k][c] * (tx - x[c])
					if ind[c] >= 0 {
						v[k] += cm.W[k][ind[c]] * (ti - x[ind[c]])
					}
				}
				softmax(&v, d.mask[i], &alt)
				for k := range numTypes {
					dl[k] = base[k] - alt[k]
				}
			}
			rs = append(rs, classify.Reason{Column: name, Value: fmtInput(raw), Typical: fmtInput(sc.Impute[c]), Delta: dl})
		}
		for a, name := range cm.Attrs {
			for k := range numTypes {
				dl := delta()
				zk := d.z[(i*numTypes+k)*d.m+a]
				if zk != 0 && d.mask[i]&(1<<k) != 0 {
					v := u
					v[k] -= cm.Gamma[a] * zk
					softmax(&v, d.mask[i], &alt)
					for l := range numTypes {
						dl[l] = base[l] - alt[l]
					}
				}
				rs = append(rs, classify.Reason{Column: name + "_" + datasets.RewardTypes[k], Value: fmtInput(zk), Typical: "0", Delta: dl})
			}
		}
		out[j] = rs
	}
	return out
}

// check reports a decoded model whose parts do not fit together.
func (cm *choiceModel) check() error {
	if err := cm.Scale.check(func(name string) bool { _, ok := employeeInputs[name]; return ok }); err != nil {
		return err
	}
	p := cm.Scale.width()
	for k := range numTypes {
		if len(cm.W[k]) != p {
			return errors.New("inconsistent weight sizes")
		}
	}
	if len(cm.Gamma) != len(cm.Attrs) {
		return errors.New("inconsistent attribute sizes")
	}
	for _, name := range cm.Attrs {
		if _, ok := choiceAttrs[name]; !ok {
			return fmt.Errorf("unknown attribute %q", name)
		}
	}
	return nil
}

// describe says in one line what the model is, for Summary.
func (cm *choiceModel) describe() string {
	in := slices.Clone(cm.Scale.Inputs)
	for _, a := range cm.Attrs {
		in = append(in, a+" (shared)")
	}
	return fmt.Sprintf("%s(alpha=%g, l1_ratio=%g; %s)", ConditionalLogit, cm.Alpha, cm.L1Ratio, strings.Join(in, ", "))
}

// preferenceL1Ratios are the L1 shares of the penalty cross-validation tries. Most of the
// 56 type-by-input weights are zero in a choice where each incentive's appeal moves with two
// or three things; an L1 share lets the penalty keep those at zero and leave the others
// nearly free. On the 100-employee development companies (seeds 1–6, 21–30) cross-validation
// picked a pure L1 penalty on 15 of 16, and the top recommendation matched the true favourite
// for 85.1 % of employees against 84.0 % with L2 alone (macro-F1 gap 0.028 against 0.031),
// for about four times the Newton steps.
var preferenceL1Ratios = []float64{0, 0.5, 1}
