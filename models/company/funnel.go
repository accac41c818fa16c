package company

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/indicators"
)

// DefaultFunnelFloor is the funnel evidence's allowance for being the wrong measure of a
// driver's revenue effect, as a share of the catalogue prior's magnitude added in quadrature
// to its standard error (Evidence.SD). The funnel stage a driver acts on is not all of revenue
// — leads include repeat orders no campaign created, slower answers also lose existing
// customers — so the evidence can be precise and still off. The allowance does not shrink with
// the data, so it sets the width of the intervals of a large company: it was chosen on the
// tuning seeds at both sizes by a rule fixed before the choice — of 0.1, 0.15, 0.2, 0.25 and
// 0.35, the one whose 80 % what-ifs' coverage is nearest 0.80 at the worse of 100 employees
// (seeds 4001–4060) and 2,000 (seeds 4001–4006), the wider on a tie; see
// docs/company-model.md for the figures.
const DefaultFunnelFloor = 0.15

// minFunnelDOF is the fewest residual degrees of freedom a stage regression needs to count as
// evidence.
const minFunnelDOF = 24

// Evidence is what the funnel says about a driver's effect on revenue: the effect on the
// funnel stage it acts on (log leads created for a pipeline driver, log win rate for an
// immediate one), per unit of the driver, with its standard error.
type Evidence struct {
	Stage    string  `json:"stage"`
	Estimate float64 `json:"estimate"`
	SE       float64 `json:"se"`
	// Rows is the number of scope-months the regression read.
	Rows int `json:"rows"`
}

// SD is the evidence's spread once the allowance floor × |prior| for measuring the wrong
// thing is added: √(SE² + (floor·|prior|)²).
func (e Evidence) SD(floor, prior float64) float64 {
	f := floor * math.Abs(prior)
	return math.Sqrt(e.SE*e.SE + f*f)
}

// FunnelEvidence estimates each catalogue driver's effect on the funnel stage it acts on
// (the catalogue's acts: pipeline drivers on the leads created in the month, immediate ones on
// the month's win rate) from the monthly panel of the scopes (regions): one least-squares
// regression per stage of the stage's log on the drivers that act on it, each at lags 0 and
// 1 (a driver's effect is the sum of the two), with every scope's own level and trend and a
// month-of-year effect absorbed. A region-month is a far finer grain than the quarterly growth
// the driver model reads, and a stage's count is far less noisy than revenue, whose deal
// sizes vary: on the 100-employee synthetic companies of the tuning seeds the standard errors
// were a quarter of the revenue regression's, or less. Drivers whose stage the panel lacks,
// or whose regression has fewer than minFunnelDOF residual degrees of freedom or is singular,
// get no evidence.
func FunnelEvidence(monthly *features.Panel, cat *indicators.Catalogue) map[string]Evidence {
	out := map[string]Evidence{}
	if monthly == nil || cat == nil {
		return out
	}
	stages := map[string][]*indicators.Indicator{}
	for _, ind := range cat.Drivers() {
		if !monthly.Has(ind.Formula) {
			continue
		}
		switch ind.Acts {
		case "pipeline":
			stages[features.ColLeads] = append(stages[features.ColLeads], ind)
		case "immediate":
			stages[features.ColWinRate] = append(stages[features.ColWinRate], ind)
		}
	}
	for stage, inds := range stages {
		if !monthly.Has(stage) {
			continue
		}
		for col, e := range stageRegression(monthly, stage, inds) {
			out[col] = e
		}
	}
	return out
}

