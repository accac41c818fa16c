package incentive

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/datasets/synth"
	"github.com/growthlens/growthlens/models/classify"
)

// The acceptance run (make bench-incentive) trains on generated companies of each size and
// seed and scores the recommendations against ground_truth.json. The seeds it reports were
// not used while the package was developed (seed 1 at 1,000 employees and the default
// company, seed 7, were).
var (
	acceptSizes = flag.String("incentive.sizes", "", "acceptance run: comma-separated company sizes (e.g. 100,1000,2000); empty skips it")
	acceptSeeds = flag.String("incentive.seeds", "11,12,13", "acceptance run: comma-separated generator seeds")
	acceptMin   = flag.Int("incentive.min", 100, "acceptance run: the bars apply from this company size up")
	acceptRef   = flag.String("incentive.reference", "", "acceptance run: also score each company with the models trained once on this (large) company's directory")
	// acceptProtected trains with the policy's protected_inputs on (age an input): the
	// generator's preferences move with age, so this measures what the default policy costs.
	acceptProtected = flag.Bool("incentive.protected-inputs", false, "acceptance run: train with protected inputs (age) allowed")
)

// Protocol constants (see the package README section and scoreCompany).
const (
	samplesPerEmployee = 20
	trainSeed          = 0
	maxF1Gap           = 0.05
	minTopMatch        = 0.80
	// fitRiskMin is the company size from which the attrition model must find the planted
	// effect of fit (FitRisk < 0); at 100 employees, with 10 to 15 leavers a year, it is lost
	// in the noise (it came out between −0.12 and +0.02 on seeds 1–7 and 11–13).
	fitRiskMin = 500
)

// companyScore is what scoreCompany measures on one generated company.
type companyScore struct {
	Employees, Seed int
	People          int // employees in the truth on staff on the as-of date (scored)
	Excluded        int // employees in the truth who left during the last month
	ChosenRewards   int
	F1True, F1Model float64
	TopMatch        float64 // top recommendation by benefit (cost weight 0) = the true top eligible incentive
	PrefMatch       float64 // most preferred by the model = the true top eligible incentive
	// TopMatchNet is TopMatch under the default objective, value net of cost (cost weight 1).
	TopMatchNet float64
	// NoneNet is the share of employees with no recommendation under the default objective
	// (every option raises the predicted risk or is worth less than it costs).
	NoneNet float64
	// RaisedTop counts recommended top options (default objective) that raise the risk (only
	// allowed as the only eligible one), CostlyTop those that cost more than their benefit.
	RaisedTop, CostlyTop int
	// PolicyDiffers counts employees whose eligible set under the default policy differs from
	// the generator's (the policy counts days since promotion, not month boundaries, and has
	// a performance floor for promotion); their true favourite is taken among the policy's set.
	PolicyDiffers int
	// FitRisk is the mean, over employees, of the 12-month risk with their best-fitting
	// incentive minus the risk with their worst-fitting one (promotion left out: it also
	// moves pay and the promotion wait). The generator's hazard falls with fit, so it should
	// be negative.
	FitRisk      float64
	TrainSeconds float64
}

