package incentive

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/internal/quantile"
	"github.com/growthlens/growthlens/models/classify"
)

// Default model families.
//
// The preference model is a choice among the incentives an employee is eligible for, whose
// appeal moves smoothly with age, tenure, level, pay and performance: ConditionalLogit fits
// exactly that, a multinomial logit over the eligible types only (see choiceModel). Setting
// TrainOptions.PreferenceFamilies to classify families instead fits a classify.Model with the
// eligible types as 0/1 inputs, renormalised over them: the model before the conditional
// logit, kept for comparison (make bench-incentive runs both), which needs several times the
// data to reach the same accuracy.
//
// The attrition model answers what-if questions (the same employee with one more incentive, a
// promotion, a better fit), so it must respond to a changed input smoothly and in one
// direction: LinearLogistic does (see riskModel). Boosted trees jump at their split points; on
// the 1,000-employee synthetic company (development seed 1) the spread of their predicted risk
// changes per incentive type was three to four times logistic regression's, and their top
// recommendations matched the true favourite less often (0.82 against 0.83). Classify families
// may still be asked for by name, as for the preference model.
var (
	PreferenceFamilies = []string{ConditionalLogit}
	AttritionFamilies  = []string{LinearLogistic}
)

// TrainOptions configure Train. The zero value is usable.
type TrainOptions struct {
	// Seed makes both models' cross-validation reproducible.
	Seed uint64
	// PreferenceFamilies is ConditionalLogit alone, or classify families to search instead;
	// AttritionFamilies is LinearLogistic alone, or classify families to search instead
	// (defaults: the package variables of the same names).
	PreferenceFamilies []string
	AttritionFamilies  []string
	// ChoicesOnly fits the conditional logit on the chosen rewards alone, without refining it
	// with the performance deltas of past rewards (see refineWithHistory; always the case
	// beyond historyMaxChoices choices): for comparison.
	ChoicesOnly bool
	// SnapshotMonths is the interval between attrition snapshots (default 3: quarterly).
	SnapshotMonths int
	// Workers bounds the goroutines fitting at once (default GOMAXPROCS); results do not
	// depend on it.
	Workers int
}

// ErrNotEnoughData is matched (errors.Is) by Train's errors for HR data that cannot support
// the models: no rewards table, no reward chosen by the employee, every chosen reward of one
// type, no HR history to take snapshots from or one too short for a year's outcome, everyone
// or no one leaving, performance deltas that leave no spread. Any other error is a fault of
// the config, the options or the code.
var ErrNotEnoughData = errors.New("not enough HR data for the incentive models")

type dataError struct{ error }

func (e dataError) Is(target error) bool { return target == ErrNotEnoughData }

// Recommender holds the fitted models and the employee index; it is safe for concurrent use.
type Recommender struct {
	cfg   Config
	staff *features.Staff
	// currency is the data's (its dataset.json), which the reasons' amounts carry.
	currency string

	// The preference model is choice (ConditionalLogit) or, when classify families were
	// asked for, pref with prefClass the column of each type in its probabilities (-1 if
	// never chosen).
	choice    *choiceModel
	pref      *classify.Model
	prefClass [numTypes]int
	// The attrition model is risk (LinearLogistic) or, when classify families were asked
	// for, attr with attrYes the column of "yes" in its probabilities.
	risk    *riskModel
	attr    *classify.Model
	attrYes int
	perf    *PerformanceModel
	cost    *CostModel
	// raiseShare is the median promotion raise over the salary before it.
	raiseShare float64
	// observedUntil is the last date the HR history covers; Recommend defaults to the day after.
	observedUntil time.Time
	summary       Summary
}

