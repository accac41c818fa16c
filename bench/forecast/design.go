package main

import (
	"bufio"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/growthlens/growthlens/models/forecast"
	"github.com/growthlens/growthlens/models/forecast/evaluation"
)

// The design study behind the automatic method (make validate-forecast). It reads the M3
// quarterly training file only — never the test file — and builds pseudo-test sets from it:
// for each holdout k in designHoldouts, every training series whose prefix y[:n−k] has at
// least designMinLen values is forecast from that prefix and scored on the next h values.
// The holdout of 8 mimics the real test (the last 8 values); 16 and 24 add earlier origins.
// Each method is fitted from scratch on every prefix, so the study measures exactly what the
// test would, only earlier in each series' history.
var designHoldouts = []int{8, 16, 24}

// designMinLen is the shortest prefix scored: three years, the least a company series gets
// and the least the M4 seasonality test looks at.
const designMinLen = 12

// valSet is one holdout's pseudo-test set.
type valSet struct {
	holdout int
	cases   []evaluation.Case
	naive2  [][]float64
	scales  []float64 // MASE scale of each prefix
}

// buildValidation cuts the pseudo-test sets out of the training series.
func buildValidation(items []evaluation.Item, holdouts []int, h, minLen int) []valSet {
	var out []valSet
	for _, k := range holdouts {
		vs := valSet{holdout: k}
		for _, it := range items {
			y := it.Series.Values
			n := len(y) - k
			if n < minLen {
				continue
			}
			tr := it.Series
			tr.Values = y[:n]
			vs.cases = append(vs.cases, evaluation.Case{ID: it.ID, Train: tr, Test: y[n : n+h]})
		}
		out = append(out, vs)
	}
	return out
}

// forecastAll runs one method on every case, in parallel. A failure is an error: every
// candidate must forecast every series.
func forecastAll(cases []evaluation.Case, meth forecast.Method, workers int) ([][]float64, error) {
	out := make([][]float64, len(cases))
	errs := make([]error, len(cases))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				c := cases[i]
				out[i], errs[i] = meth.Forecast(c.Train.Values, c.Train.Period, len(c.Test))
			}
		}()
	}
	for i := range cases {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("%s on %s: %w", meth.Name(), cases[i].ID, err)
		}
	}
	return out, nil
}

// score is sMAPE, MASE and OWA (against Naive2 on the same cases) of forecasts fs.
type score struct{ smape, mase, owa float64 }

func (vs valSet) score(fs [][]float64) score {
	var s, m, s2, m2 float64
	for i, c := range vs.cases {
		s += forecast.SMAPE(c.Test, fs[i])
		m += maseWith(c.Test, fs[i], vs.scales[i])
		s2 += forecast.SMAPE(c.Test, vs.naive2[i])
		m2 += maseWith(c.Test, vs.naive2[i], vs.scales[i])
	}
	k := float64(len(vs.cases))
	return score{s / k, m / k, forecast.OWA(s/k, m/k, s2/k, m2/k)}
}

func maseWith(y, f []float64, scale float64) float64 {
	a := 0.0
	for i := range y {
		a += math.Abs(y[i] - f[i])
	}
	return a / float64(len(y)) / scale
}

// designMethods are the single methods the study scores; the first group are the current and
// classic members, the rest the candidates studied for the second design.
var designMethods = []string{"naive2", "ses", "holt", "damped", "ets", "ets-r", "ets-d", "ets-aw", "arima", "ces", "theta", "otm", "dotm", "4theta"}

// combo is a candidate combination of single methods.
type combo struct {
	how     forecast.Combiner
	members []string
}

func (c combo) name() string { return fmt.Sprintf("%s(%s)", c.how, strings.Join(c.members, ",")) }

