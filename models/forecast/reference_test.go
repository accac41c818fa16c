package forecast

// Tests pinning the numerical core to R's forecast package (8.20, R 4.2, Debian
// r-cran-forecast). The reference values are in testdata/r_reference.txt, produced from the
// series in testdata/r_series.csv by
//
//	Rscript models/forecast/testdata/r_reference.R > models/forecast/testdata/r_reference.txt
//
// run from the repository root; the script states the R call behind every line.

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// Tolerances. Our optimiser follows R's Nelder–Mead path, so fits agree to about 1e-6; the
// tolerances leave room for floating-point differences that move a flat optimum.
const (
	tolParam    = 2e-3 // absolute, smoothing parameters
	tolLogLik   = 1e-3 // absolute, log-likelihood and AICc
	tolForecast = 1e-4 // relative, point forecasts
	// R reports the conditional mean for ETS(M,·,M) models, which adds a σ²-dependent term
	// to the recursion's point forecast we return (see ETSFit.Forecast).
	tolForecastClass3 = 1e-2
)

type refSeries struct {
	name   string
	period int
	y      []float64
}

func loadRefSeries(t *testing.T) map[string]refSeries {
	t.Helper()
	f, err := os.Open("testdata/r_series.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]refSeries{}
	for _, r := range rows[1:] {
		p, err := strconv.Atoi(r[1])
		if err != nil {
			t.Fatal(err)
		}
		out[r[0]] = refSeries{name: r[0], period: p, y: parseFloats(t, strings.Fields(r[2]))}
	}
	return out
}

func parseFloats(t *testing.T, fields []string) []float64 {
	t.Helper()
	out := make([]float64, 0, len(fields))
	for _, f := range fields {
		f = strings.TrimSuffix(f, ",")
		if f == "" {
			continue
		}
		if f == "NA" {
			out = append(out, math.NaN())
			continue
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			t.Fatalf("parse %q: %v", f, err)
		}
		out = append(out, v)
	}
	return out
}

// refLine is one line of r_reference.txt: "<series> <what>[ key=value …][ mean: v, v, …]".
type refLine struct {
	series, what string
	kv           map[string]string
	mean         []float64
	text         string
}

func loadRefLines(t *testing.T) []refLine {
	t.Helper()
	f, err := os.Open("testdata/r_reference.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []refLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		l := refLine{kv: map[string]string{}, text: line}
		head := line
		if h, vals, ok := strings.Cut(line, "mean:"); ok {
			head = h
			l.mean = parseFloats(t, strings.Fields(vals))
		} else if h, vals, ok := strings.Cut(line, ": "); ok && !strings.Contains(vals, "=") {
			head = h // "<series> acf: v, v, …"
			l.mean = parseFloats(t, strings.Fields(vals))
		}
		fields := strings.Fields(head)
		if len(fields) < 2 {
			continue
		}
		l.series, l.what = fields[0], strings.TrimSuffix(fields[1], ":")
		for _, f := range fields[2:] {
			if k, v, ok := strings.Cut(f, "="); ok {
				l.kv[k] = v
			}
		}
		out = append(out, l)
	}
	return out
}

func (l refLine) num(t *testing.T, key string) float64 {
	t.Helper()
	v, ok := l.kv[key]
	if !ok {
		t.Fatalf("reference line %q has no %s", l.text, key)
	}
	if v == "NA" {
		return math.NaN()
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Fatalf("reference %s=%q: %v", key, v, err)
	}
	return f
}

func assertClose(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(want) {
		return
	}
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.6f, want %.6f (R) ± %g", what, got, want, tol)
	}
}

func assertCloseRel(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > tol*math.Abs(want[i]) {
			t.Errorf("%s[%d] = %.6f, want %.6f (R) ± %g relative", what, i, got[i], want[i], tol)
		}
	}
}