// Summary describes what Train learned from, for logs and the CLI.
type Summary struct {
	ChosenRewards   int    `json:"chosen_rewards"`
	OutsideRules    int    `json:"chosen_outside_rules"`
	PreferenceModel string `json:"preference_model"`
	// PreferenceHistory counts the rewards whose performance_delta refined the conditional
	// logit (0: choices only).
	PreferenceHistory int `json:"preference_history_rewards,omitempty"`
	// PreferenceCV is the conditional logit's cross-validated log loss per penalty.
	PreferenceCV       []PenaltyCV `json:"preference_cv,omitempty"`
	AttritionSnapshots int         `json:"attrition_snapshots"`
	// AttritionAfterReward counts the snapshots taken just after an incentive.
	AttritionAfterReward int    `json:"attrition_snapshots_after_incentive"`
	AttritionLeft        int    `json:"attrition_left_within_12m"`
	AttritionFrom        string `json:"attrition_from"`
	AttritionUntil       string `json:"attrition_until"`
	AttritionModel       string `json:"attrition_model"`
	// AttritionCV is the linear logistic's cross-validated log loss per penalty.
	AttritionCV []PenaltyCV `json:"attrition_cv,omitempty"`
	// Performance is the fitted performance model (Δperf = intercept + slope × fit + offset).
	Performance PerformanceModel  `json:"performance"`
	RaiseShare  float64           `json:"promotion_raise_share"`
	CostBasis   map[string]string `json:"cost_basis"`
	Seconds     float64           `json:"seconds"`
}

// Train fits the preference and attrition models, the performance model and the costs from a
// dataset's employees, rewards and reviews (expense claims are used when present). It needs
// rewards with chosen=true of at least two types, rewards with a recorded performance_delta,
// and at least one employee who left and one who stayed in the attrition snapshots.
func Train(ctx context.Context, ds *datasets.Dataset, cfg Config, opt TrainOptions) (*Recommender, error) {
	start := time.Now()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if !ds.Present("rewards") {
		return nil, dataError{errors.New("incentive: the dataset has no rewards table: nothing to learn preferences from")}
	}
	if opt.SnapshotMonths == 0 {
		opt.SnapshotMonths = 3
	}
	staff, err := features.NewStaff(ds)
	if err != nil {
		return nil, err
	}
	r := &Recommender{cfg: cfg, staff: staff, currency: ds.Settings.Currency}
	_, r.observedUntil = observedSpan(ds)
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// Preference: one row per chosen reward, features as of its date.
	ps, err := BuildPreferenceSet(staff, &cfg)
	if err != nil {
		return nil, err
	}
	if err := r.fitPreference(ctx, ps, opt); err != nil {
		return nil, err
	}
	r.summary.ChosenRewards, r.summary.OutsideRules = len(ps.Rows), ps.OutsideRules
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// Every reward's fit as of its date, the performance model and the costs.
	fits, err := r.historyFits()
	if err != nil {
		return nil, err
	}
	var (
		types        []int
		fitv, deltas []float64
		costs        [numTypes][]costSample
		raises       []float64
	)
	for _, id := range staff.IDs() {
		for _, rw := range staff.Rewards(id) {
			k := typeIndex(rw.Type)
			f, ok := fits[rw]
			if k < 0 || !ok {
				continue
			}
			if rw.PerformanceDelta.Valid && !math.IsNaN(f.fit) {
				types, fitv, deltas = append(types, k), append(fitv, f.fit), append(deltas, rw.PerformanceDelta.V)
			}
			if rw.Value.Valid && rw.Value.V >= 0 {
				costs[k] = append(costs[k], costSample{rw.Value.V, f.salary})
				if rw.Type == "promotion" && f.salary > 0 {
					raises = append(raises, rw.Value.V/f.salary)
				}
			}
		}
	}
	if r.perf, err = fitPerformance(types, fitv, deltas); err != nil {
		return nil, err
	}
	r.cost = fitCosts(costs, &cfg)
	r.raiseShare = 0
	if len(raises) > 0 {
		r.raiseShare = quantile.Median(raises)
	}

	// Attrition: snapshots labelled by leaving within 12 months, with the fit of the latest
	// incentive as a feature so that the model can say what a well-chosen one changes.
	as, err := BuildAttritionSet(ds, staff, opt.SnapshotMonths, func(rw *datasets.Reward) float64 {
		if f, ok := fits[rw]; ok {
			return f.fit
		}
		return math.NaN()
	}, func(row features.EmployeeRow, rw *datasets.Reward, fit float64) features.EmployeeRow {
		return r.apply(row, typeIndex(rw.Type), fit)
	})
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := r.fitAttrition(ctx, as, opt); err != nil {
		return nil, err
	}
	left := 0
	for _, l := range as.Left {
		if l {
			left++
		}
	}
	r.summary.AttritionSnapshots, r.summary.AttritionAfterReward, r.summary.AttritionLeft = len(as.Rows), as.AfterReward, left
	r.summary.AttritionFrom, r.summary.AttritionUntil = datasets.FormatDate(as.From), datasets.FormatDate(as.Until)
	r.summary.Performance = *r.perf
	r.summary.RaiseShare = r.raiseShare
	r.summary.CostBasis = map[string]string{}
	for k, name := range datasets.RewardTypes {
		r.summary.CostBasis[name] = r.cost.Basis[k]
	}
	r.summary.Seconds = time.Since(start).Seconds()
	return r, nil
}