var designCombos = []combo{
	{forecast.CombineMedian, []string{"ets", "ces", "theta", "arima"}},
	{forecast.CombineMedian, []string{"ets", "ces", "4theta", "arima"}},
	{forecast.CombineMedian, []string{"ets-aw", "ces", "4theta", "arima"}},
	{forecast.CombineMedian, []string{"ets", "ces", "arima", "dotm"}},
	{forecast.CombineMedian, []string{"ets", "ces", "4theta", "arima", "dotm"}},
	{forecast.CombineMedian, []string{"ets", "4theta", "arima"}},
	{forecast.CombineMedian, []string{"ets", "ces", "4theta"}},
	{forecast.CombineMedian, []string{"ets", "ces", "arima"}},
	{forecast.CombineMean, []string{"ets", "ces", "theta", "arima"}},
	{forecast.CombineMean, []string{"ets", "ces", "4theta", "arima"}},
	{forecast.CombineMean, []string{"ets", "theta", "arima"}},
	{forecast.CombineMean, []string{"ses", "holt", "damped"}},
}

// designAutos are the designs run through the whole Auto pipeline: the previous default and
// the current one.
var designAutos = []combo{
	{forecast.CombineMedian, []string{"ets", "ces", "theta", "arima"}},
	{forecast.CombineMedian, []string{"ets", "ces", "4theta", "arima"}},
}

