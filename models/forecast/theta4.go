package forecast

import (
	"fmt"
	"math"
)

// sesFit is simple exponential smoothing fitted by least squares of the one-step errors,
// ℓ_t = α·x_t + (1−α)·ℓ_{t−1}, x̂_t = ℓ_{t−1}.
type sesFit struct {
	alpha, l0 float64
	level     float64   // ℓ_n
	fitted    []float64 // x̂_1..x̂_n
	sse       float64
}

// SES smoothing parameter bounds (R's ses: the usual region of ets).
const sesAlphaLo, sesAlphaHi = 1e-4, 0.9999

// sesSSE returns the sum of squared one-step errors of SES with smoothing parameter alpha
// and the optimal initial level for it. For a fixed α the one-step errors are linear in ℓ_0,
// x_t − x̂_t = d_t − c_t·ℓ_0 with c_t = (1−α)^{t−1} and d_t = x_t − Σ_{j<t} α(1−α)^{t−1−j}x_j,
// so ℓ_0 = Σc·d / Σc² and the SSE is Σd² − (Σc·d)²/Σc².
func sesSSE(x []float64, alpha float64) (sse, l0 float64) {
	var scc, scd, sdd float64
	c, part := 1.0, 0.0
	for _, v := range x {
		d := v - part
		scc += c * c
		scd += c * d
		sdd += d * d
		part = alpha*v + (1-alpha)*part
		c *= 1 - alpha
	}
	l0 = scd / scc
	return math.Max(0, sdd-scd*scd/scc), l0
}

// fitSES fits SES to x (n ≥ 1) by least squares with α in [1e-4, 0.9999] and ℓ_0 free. Only
// α is searched, ℓ_0 having a closed form (sesSSE): a grid of 21 values, then golden-section
// refinement within one grid step of the best. This reaches the optimum R's ses finds with
// Nelder–Mead on (α, ℓ_0) and never depends on a start. With near, the search is only the
// golden section within 0.1 of near (a warm refit on a prefix of the data).
func fitSES(x []float64, near float64) sesFit {
	const grid = 20
	a, b := sesAlphaLo, sesAlphaHi
	if near > 0 {
		a, b = math.Max(sesAlphaLo, near-0.1), math.Min(sesAlphaHi, near+0.1)
	} else {
		best, bestA := math.Inf(1), sesAlphaLo
		for i := 0; i <= grid; i++ {
			al := sesAlphaLo + (sesAlphaHi-sesAlphaLo)*float64(i)/grid
			if s, _ := sesSSE(x, al); s < best {
				best, bestA = s, al
			}
		}
		step := (sesAlphaHi - sesAlphaLo) / grid
		a, b = math.Max(sesAlphaLo, bestA-step), math.Min(sesAlphaHi, bestA+step)
	}
	const g = 0.6180339887498949 // (√5 − 1)/2
	x1, x2 := b-g*(b-a), a+g*(b-a)
	f1, _ := sesSSE(x, x1)
	f2, _ := sesSSE(x, x2)
	for b-a > 1e-6 {
		if f1 < f2 {
			b, x2, f2 = x2, x1, f1
			x1 = b - g*(b-a)
			f1, _ = sesSSE(x, x1)
		} else {
			a, x1, f1 = x1, x2, f2
			x2 = a + g*(b-a)
			f2, _ = sesSSE(x, x2)
		}
	}
	alpha := (a + b) / 2
	// The bounds themselves are candidates: the golden section never evaluates them.
	for _, edge := range []float64{a, b} {
		if edge == sesAlphaLo || edge == sesAlphaHi {
			if se, _ := sesSSE(x, edge); se < math.Min(f1, f2) {
				alpha = edge
			}
		}
	}
	_, l0 := sesSSE(x, alpha)
	fit := sesFit{alpha: alpha, l0: l0, fitted: make([]float64, len(x))}
	l := l0
	for t, v := range x {
		fit.fitted[t] = l
		e := v - l
		fit.sse += e * e
		l += alpha * e
	}
	fit.level = l
	return fit
}