// fitPreference fits the preference model the options ask for on the chosen rewards.
func (r *Recommender) fitPreference(ctx context.Context, ps *PreferenceSet, opt TrainOptions) error {
	fams := opt.PreferenceFamilies
	if len(fams) == 0 {
		fams = PreferenceFamilies
	}
	if slices.Contains(fams, ConditionalLogit) {
		if len(fams) > 1 {
			return fmt.Errorf("preference families %v: %s is fitted alone, not searched with classify families", fams, ConditionalLogit)
		}
		chosen := make([]int, len(ps.Labels))
		for i, l := range ps.Labels {
			chosen[i] = typeIndex(l)
		}
		var err error
		r.choice, err = fitChoice(ctx, ps.Rows, ps.Eligible, chosen, attrsOf(preferenceAttrs, ps.Rows),
			withProtected(preferenceInputs, r.cfg.ProtectedInputs), preferenceAttrs, opt.Seed, opt.Workers)
		if err != nil {
			return fmt.Errorf("preference model: %w", err)
		}
		if !opt.ChoicesOnly && len(ps.Rows) <= historyMaxChoices {
			h, err := r.buildHistory()
			if err != nil {
				return err
			}
			dc := r.choice.encode(ps.Rows, ps.Eligible, attrsOf(r.choice.Attrs, ps.Rows))
			for i, k := range chosen {
				dc.y[i] = int8(k)
				dc.mask[i] |= 1 << k
			}
			if err := refineWithHistory(ctx, r.choice, dc, h); err != nil {
				return fmt.Errorf("preference model: %w", err)
			}
			r.summary.PreferenceHistory = h.d.n
		}
		r.summary.PreferenceModel = r.choice.describe()
		r.summary.PreferenceCV = r.choice.CV
		return nil
	}
	var err error
	r.pref, err = classify.Fit(ps.Table(), ps.Labels, classify.Options{Seed: opt.Seed, Families: fams, Workers: opt.Workers})
	if err != nil {
		return fmt.Errorf("preference model: %w", err)
	}
	for k, name := range datasets.RewardTypes {
		r.prefClass[k] = -1
		for c, cl := range r.pref.Classes {
			if cl == name {
				r.prefClass[k] = c
			}
		}
	}
	r.summary.PreferenceModel = r.pref.Name
	return nil
}

// fitAttrition fits the attrition model the options ask for on the snapshots.
func (r *Recommender) fitAttrition(ctx context.Context, as *AttritionSet, opt TrainOptions) error {
	fams := opt.AttritionFamilies
	if len(fams) == 0 {
		fams = AttritionFamilies
	}
	if slices.Contains(fams, LinearLogistic) {
		if len(fams) > 1 {
			return fmt.Errorf("attrition families %v: %s is fitted alone, not searched with classify families", fams, LinearLogistic)
		}
		var err error
		if r.risk, err = fitRisk(ctx, as.Rows, as.Left, r.attritionInputs(), opt.Seed, opt.Workers); err != nil {
			return fmt.Errorf("attrition model: %w", err)
		}
		r.summary.AttritionModel, r.summary.AttritionCV = r.risk.describe(), r.risk.CV
		return nil
	}
	var err error
	r.attr, err = classify.Fit(as.Table(), as.Labels(), classify.Options{Seed: opt.Seed, Families: fams, Positive: labelYes, Workers: opt.Workers})
	if err != nil {
		return fmt.Errorf("attrition model: %w", err)
	}
	r.attrYes = 1 // Positive is moved last
	r.summary.AttritionModel = r.attr.Name
	return nil
}