// scoreCompany trains on the company in dir and scores it against its ground truth:
//
//   - Ground truth gives true preference probabilities on the last day only, for the employees
//     active in the last month; those who left during that month are not on staff on the as-of
//     date (the day after the data) and are left out.
//   - For every scored employee, samplesPerEmployee choices are drawn (seeded) from their true
//     probabilities restricted to their eligible set. Macro-F1 (scikit-learn's: the mean F1
//     over the classes present in the samples or the predictions) is computed for (i) the
//     argmax of the true probabilities and (ii) the argmax of the preference model's
//     eligible-renormalised probabilities from features as of the as-of date, both against
//     those same samples.
//   - TopMatch is the share of scored employees whose top recommendation, ranked by benefit
//     (cost weight 0, as the bars were set) among the options the objective recommends, is
//     the true favourite; TopMatchNet the same under the default objective (net of cost).
//
// The eligible set is the recommender's policy's (DefaultConfig), not the generator's: they
// differ for employees promoted or hired 11 to 12 months before (the generator counts month
// boundaries, the policy days) and for promotion below the performance floor. The true
// favourite, the F1 samples and the matches are all taken over the policy's set.
func scoreCompany(t *testing.T, dir string, r *Recommender, sampleSeed uint64) companyScore {
	t.Helper()
	truth, err := synth.ReadTruth(dir)
	if err != nil {
		t.Fatal(err)
	}
	sc := companyScore{Employees: truth.Employees, Seed: int(truth.Seed), ChosenRewards: r.Summary().ChosenRewards,
		TrainSeconds: r.Summary().Seconds}
	end, err := datasets.ParseMonth(truth.End)
	if err != nil {
		t.Fatal(err)
	}
	asOf := end.End()
	if got := r.ObservedUntil().AddDate(0, 0, 1); !got.Equal(asOf) {
		t.Fatalf("default as-of %s, want the day after the generated months, %s", datasets.FormatDate(got), datasets.FormatDate(asOf))
	}
	onStaff, err := r.OnStaff(asOf, "")
	if err != nil {
		t.Fatal(err)
	}
	var people []synth.EmployeeTruth
	var ids []string
	for _, p := range truth.People {
		if slices.Contains(onStaff, p.EmployeeID) {
			people = append(people, p)
			ids = append(ids, p.EmployeeID)
		}
	}
	sc.People, sc.Excluded = len(people), len(truth.People)-len(people)
	bench := *r
	bench.cfg.Value.CostWeight = 0
	recs, err := bench.Recommend(context.Background(), ids, Options{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(sampleSeed, 0x1ce))
	var y []int
	var pTrue, pModel []float64
	onehot := func(k int) []float64 {
		v := make([]float64, numTypes)
		v[k] = 1
		return v
	}
	top, pref := 0, 0
	var trueTops []int
	var fitRisk float64
	var fitRiskN int
	for i, p := range people {
		rec := &recs[i]
		hi, lo := rec.Options[0], rec.Options[0]
		for _, o := range rec.Options {
			if o.Fit > hi.Fit {
				hi = o
			}
			if o.Fit < lo.Fit {
				lo = o
			}
		}
		if hi.Type != "promotion" && lo.Type != "promotion" && hi.Type != lo.Type {
			fitRisk += hi.Risk - lo.Risk
			fitRiskN++
		}
		// The policy's eligible set; the true favourite among it.
		var got []string
		for _, o := range rec.Options {
			got = append(got, o.Type)
		}
		slices.Sort(got)
		want := slices.Clone(p.Eligible)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			sc.PolicyDiffers++
		}
		trueTop := -1
		for _, name := range got {
			if k := typeIndex(name); trueTop < 0 || p.Preference[name] > p.Preference[datasets.RewardTypes[trueTop]] {
				trueTop = k
			}
		}
		best := rec.Options[0]
		for _, o := range rec.Options {
			if o.Preference > best.Preference {
				best = o
			}
		}
		trueTops = append(trueTops, trueTop)
		if rr := rec.Recommended(); len(rr) > 0 && rr[0].Type == datasets.RewardTypes[trueTop] {
			top++
		}
		if best.Type == datasets.RewardTypes[trueTop] {
			pref++
		}
		var w [numTypes]float64
		var sum float64
		for _, name := range got {
			w[typeIndex(name)] = p.Preference[name]
			sum += p.Preference[name]
		}
		for range samplesPerEmployee {
			u := rng.Float64() * sum
			k := -1
			for j := range numTypes {
				if w[j] == 0 {
					continue
				}
				k = j
				if u -= w[j]; u < 0 {
					break
				}
			}
			y = append(y, k)
			pTrue = append(pTrue, onehot(trueTop)...)
			pModel = append(pModel, onehot(typeIndex(best.Type))...)
		}
	}
	sc.F1True = classify.Score(pTrue, y, numTypes).MacroF1
	sc.F1Model = classify.Score(pModel, y, numTypes).MacroF1
	sc.TopMatch = float64(top) / float64(len(people))
	sc.PrefMatch = float64(pref) / float64(len(people))
	sc.FitRisk = fitRisk / float64(max(fitRiskN, 1))
	netRecs, err := r.Recommend(context.Background(), ids, Options{AsOf: asOf, Top: 7})
	if err != nil {
		t.Fatal(err)
	}
	sc.RaisedTop, sc.CostlyTop = checkObjective(t, netRecs)
	for i := range people {
		top := netRecs[i].Recommended()
		switch {
		case len(top) == 0:
			sc.NoneNet++
		case top[0].Type == datasets.RewardTypes[trueTops[i]]:
			sc.TopMatchNet++
		}
	}
	sc.TopMatchNet /= float64(len(people))
	sc.NoneNet /= float64(len(people))
	return sc
}