// GThetaSpec is one model of the generalised Theta method: the weight θ of the theta line,
// the shape of the long-term line and how the two are combined.
type GThetaSpec struct {
	Theta float64 `json:"theta"`
	// ExpTrend uses an exponential long-term line (a straight line fitted to log x).
	ExpTrend bool `json:"exp_trend"`
	// Mult builds the theta line and the forecast multiplicatively (geometric weights).
	Mult bool `json:"mult"`
}

func (s GThetaSpec) String() string {
	line, form := "linear", "additive"
	if s.ExpTrend {
		line = "exponential"
	}
	if s.Mult {
		form = "multiplicative"
	}
	return fmt.Sprintf("theta %g, %s line, %s", s.Theta, line, form)
}

// gThetaSpecs are the models the generalised Theta method selects from: θ = 1 (SES), and
// θ = 2 and 3 with either line and either form.
var gThetaSpecs = func() []GThetaSpec {
	out := []GThetaSpec{{Theta: 1}}
	for _, th := range []float64{2, 3} {
		for _, e := range []bool{false, true} {
			for _, m := range []bool{false, true} {
				out = append(out, GThetaSpec{Theta: th, ExpTrend: e, Mult: m})
			}
		}
	}
	return out
}()

// GThetaFit is a fitted generalised Theta model (Spiliotis, Assimakopoulos & Makridakis 2020,
// "Generalizing the Theta method for automatic forecasting", EJOR 284:550–558). On data x
// (already seasonally adjusted) it fits a long-term line T_t — least squares of x on
// t = 1..n, or of log x for the exponential line — forms the theta line
//
//	Z_t = θ·x_t + (1−θ)·T_t          (additive)      Z_t = x_t^θ · T_t^{1−θ}          (multiplicative)
//
// extrapolates Z by SES and combines the two with weights 1/θ and 1 − 1/θ:
//
//	ŷ_{n+h} = Ẑ_{n+h}/θ + (1 − 1/θ)·T_{n+h}    or    ŷ_{n+h} = Ẑ_{n+h}^{1/θ} · T_{n+h}^{1−1/θ}.
//
// θ = 1 is SES; θ = 2 with the linear additive line is the classic Theta method with the
// trend line fitted by least squares.
type GThetaFit struct {
	Spec GThetaSpec
	// Intercept and Slope of the long-term line (of log x when Spec.ExpTrend), time 1..n.
	Intercept, Slope float64
	Alpha            float64 // SES parameter on the theta line
	MAE              float64 // in-sample mean absolute error of the combined fit
	n                int
	level            float64 // SES level of the theta line at n
}

// line returns T at time t (1-based).
func (f *GThetaFit) line(t float64) float64 {
	if f.Spec.ExpTrend {
		return math.Exp(f.Intercept + f.Slope*t)
	}
	return f.Intercept + f.Slope*t
}

func (f *GThetaFit) combine(z, t float64) float64 {
	w := 1 - 1/f.Spec.Theta
	if f.Spec.Mult {
		return math.Pow(z, 1-w) * math.Pow(t, w)
	}
	return (1-w)*z + w*t
}

// Forecast returns h point forecasts from the end of the data.
func (f *GThetaFit) Forecast(h int) []float64 {
	out := make([]float64, h)
	for i := range out {
		out[i] = f.combine(f.level, f.line(float64(f.n+i+1)))
	}
	return out
}