// risks returns the attrition model's 12-month leaving risk of each row.
func (r *Recommender) risks(rows []features.EmployeeRow) ([]float64, error) {
	if r.risk != nil {
		return r.risk.risks(rows)
	}
	p, err := r.attr.PredictProba(attritionTable(rows))
	if err != nil {
		return nil, fmt.Errorf("attrition model: %w", err)
	}
	out := make([]float64, len(rows))
	for i := range out {
		out[i] = p[i*len(r.attr.Classes)+r.attrYes]
	}
	return out, nil
}

// Config returns the configuration the recommender applies.
func (r *Recommender) Config() Config { return r.cfg }

// Summary returns what Train learned from.
func (r *Recommender) Summary() Summary { return r.summary }

// ObservedUntil returns the last date the HR history covers.
func (r *Recommender) ObservedUntil() time.Time { return r.observedUntil }

// rewardFit is a past reward's estimated fit and the salary on its date.
type rewardFit struct {
	fit, salary float64
}

// historyFits scores every reward: the employee's features as of its date, their preferences
// over the types eligible then (plus the type given, should the rules not have allowed it),
// and fit = preference for the type given ÷ the largest.
func (r *Recommender) historyFits() (map[*datasets.Reward]rewardFit, error) {
	var (
		rows []features.EmployeeRow
		el   [][numTypes]bool
		rws  []*datasets.Reward
	)
	for _, id := range r.staff.IDs() {
		for _, rw := range r.staff.Rewards(id) {
			k := typeIndex(rw.Type)
			if k < 0 {
				continue
			}
			row, err := r.staff.At(id, rw.Date)
			if err != nil {
				return nil, err
			}
			e := r.cfg.Eligible(&row)
			e[k] = true
			rows, el, rws = append(rows, row), append(el, e), append(rws, rw)
		}
	}
	pr, err := r.preferences(rows, el)
	if err != nil {
		return nil, err
	}
	out := make(map[*datasets.Reward]rewardFit, len(rws))
	for i, rw := range rws {
		k := typeIndex(rw.Type)
		out[rw] = rewardFit{fit: fitOf(&pr[i], k), salary: rows[i].Salary}
	}
	return out, nil
}

// preferences returns, per row, the preference model's probabilities renormalised over the
// row's eligible types (0 for the others). Types never chosen in training have probability
// 0; when no eligible type has any probability, the eligible types share it equally.
func (r *Recommender) preferences(rows []features.EmployeeRow, eligible [][numTypes]bool) ([][numTypes]float64, error) {
	if r.choice != nil {
		out := make([][numTypes]float64, len(rows))
		r.choice.proba(r.choice.encode(rows, eligible, attrsOf(r.choice.Attrs, rows)), out)
		return out, nil
	}
	p, err := r.pref.PredictProba(preferenceTable(rows, eligible))
	if err != nil {
		return nil, fmt.Errorf("preference model: %w", err)
	}
	kc := len(r.pref.Classes)
	out := make([][numTypes]float64, len(rows))
	for i := range rows {
		var sum float64
		n := 0
		for k := range numTypes {
			if !eligible[i][k] {
				continue
			}
			n++
			if c := r.prefClass[k]; c >= 0 {
				out[i][k] = p[i*kc+c]
				sum += out[i][k]
			}
		}
		for k := range numTypes {
			switch {
			case !eligible[i][k]:
			case sum > 0:
				out[i][k] /= sum
			default:
				out[i][k] = 1 / float64(n)
			}
		}
	}
	return out, nil
}

// fitOf is the fit of type k for preferences p: p[k] over the largest p (NaN when all are 0).
func fitOf(p *[numTypes]float64, k int) float64 {
	best := 0.0
	for _, x := range p {
		best = math.Max(best, x)
	}
	if best == 0 {
		return math.NaN()
	}
	return p[k] / best
}

// WithData returns a recommender with the same models over another dataset's employees, for
// example fresher HR data between retrainings. The dataset must have the employees table.
func (r *Recommender) WithData(ds *datasets.Dataset) (*Recommender, error) {
	staff, err := features.NewStaff(ds)
	if err != nil {
		return nil, err
	}
	c := *r
	c.staff, c.currency = staff, ds.Settings.Currency
	_, c.observedUntil = observedSpan(ds)
	return &c, nil
}