// stageRegression fits log stage on the drivers' lags 0 and 1 with scope levels and trends
// and month-of-year effects, and returns each driver's sum of lag coefficients.
func stageRegression(p *features.Panel, stage string, inds []*indicators.Indicator) map[string]Evidence {
	ns := len(p.Scopes)
	nd := len(inds)
	// Columns: 2 per driver, then a level and a trend per scope, then 11 month-of-year effects.
	ncol := 2*nd + 2*ns + 11
	var rows [][]float64
	var ys []float64
	for si, s := range p.Scopes {
		y := p.Series(s, stage)
		xs := make([][]float64, nd)
		for j, ind := range inds {
			xs[j] = p.Series(s, ind.Formula)
		}
	row:
		for k := 1; k < len(p.Periods); k++ {
			if !p.Complete[k] || !p.Complete[k-1] || !(y[k] > 0) || stage == features.ColWinRate && !(y[k] < 1) {
				continue
			}
			r := make([]float64, ncol)
			for j, ind := range inds {
				for l := range 2 {
					v := xs[j][k-l]
					if ind.Scale == "log" {
						if !(v > 0) {
							continue row
						}
						v = math.Log(v)
					}
					if math.IsNaN(v) || math.IsInf(v, 0) {
						continue row
					}
					r[2*j+l] = v
				}
			}
			r[2*nd+2*si] = 1
			r[2*nd+2*si+1] = float64(k) / 12
			if m := p.Periods[k].Index(); m > 1 {
				r[2*nd+2*ns+m-2] = 1
			}
			rows = append(rows, r)
			ys = append(ys, math.Log(y[k]))
		}
	}
	n := len(ys)
	if n-ncol < minFunnelDOF {
		return nil
	}
	// Drop columns that never vary (a month of the year the data lack): they would make the
	// normal equations singular.
	keep := make([]int, 0, ncol)
	for c := range ncol {
		if slices.ContainsFunc(rows, func(r []float64) bool { return r[c] != rows[0][c] }) || c >= 2*nd && c < 2*nd+2*ns {
			keep = append(keep, c)
		}
	}
	x := mat.NewDense(n, len(keep), nil)
	for i, r := range rows {
		for c, k := range keep {
			x.Set(i, c, r[k])
		}
	}
	var g mat.SymDense
	g.SymOuterK(1, x.T())
	var ch mat.Cholesky
	if !ch.Factorize(&g) || ch.Cond() > 1e12 {
		return nil
	}
	var xty mat.VecDense
	xty.MulVec(x.T(), mat.NewVecDense(n, ys))
	var beta mat.VecDense
	if err := ch.SolveVecTo(&beta, &xty); err != nil {
		return nil
	}
	var fit mat.VecDense
	fit.MulVec(x, &beta)
	ssr := 0.0
	for i, y := range ys {
		d := y - fit.AtVec(i)
		ssr += d * d
	}
	sigma2 := ssr / float64(n-len(keep))
	var inv mat.SymDense
	if err := ch.InverseTo(&inv); err != nil {
		return nil
	}
	out := map[string]Evidence{}
	for j, ind := range inds {
		// Columns 2j and 2j+1 always vary with the driver, or the regression was singular.
		a, b := slices.Index(keep, 2*j), slices.Index(keep, 2*j+1)
		if a < 0 || b < 0 {
			continue
		}
		est := beta.AtVec(a) + beta.AtVec(b)
		v := sigma2 * (inv.At(a, a) + inv.At(b, b) + 2*inv.At(a, b))
		if !(v > 0) || math.IsNaN(est) {
			continue
		}
		out[ind.Formula] = Evidence{Stage: stage, Estimate: est, SE: math.Sqrt(v), Rows: n}
	}
	return out
}

// combine is the normal prior N(mean, sd²) updated by the evidence N(est, esd²): the
// precision-weighted mean and its spread. A combined mean on the wrong side of sign (the
// evidence pointing against the catalogue's direction) is set to zero, where the sign
// constraint leaves all of the prior's mass on the allowed side.
func combine(mean, sd, est, esd float64, sign int) (float64, float64) {
	w0, w1 := 1/(sd*sd), 1/(esd*esd)
	m := (w0*mean + w1*est) / (w0 + w1)
	if sign != 0 && m*float64(sign) < 0 {
		m = 0
	}
	return m, 1 / math.Sqrt(w0+w1)
}