// trainCompany loads the HR tables of the company in dir and trains on them with trainSeed.
func trainCompany(tb testing.TB, dir string) *Recommender {
	tb.Helper()
	ds, _, err := datasets.Load(dir, datasets.WithTables("employees", "rewards", "reviews", "expense_claims"))
	if err != nil {
		tb.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.ProtectedInputs = *acceptProtected
	r, err := Train(context.Background(), ds, cfg, TrainOptions{Seed: trainSeed})
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// loadCompany generates a company and loads its HR tables.
func loadCompany(tb testing.TB, employees int, seed uint64) *datasets.Dataset {
	tb.Helper()
	ds, _, err := datasets.Load(generateCompany(tb, employees, seed), datasets.WithTables("employees", "rewards", "reviews", "expense_claims"))
	if err != nil {
		tb.Fatal(err)
	}
	return ds
}

func generateCompany(t testing.TB, employees int, seed uint64) string {
	t.Helper()
	cfg := synth.DefaultConfig()
	cfg.Employees, cfg.Seed = employees, seed
	dir := filepath.Join(t.TempDir(), fmt.Sprintf("company-%d-%d", employees, seed))
	if _, err := synth.Generate(context.Background(), dir, cfg, nil); err != nil {
		t.Fatal(err)
	}
	return dir
}

func parseInts(t *testing.T, s string) []int {
	t.Helper()
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("bad number %q in %q", f, s)
		}
		out = append(out, n)
	}
	return out
}

// TestAcceptance is the acceptance run of issue 4 on generated companies; make
// bench-incentive runs it twice. Companies of at least -incentive.min employees must reach
// the bars; smaller ones are reported only. The F1-gap bar measures the preference model
// against the generator's true probabilities, which read age: it is asserted when the models
// may read age too (-incentive.protected-inputs) and only reported under the default policy,
// which keeps age out (docs/hr.md, incentive policy) and so cannot reach it by design.
func TestAcceptance(t *testing.T) {
	if *acceptSizes == "" {
		t.Skip("acceptance run: pass -incentive.sizes (make bench-incentive)")
	}
	sizes, seeds := parseInts(t, *acceptSizes), parseInts(t, *acceptSeeds)
	// The reference models, trained on a company many times the size, show what the same
	// model family reaches on each company when estimation error is all but gone: the gap
	// between it and the company's own models is the price of the company's few choices.
	var ref *Recommender
	if *acceptRef != "" {
		ref = trainCompany(t, *acceptRef)
		t.Logf("reference models: trained on %s (%d chosen rewards)", *acceptRef, ref.Summary().ChosenRewards)
	}
	f1Bar := fmt.Sprintf("F1 gap ≤ %.2f", maxF1Gap)
	if !*acceptProtected {
		f1Bar = "F1 gap reported only (the default policy keeps age out; the truth reads it)"
	}
	t.Logf("protocol: %d samples per employee from the true eligible probabilities; train seed %d; protected inputs %v; bars from %d employees: %s, top match ≥ %.2f",
		samplesPerEmployee, trainSeed, *acceptProtected, *acceptMin, f1Bar, minTopMatch)
	t.Logf("%9s %6s %6s %8s %8s %8s %8s %9s %10s %9s %8s %8s %9s %8s", "employees", "seed", "scored", "chosen", "F1 true", "F1 model", "F1 gap", "top match", "pref match", "net match", "net none", "policy≠", "fit risk", "train s")
	for _, n := range sizes {
		for _, seed := range seeds {
			dir := generateCompany(t, n, uint64(seed))
			sc := scoreCompany(t, dir, trainCompany(t, dir), uint64(seed))
			gap := sc.F1True - sc.F1Model
			t.Logf("%9d %6d %6d %8d %8.4f %8.4f %+8.4f %9.3f %10.3f %9.3f %8.3f %8d %+9.4f %8.1f", n, seed, sc.People, sc.ChosenRewards, sc.F1True, sc.F1Model, gap, sc.TopMatch, sc.PrefMatch, sc.TopMatchNet, sc.NoneNet, sc.PolicyDiffers, sc.FitRisk, sc.TrainSeconds)
			if ref != nil {
				ds, _, err := datasets.Load(dir, datasets.WithTables("employees", "rewards", "reviews", "expense_claims"))
				if err != nil {
					t.Fatal(err)
				}
				r, err := ref.WithData(ds)
				if err != nil {
					t.Fatal(err)
				}
				rs := scoreCompany(t, dir, r, uint64(seed))
				t.Logf("%9s %6s %6s %8s %8.4f %8.4f %+8.4f %9.3f %10.3f %9.3f %+9.4f  (reference models)", "", "", "", "", rs.F1True, rs.F1Model, rs.F1True-rs.F1Model, rs.TopMatch, rs.PrefMatch, rs.TopMatchNet, rs.FitRisk)
			}
			if n < *acceptMin {
				continue
			}
			if *acceptProtected && gap > maxF1Gap {
				t.Errorf("%d employees, seed %d: macro-F1 %.4f is %.4f below the true probabilities' %.4f (bar %.2f)", n, seed, sc.F1Model, gap, sc.F1True, maxF1Gap)
			}
			if n >= fitRiskMin && !(sc.FitRisk < 0) {
				t.Errorf("%d employees, seed %d: the best-fitting incentive leaves a risk %+.4f against the worst-fitting one, want < 0 (the planted hazard falls with fit)", n, seed, sc.FitRisk)
			}
			if sc.TopMatch < minTopMatch {
				t.Errorf("%d employees, seed %d: top recommendation matches the true favourite for %.3f of employees, want ≥ %.2f", n, seed, sc.TopMatch, minTopMatch)
			}
		}
	}
}