// TestFitETSMatchesR pins parameters, log-likelihood, AICc and forecasts of each ETS model
// to R's ets(y, model = ..., damped = ...).
func TestFitETSMatchesR(t *testing.T) {
	series := loadRefSeries(t)
	lines := loadRefLines(t)
	checked := 0
	for _, l := range lines {
		spec, err := ParseETSSpec(l.what)
		if err != nil {
			continue
		}
		s := series[l.series]
		t.Run(l.series+"/"+l.what, func(t *testing.T) {
			fit, err := FitETS(s.y, s.period, spec, ETSOptions{})
			if l.kv["error"] != "" || strings.HasSuffix(l.text, "error") {
				if err == nil {
					t.Fatalf("fit succeeded, R failed")
				}
				return
			}
			if err != nil {
				t.Fatalf("fit: %v", err)
			}
			if _, isPar := l.kv["alpha"]; isPar {
				assertClose(t, "alpha", fit.Alpha, l.num(t, "alpha"), tolParam)
				assertClose(t, "beta", fit.Beta, l.num(t, "beta"), tolParam)
				assertClose(t, "gamma", fit.Gamma, l.num(t, "gamma"), tolParam)
				assertClose(t, "phi", fit.Phi, l.num(t, "phi"), tolParam)
				assertClose(t, "loglik", fit.LogLik, l.num(t, "loglik"), tolLogLik)
				assertClose(t, "aicc", fit.AICc, l.num(t, "aicc"), tolLogLik)
			} else {
				tol := tolForecast
				if spec.Error == Multiplicative && spec.Season == Multiplicative {
					tol = tolForecastClass3
				}
				assertCloseRel(t, "forecast", fit.Forecast(8), l.mean, tol)
			}
		})
		checked++
	}
	if checked < 60 {
		t.Fatalf("checked %d reference lines, want ≥ 60: is testdata/r_reference.txt complete?", checked)
	}
}