// fitGThetaSpec fits one model to x; near > 0 starts the SES search near that α. It fails
// when the model's form does not suit the data (multiplicative or exponential forms on data
// that are not all positive) or its forecasts up to horizon h are not defined (a
// multiplicative form whose linear line falls to zero or below).
func fitGThetaSpec(x []float64, sp GThetaSpec, near float64, h int) (*GThetaFit, error) {
	n := len(x)
	if n < 3 {
		return nil, fmt.Errorf("fit generalised theta: %w: %d points, need 3", ErrTooShort, n)
	}
	if (sp.ExpTrend || sp.Mult) && !allPositive(x) {
		return nil, fmt.Errorf("fit generalised theta (%s): needs positive data", sp)
	}
	fit := &GThetaFit{Spec: sp, n: n}
	if sp.ExpTrend {
		lx := make([]float64, n)
		for i, v := range x {
			lx[i] = math.Log(v)
		}
		fit.Intercept, fit.Slope = lineFit(lx, 1)
	} else {
		fit.Intercept, fit.Slope = lineFit(x, 1)
	}
	z := make([]float64, n)
	for t, v := range x {
		T := fit.line(float64(t + 1))
		if sp.Mult {
			if !(T > 0) {
				return nil, fmt.Errorf("fit generalised theta (%s): long-term line not positive", sp)
			}
			z[t] = math.Pow(v, sp.Theta) * math.Pow(T, 1-sp.Theta)
		} else {
			z[t] = sp.Theta*v + (1-sp.Theta)*T
		}
	}
	if !finite(z) {
		return nil, fmt.Errorf("fit generalised theta (%s): theta line not finite", sp)
	}
	ses := fitSES(z, near)
	fit.Alpha, fit.level = ses.alpha, ses.level
	if sp.Mult && !(ses.level > 0 && allPositive(ses.fitted)) {
		return nil, fmt.Errorf("fit generalised theta (%s): smoothed theta line not positive", sp)
	}
	for t, v := range x {
		fit.MAE += math.Abs(v - fit.combine(ses.fitted[t], fit.line(float64(t+1))))
	}
	fit.MAE /= float64(n)
	if math.IsNaN(fit.MAE) || !finite(fit.Forecast(h)) {
		return nil, fmt.Errorf("fit generalised theta (%s): fit not finite", sp)
	}
	return fit, nil
}

// FitGTheta fits every generalised Theta model (θ ∈ {1, 2, 3}, linear or exponential line,
// additive or multiplicative form; only the additive linear ones when x has zeros or
// negatives) and returns the one with the lowest in-sample mean absolute error, the paper's
// selection rule, among those whose forecasts are defined up to horizon h (h ≥ 1). x should
// be seasonally adjusted; it needs 3 points.
func FitGTheta(x []float64, h int) (*GThetaFit, error) {
	var best *GThetaFit
	var firstErr error
	for _, sp := range gThetaSpecs {
		fit, err := fitGThetaSpec(x, sp, 0, h)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if best == nil || fit.MAE < best.MAE {
			best = fit
		}
	}
	if best == nil {
		return nil, firstErr
	}
	return best, nil
}

// gThetaMethod is the generalised Theta method on data seasonally adjusted by the M4 rule,
// falling back to the classic Theta method on series too short for it.
type gThetaMethod struct{}

func (gThetaMethod) Name() string { return "4theta" }

func (g gThetaMethod) Forecast(y []float64, m, h int) ([]float64, error) {
	f, _, err := g.forecastWarm(y, m, h)
	return f, err
}

// forecastWarm refits the selected model (its form kept, the line and SES refitted, α
// searched near the full-data value) at every backtest origin.
func (gThetaMethod) forecastWarm(y []float64, m, h int) ([]float64, refitFunc, error) {
	if err := checkMethodArgs("4theta", y, h); err != nil {
		return nil, nil, err
	}
	return adjustedWarm(y, m, h, func(adj []float64, h int) ([]float64, refitFunc, error) {
		fit, err := FitGTheta(adj, h)
		if err != nil {
			return nil, nil, err
		}
		return fit.Forecast(h), func(prefix []float64, h int) ([]float64, error) {
			pf, err := fitGThetaSpec(prefix, fit.Spec, fit.Alpha, h)
			if err != nil {
				return nil, err
			}
			return pf.Forecast(h), nil
		}, nil
	})
}