var ageWord = regexp.MustCompile(`(?i)\b(age|aged|birth)\b`)

// checkObjective checks issue 13's rules on recommendations: no recommended option raises
// the predicted risk unless it is the only eligible one and flagged so (its reasons say it);
// an option that costs more than its benefit is flagged and its reasons say so; no reason,
// driver or note names a protected attribute.
func checkObjective(t *testing.T, recs []Recommendation) (raisedTop, costlyTop int) {
	t.Helper()
	for _, rec := range recs {
		for _, n := range rec.Notes {
			if ageWord.MatchString(n) {
				t.Errorf("%s: note names age: %q", rec.EmployeeID, n)
			}
		}
		for j, o := range rec.Options {
			if o.Recommended && o.RiskChange > 0 {
				if len(rec.Options) != 1 || !slices.Contains(o.Flags, FlagOnlyEligible) {
					t.Errorf("%s %s: recommended although it raises the risk %.4f → %.4f beside other options", rec.EmployeeID, o.Type, rec.Risk, o.Risk)
				}
				if j == 0 {
					raisedTop++
				}
			}
			if o.Cost > 0 && o.Cost > o.Benefit {
				if !slices.Contains(o.Flags, FlagCostsMore) {
					t.Errorf("%s %s: costs %.0f, worth %.0f, not flagged", rec.EmployeeID, o.Type, o.Cost, o.Benefit)
				}
				says := func(s string) bool {
					return strings.HasPrefix(s, "It costs more than") || strings.Contains(s, "expected to do more harm than good")
				}
				if len(o.Reasons) > 0 && !slices.ContainsFunc(o.Reasons, says) {
					t.Errorf("%s %s: costs more than its benefit and no reason says so: %q", rec.EmployeeID, o.Type, o.Reasons)
				}
				if j == 0 && o.Recommended {
					costlyTop++
				}
			}
			for _, s := range o.Reasons {
				if ageWord.MatchString(s) {
					t.Errorf("%s %s: reason names age: %q", rec.EmployeeID, o.Type, s)
				}
			}
			for _, d := range o.Drivers {
				if slices.Contains(protectedInputs, d.Feature) {
					t.Errorf("%s %s: driver %s is protected", rec.EmployeeID, o.Type, d.Feature)
				}
			}
		}
	}
	return raisedTop, costlyTop
}