// TestAutoETSMatchesR pins model selection by AICc to R's ets(y).
func TestAutoETSMatchesR(t *testing.T) {
	series := loadRefSeries(t)
	for _, l := range loadRefLines(t) {
		if l.what != "auto" {
			continue
		}
		s := series[l.series]
		t.Run(l.series, func(t *testing.T) {
			fit, err := AutoETS(s.y, s.period, ETSOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := strings.Fields(strings.TrimPrefix(l.text, l.series+" auto: "))[0]
			if got := fit.Spec.String(); got != want {
				t.Errorf("selected %s, want %s (R)", got, want)
			}
			assertClose(t, "aicc", fit.AICc, l.num(t, "aicc"), tolLogLik)
			tol := tolForecast
			if fit.Spec.Error == Multiplicative && fit.Spec.Season == Multiplicative {
				tol = tolForecastClass3
			}
			assertCloseRel(t, "forecast", fit.Forecast(8), l.mean, tol)
		})
	}
}

// TestThetaMatchesR pins the Theta method to R's thetaf(y, h = 8) (all reference series have
// at least 3 cycles, where thetaf's n > 2m seasonality condition and the M4 rule n ≥ 3m agree),
// and SES and damped Holt fitted by MSE to ses() and holt(damped = TRUE).
func TestThetaMatchesR(t *testing.T) {
	series := loadRefSeries(t)
	for _, l := range loadRefLines(t) {
		s := series[l.series]
		switch l.what {
		case "thetaf":
			t.Run(l.series+"/thetaf", func(t *testing.T) {
				got, err := Theta.Forecast(s.y, s.period, 8)
				if err != nil {
					t.Fatal(err)
				}
				assertCloseRel(t, "forecast", got, l.mean, tolForecast)
			})
		case "ses":
			t.Run(l.series+"/ses", func(t *testing.T) {
				fit, err := FitETS(s.y, s.period, ETSSpec{Error: Additive}, ETSOptions{Criterion: MSE})
				if err != nil {
					t.Fatal(err)
				}
				assertClose(t, "alpha", fit.Alpha, l.num(t, "alpha"), tolParam)
				assertCloseRel(t, "forecast", fit.Forecast(8), l.mean, tolForecast)
			})
		case "holt-damped":
			t.Run(l.series+"/holt-damped", func(t *testing.T) {
				fit, err := FitETS(s.y, s.period, ETSSpec{Error: Additive, Trend: Additive, Damped: true}, ETSOptions{Criterion: MSE})
				if err != nil {
					t.Fatal(err)
				}
				assertClose(t, "alpha", fit.Alpha, l.num(t, "alpha"), tolParam)
				assertClose(t, "beta", fit.Beta, l.num(t, "beta"), tolParam)
				assertClose(t, "phi", fit.Phi, l.num(t, "phi"), tolParam)
				assertCloseRel(t, "forecast", fit.Forecast(8), l.mean, tolForecast)
			})
		}
	}
}

// TestDecompositionMatchesR pins the autocorrelations to acf() and the seasonal figures to
// decompose(y, "multiplicative"/"additive")$figure.
func TestDecompositionMatchesR(t *testing.T) {
	series := loadRefSeries(t)
	for _, l := range loadRefLines(t) {
		s := series[l.series]
		switch l.what {
		case "acf":
			t.Run(l.series+"/acf", func(t *testing.T) {
				got := acf(s.y, 4)
				for i := range got {
					assertClose(t, "r"+strconv.Itoa(i+1), got[i], l.mean[i], 1e-6)
				}
			})
		case "decompose-mult", "decompose-add":
			t.Run(l.series+"/"+l.what, func(t *testing.T) {
				got := decomposeSeasonal(s.y, s.period, l.what == "decompose-mult")
				for i := 0; i < s.period; i++ {
					assertClose(t, "figure"+strconv.Itoa(i+1), got[i], l.mean[i], 1e-6)
				}
			})
		}
	}
}

// TestAdmissibleMatchesR pins the admissible region of seasonal models, and the Schur–Cohn
// root test behind it, to forecast:::admissible and polyroot.
func TestAdmissibleMatchesR(t *testing.T) {
	n := 0
	for _, l := range loadRefLines(t) {
		if l.series != "admissible" {
			continue
		}
		n++
		fields := strings.Fields(l.text)
		kv := map[string]float64{}
		for _, f := range fields {
			if k, v, ok := strings.Cut(f, "="); ok {
				x, err := strconv.ParseFloat(v, 64)
				if err != nil {
					t.Fatal(err)
				}
				kv[k] = x
			}
		}
		want := fields[len(fields)-2] == "1"
		t.Run(l.text, func(t *testing.T) {
			got := admissible(kv["alpha"], kv["beta"], kv["gamma"], kv["phi"], true, true, 4)
			if got != want {
				t.Errorf("admissible = %v, want %v (R)", got, want)
			}
			// The root test alone, at radii either side of R's largest root modulus.
			a, b, g, p := kv["alpha"], kv["beta"], kv["gamma"], kv["phi"]
			poly := []float64{p * (1 - a - g), a + b - a*p + g - 1, a + b - a*p, a + b - a*p, a + b - p, 1}
			r := kv["max|root|"]
			if !rootsWithin(poly, r*1.001) || rootsWithin(poly, r*0.999) {
				t.Errorf("rootsWithin disagrees with R's largest root modulus %.6f", r)
			}
		})
	}
	if n < 6 {
		t.Fatalf("found %d admissible reference lines, want ≥ 6", n)
	}
}

// TestARIMAMatchesR pins conditional-sum-of-squares ARIMA fits to R's
// Arima(y, order, seasonal, include.drift, method = "CSS"), the KPSS statistic and ndiffs to
// urca::ur.kpss and forecast::ndiffs, and AutoARIMA to auto.arima(y, method = "CSS") where
// R's choice lies inside our search limits (p, q ≤ 3, P, Q ≤ 1). R optimises with BFGS, we
// with Nelder–Mead, so coefficients agree to the optimiser tolerance only.
func TestARIMAMatchesR(t *testing.T) {
	series := loadRefSeries(t)
	orders := map[string]ARIMAOrder{
		"arima110000drift": {P: 1, D: 1, Mean: true},
		"arima011011":      {D: 1, Q: 1, SD: 1, SQ: 1},
		"arima100110drift": {P: 1, SP: 1, SD: 1, Mean: true},
		"arima211000":      {P: 2, D: 1, Q: 1},
	}
	n := 0
	for _, l := range loadRefLines(t) {
		s := series[l.series]
		if o, ok := orders[l.what]; ok {
			n++
			o.Period = s.period
			t.Run(l.series+"/"+l.what, func(t *testing.T) {
				fit, err := FitARIMA(s.y, o)
				if err != nil {
					t.Fatal(err)
				}
				head, _, _ := strings.Cut(l.text, "sse=")
				_, coefText, _ := strings.Cut(head, "coef:")
				want := parseFloats(t, strings.Fields(coefText))
				got := append(append(append(append([]float64(nil), fit.AR...), fit.MA...), fit.SAR...), fit.SMA...)
				if fit.Order.Mean {
					got = append(got, fit.Drift()) // R's drift: the coefficient of t = 1..n
				}
				if len(got) != len(want) {
					t.Fatalf("%d coefficients, want %d", len(got), len(want))
				}
				// R's CSS optimum may lie outside the stationary and invertible region we search
				// in; then ours must be inside it, and the fits are not compared.
				ar, ma := want[:o.P], want[o.P:o.P+o.Q]
				if !stationary(ar) || !invertible(ma) {
					if !stationary(fit.AR) || !invertible(fit.MA) {
						t.Errorf("fit %v %v left the stationary, invertible region", fit.AR, fit.MA)
					}
					t.Logf("R's optimum AR %v MA %v is outside the region we search; not compared", ar, ma)
					return
				}
				for i := range want {
					assertClose(t, fmt.Sprintf("coef[%d]", i), got[i], want[i], 5e-3*math.Max(1, math.Abs(want[i])))
				}
				nUsed := float64(len(s.y) - o.D - o.SD*o.Period - o.P - o.SP*o.Period)
				assertClose(t, "sse", fit.Sigma2*nUsed, l.num(t, "sse"), 1e-3*l.num(t, "sse"))
				if o.Q == 0 && o.SQ == 0 { // see FitARIMA on forecasts with MA terms
					assertCloseRel(t, "forecast", fit.Forecast(8), l.mean, 1e-3)
				}
			})
		}
		switch l.what {
		case "ndiffs":
			t.Run(l.series+"/ndiffs", func(t *testing.T) {
				assertClose(t, "kpss", kpss(s.y), l.num(t, "kpss"), 1e-6)
				want, _ := strconv.Atoi(strings.Fields(strings.TrimPrefix(l.text, l.series+" ndiffs: "))[0])
				if got := ndiffs(s.y); got != want {
					t.Errorf("ndiffs = %d, want %d", got, want)
				}
			})
		case "auto-arima":
			name := strings.ReplaceAll(strings.Fields(strings.TrimPrefix(l.text, l.series+" auto-arima: "))[0], "_", " ")
			if l.series != "short14" && l.series != "wave30" {
				continue // R chose P or Q = 2, outside our search
			}
			t.Run(l.series+"/auto", func(t *testing.T) {
				fit, err := AutoARIMA(s.y, s.period)
				if err != nil {
					t.Fatal(err)
				}
				if got := fit.String(); got != name {
					t.Errorf("selected %s, want %s (R)", got, name)
				}
				assertClose(t, "aicc", fit.AICc, l.num(t, "aicc"), 1e-2)
				if fit.Order.Q == 0 && fit.Order.SQ == 0 { // see FitARIMA on forecasts with MA terms
					assertCloseRel(t, "forecast", fit.Forecast(8), l.mean, 1e-3)
				}
			})
		}
	}
	if n != 16 {
		t.Fatalf("found %d fixed-order reference fits, want 16", n)
	}
}