// design runs the study and prints, for every method and combination, its scores at each
// holdout and the mean OWA. With dump set it also writes every forecast to dump as CSV
// (holdout,id,n,method,h,forecast,actual) for analysis elsewhere. A non-empty only (a
// comma-separated list of methods) restricts the study to those methods and the combinations
// and designs made of them alone.
// The learned combination of learnedMembers (a candidate that was not adopted) is validated
// by learnedStudy.
func design(w io.Writer, dataDir string, h, workers int, dump, only, rscript string) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	f, err := os.Open(filepath.Join(dataDir, "M3Q-train.csv"))
	if err != nil {
		return err
	}
	items, err := evaluation.ReadLong(f)
	f.Close()
	if err != nil {
		return err
	}
	sets := buildValidation(items, designHoldouts, h, designMinLen)
	for i := range sets {
		vs := &sets[i]
		if vs.naive2, err = forecastAll(vs.cases, forecast.Naive2, workers); err != nil {
			return err
		}
		vs.scales = make([]float64, len(vs.cases))
		for j, c := range vs.cases {
			vs.scales[j] = forecast.MASEScale(c.Train.Values, c.Train.Period)
		}
	}

	// fc[method][set] are the method's forecasts of every case of a set.
	fc := map[string][][][]float64{}
	secs := map[string]float64{}
	names := append([]string(nil), designMethods...)
	for _, c := range designCombos {
		for _, m := range c.members {
			if !contains(names, m) {
				names = append(names, m)
			}
		}
	}
	combos, autos := designCombos, designAutos
	if only != "" {
		names = strings.Split(only, ",")
		if !contains(names, "naive2") {
			names = append(names, "naive2") // for OWA
		}
		covered := func(cs []combo) []combo {
			var out []combo
			for _, c := range cs {
				ok := true
				for _, m := range c.members {
					ok = ok && contains(names, m)
				}
				if ok {
					out = append(out, c)
				}
			}
			return out
		}
		combos, autos = covered(designCombos), covered(designAutos)
	}
	for _, name := range names {
		meth, err := forecast.MethodByName(name)
		if err != nil {
			return err
		}
		t0 := time.Now()
		for _, vs := range sets {
			out, err := forecastAll(vs.cases, meth, workers)
			if err != nil {
				return err
			}
			fc[name] = append(fc[name], out)
		}
		secs[name] = time.Since(t0).Seconds()
	}
	if rscript != "" {
		if err := designR(w, rscript, sets, fc); err != nil {
			return err
		}
	}

	fmt.Fprintf(w, "Design study: the M3 quarterly training parts only, h = %d, prefixes of at least %d values\n", h, designMinLen)
	fmt.Fprintf(w, "%-40s", "holdout (series)")
	for _, vs := range sets {
		fmt.Fprintf(w, " %22s", fmt.Sprintf("last %d (%d)", vs.holdout, len(vs.cases)))
	}
	fmt.Fprintf(w, " %8s %6s\n", "mean OWA", "rank")
	fmt.Fprintf(w, "%-40s", "")
	for range sets {
		fmt.Fprintf(w, " %22s", "sMAPE   MASE   OWA")
	}
	fmt.Fprintln(w)

	type line struct {
		name string
		sc   []score
		mean float64
	}
	var lines []line
	add := func(name string, per [][][]float64) {
		l := line{name: name}
		for i, vs := range sets {
			s := vs.score(per[i])
			l.sc = append(l.sc, s)
			l.mean += s.owa / float64(len(sets))
		}
		lines = append(lines, l)
	}
	for _, name := range names {
		add(name, fc[name])
	}
	if rscript != "" {
		for _, name := range rDesignNames {
			add(name, fc[name])
		}
		combos = append(append([]combo(nil), combos...), rDesignCombos...)
	}
	for _, c := range combos {
		per := make([][][]float64, len(sets))
		for i, vs := range sets {
			per[i] = make([][]float64, len(vs.cases))
			for j := range vs.cases {
				var parts [][]float64
				for _, m := range c.members {
					parts = append(parts, fc[m][i][j])
				}
				per[i][j] = forecast.Combine(parts, c.how)
			}
		}
		add(c.name(), per)
	}
	order := make([]int, len(lines))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return lines[order[a]].mean < lines[order[b]].mean })
	rank := make([]int, len(lines))
	for r, i := range order {
		rank[i] = r + 1
	}
	for i, l := range lines {
		fmt.Fprintf(w, "%-40s", l.name)
		for _, s := range l.sc {
			fmt.Fprintf(w, " %7.3f %6.3f %6.3f", s.smape, s.mase, s.owa)
		}
		fmt.Fprintf(w, " %8.4f %6d\n", l.mean, rank[i])
	}
	if only == "" {
		searchCombos(w, sets, fc)
	}
	if contains(names, "ets") && contains(names, "ces") && contains(names, "4theta") && contains(names, "arima") {
		for _, lambda := range learnedLambdas {
			if err := learnedStudy(w, sets, fc, learnedMembers, lambda); err != nil {
				return err
			}
		}
	}

	fmt.Fprintln(w, "\nseconds per method (all holdouts, point forecasts only):")
	for _, name := range names {
		fmt.Fprintf(w, "  %-10s %6.2f\n", name, secs[name])
	}

	// The whole pipeline — members refitted at the backtest origins, combination, calibrated
	// intervals — for the designs compared, as Auto runs them.
	fmt.Fprintln(w, "\nAuto with intervals (80 %, 95 %) on the same pseudo-test sets:")
	fmt.Fprintf(w, "%-40s %7s %7s %6s %6s %6s %6s %7s %8s\n", "design", "holdout", "sMAPE", "MASE", "OWA", "cov80", "cov95", "MSIS", "cpu ms/s")
	for _, d := range autos {
		var members []forecast.Method
		for _, name := range d.members {
			m, err := forecast.MethodByName(name)
			if err != nil {
				return err
			}
			members = append(members, m)
		}
		for _, vs := range sets {
			cpu0 := cpuSeconds()
			rep, err := evaluation.Run(vs.cases, evaluation.Options{Members: members, Combine: d.how, Workers: workers})
			if err != nil {
				return err
			}
			if len(rep.Failed) > 0 {
				return fmt.Errorf("%s: %d series failed, first %s: %s", d.name(), len(rep.Failed), rep.Failed[0].ID, rep.Failed[0].Error)
			}
			cpu := (cpuSeconds() - cpu0) / float64(len(vs.cases)) * 1000
			fmt.Fprintf(w, "%-40s %7d %7.3f %6.3f %6.3f %5.1f%% %5.1f%% %7.2f %8.2f\n", d.name(), vs.holdout, rep.SMAPE, rep.MASE, rep.OWA,
				100*rep.Coverage[80], 100*rep.Coverage[95], rep.MSIS, cpu)
		}
	}

	if only == "" {
		if err := growthStudy(w, sets, workers); err != nil {
			return err
		}
	}

	if dump == "" {
		return nil
	}
	out, err := os.Create(dump)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(out)
	fmt.Fprintln(bw, "holdout,id,n,method,h,forecast,actual")
	for i, vs := range sets {
		for j, c := range vs.cases {
			for _, name := range names {
				for k, v := range fc[name][i][j] {
					fmt.Fprintf(bw, "%d,%s,%d,%s,%d,%.10g,%.10g\n", vs.holdout, c.ID, len(c.Train.Values), name, k+1, v, c.Test[k])
				}
			}
		}
	}
	if err := bw.Flush(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// learnedMembers are the members the learned combination weighs (with their median).
var learnedMembers = []string{"ets", "ces", "4theta", "arima"}

// learnedLambdas are the ridge penalties of the learned weighting tried.
var learnedLambdas = []float64{0.001, 0.01, 0.1}

// learnedStudy validates the learned combination three ways: 5-fold cross-validation over the
// series (fitted on four fifths of the series at every holdout), leaving one holdout out, and
// fitted on the earlier origins only. Only the last is how the weighting would be used — on
// a later period than it was fitted on — and only it tells whether the weights carry forward
// in time: the M3 series share calendar periods, so the first two can learn which member did
// well in a given period.
func learnedStudy(w io.Writer, sets []valSet, fc map[string][][][]float64, members []string, lambda float64) error {
	wsets := func(keep func(id string) bool) []WeightingSet {
		var ws []WeightingSet
		for i, vs := range sets {
			var n2s, n2m float64
			for j, c := range vs.cases {
				n2s += forecast.SMAPE(c.Test, vs.naive2[j])
				n2m += maseWith(c.Test, vs.naive2[j], vs.scales[j])
			}
			k := float64(len(vs.cases))
			set := WeightingSet{Naive2SMAPE: n2s / k, Naive2MASE: n2m / k}
			for j, c := range vs.cases {
				if !keep(c.ID) {
					continue
				}
				var fs [][]float64
				for _, m := range members {
					fs = append(fs, fc[m][i][j])
				}
				set.Cases = append(set.Cases, WeightingCase{Y: c.Train.Values, Period: c.Train.Period, Forecasts: fs, Actual: c.Test, Scale: vs.scales[j]})
			}
			ws = append(ws, set)
		}
		return ws
	}
	apply := func(wt *Weighting, i int, keep func(id string) bool, into [][]float64) {
		vs := sets[i]
		for j, c := range vs.cases {
			if !keep(c.ID) {
				continue
			}
			var fs [][]float64
			for _, m := range members {
				fs = append(fs, fc[m][i][j])
			}
			into[j] = wt.Combine(c.Train.Values, c.Train.Period, fs)
		}
	}
	all := func(string) bool { return true }
	fold := func(id string) int {
		h := fnv.New32a()
		h.Write([]byte(id))
		return int(h.Sum32() % 5)
	}
	name := fmt.Sprintf("learned(%s)", strings.Join(members, ","))
	fmt.Fprintf(w, "\nLearned combination %s + their median, ridge %g:\n", name, lambda)
	// Series cross-validation.
	preds := make([][][]float64, len(sets))
	for i, vs := range sets {
		preds[i] = make([][]float64, len(vs.cases))
	}
	for k := range 5 {
		train := func(id string) bool { return fold(id) != k }
		test := func(id string) bool { return fold(id) == k }
		wt, err := FitWeighting(members, wsets(train), lambda)
		if err != nil {
			return err
		}
		for i := range sets {
			apply(wt, i, test, preds[i])
		}
	}
	fmt.Fprintf(w, "%-40s", "5-fold over series")
	mean := 0.0
	for i, vs := range sets {
		s := vs.score(preds[i])
		mean += s.owa / float64(len(sets))
		fmt.Fprintf(w, " %7.3f %6.3f %6.3f", s.smape, s.mase, s.owa)
	}
	fmt.Fprintf(w, " %8.4f\n", mean)
	// Leave one holdout out.
	fmt.Fprintf(w, "%-40s", "leave one holdout out")
	mean = 0
	for i, vs := range sets {
		ws := wsets(all)
		ws = append(ws[:i:i], ws[i+1:]...)
		wt, err := FitWeighting(members, ws, lambda)
		if err != nil {
			return err
		}
		p := make([][]float64, len(vs.cases))
		apply(wt, i, all, p)
		s := vs.score(p)
		mean += s.owa / float64(len(sets))
		fmt.Fprintf(w, " %7.3f %6.3f %6.3f", s.smape, s.mase, s.owa)
	}
	fmt.Fprintf(w, " %8.4f\n", mean)
	// Forward: fitted on the earlier origins only (the larger holdouts), scored on a later one,
	// as the weighting will be used on the future.
	fmt.Fprintf(w, "%-40s", "fitted on earlier holdouts only")
	for i, vs := range sets {
		var ws []WeightingSet
		for j, s := range wsets(all) {
			if sets[j].holdout > vs.holdout {
				ws = append(ws, s)
			}
		}
		if len(ws) == 0 {
			fmt.Fprintf(w, " %22s", "—")
			continue
		}
		wt, err := FitWeighting(members, ws, lambda)
		if err != nil {
			return err
		}
		p := make([][]float64, len(vs.cases))
		apply(wt, i, all, p)
		s := vs.score(p)
		fmt.Fprintf(w, " %7.3f %6.3f %6.3f", s.smape, s.mase, s.owa)
	}
	fmt.Fprintln(w)
	return nil
}

// searchPool are the methods whose combinations searchCombos tries (ets and ets-aw, two
// forms of the same selection, never together).
var searchPool = []string{"ets", "ets-aw", "ces", "theta", "4theta", "dotm", "arima", "damped", "otm"}

// searchCombos scores the median, the mean and (for 4 or more members) the trimmed mean
// without the highest and lowest of every combination of 3 to 5 methods of searchPool, and
// prints the best ten by mean OWA: how wide a search the chosen design won.
func searchCombos(w io.Writer, sets []valSet, fc map[string][][][]float64) {
	type result struct {
		name string
		sc   []score
		mean float64
	}
	var res []result
	var pick func(start int, chosen []string)
	try := func(ms []string) {
		for _, how := range []string{"median", "mean", "trimmed"} {
			if how == "trimmed" && len(ms) < 4 {
				continue
			}
			r := result{name: fmt.Sprintf("%s(%s)", how, strings.Join(ms, ","))}
			for i, vs := range sets {
				fs := make([][]float64, len(vs.cases))
				for j := range vs.cases {
					var parts [][]float64
					for _, m := range ms {
						parts = append(parts, fc[m][i][j])
					}
					fs[j] = combineBy(parts, how)
				}
				s := vs.score(fs)
				r.sc = append(r.sc, s)
				r.mean += s.owa / float64(len(sets))
			}
			res = append(res, r)
		}
	}
	pick = func(start int, chosen []string) {
		if len(chosen) >= 3 {
			try(chosen)
		}
		if len(chosen) == 5 {
			return
		}
		for i := start; i < len(searchPool); i++ {
			m := searchPool[i]
			if (m == "ets-aw" && contains(chosen, "ets")) || (m == "ets" && contains(chosen, "ets-aw")) {
				continue
			}
			pick(i+1, append(append([]string(nil), chosen...), m))
		}
	}
	pick(0, nil)
	sort.SliceStable(res, func(a, b int) bool { return res[a].mean < res[b].mean })
	fmt.Fprintf(w, "\nSearch: median, mean and trimmed mean of every 3 to 5 of %s (%d candidates), best ten:\n", strings.Join(searchPool, ", "), len(res))
	for _, r := range res[:min(10, len(res))] {
		fmt.Fprintf(w, "%-40s", r.name)
		for _, s := range r.sc {
			fmt.Fprintf(w, " %7.3f %6.3f %6.3f", s.smape, s.mase, s.owa)
		}
		fmt.Fprintf(w, " %8.4f\n", r.mean)
	}
}

// combineBy combines by median, mean, or the mean without the highest and lowest value.
func combineBy(fs [][]float64, how string) []float64 {
	switch how {
	case "median":
		return forecast.Combine(fs, forecast.CombineMedian)
	case "mean":
		return forecast.Combine(fs, forecast.CombineMean)
	}
	out := make([]float64, len(fs[0]))
	vals := make([]float64, len(fs))
	for i := range out {
		for j, f := range fs {
			vals[j] = f[i]
		}
		sort.Float64s(vals)
		for _, v := range vals[1 : len(vals)-1] {
			out[i] += v
		}
		out[i] /= float64(len(vals) - 2)
	}
	return out
}
