package classify

import (
	"fmt"
	"sort"
	"time"
)

// Report is the result of Evaluate: held-out metrics of the whole selection procedure and of
// every candidate family, each the mean over the outer folds of the metric on that fold.
type Report struct {
	Rows    int      `json:"rows"`
	Folds   int      `json:"folds"`
	Classes []string `json:"classes"`
	// Model is the family chosen most often by the inner cross-validation across outer folds
	// (ties: the earlier in Options.Families); ChosenPerFold has the choice of every fold.
	Model         string   `json:"model"`
	ChosenPerFold []string `json:"chosen_per_fold"`
	Metrics
	// PerModel holds every candidate family, each with its hyperparameters and calibration
	// chosen by inner cross-validation in every outer fold.
	PerModel []FamilyReport `json:"per_model"`
	// Baseline predicts the outer training fold's class frequencies for every row.
	Baseline Metrics `json:"baseline"`
	// Reliability is the 10-bin reliability table of the chosen models' held-out
	// probabilities of the positive class (two classes only).
	Reliability []ReliabilityBin `json:"reliability,omitempty"`
	Seconds     float64          `json:"seconds"`
	// Fold is each row's outer fold, for replaying the same folds elsewhere.
	Fold []int `json:"-"`
}

// FamilyReport is one candidate family's held-out performance.
type FamilyReport struct {
	Name string `json:"name"`
	Metrics
	// Configs is the configuration (with calibration) chosen in each outer fold.
	Configs []string `json:"configs"`
	// InnerLogLoss is the mean over outer folds of the family's inner cross-validated log loss,
	// the figure the selection compared.
	InnerLogLoss float64 `json:"inner_logloss"`
}

// Evaluate estimates how well Fit's whole procedure predicts unseen rows by nested
// cross-validation: rows are split into o.Folds stratified outer folds; for each, Fit's
// selection (inner folds, hyperparameters, calibration, family choice) runs on the other folds
// only, the chosen model and every family's best are refitted on them, and all are scored on
// the held-out fold. No held-out row influences any choice made for it.
func Evaluate(t *Table, labels []string, o Options) (*Report, error) {
	start := time.Now()
	o = o.withDefaults()
	if err := o.validate(); err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	if len(labels) != t.Rows() {
		return nil, fmt.Errorf("evaluate: %d labels for %d rows", len(labels), t.Rows())
	}
	y, classes, err := Labels(labels, o.Positive)
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	k := len(classes)
	fold, err := StratifiedFolds(y, k, o.Folds, o.Seed)
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	rep := &Report{Rows: t.Rows(), Folds: o.Folds, Classes: classes, Fold: fold}
	fams := o.Families
	sums := map[string]*Metrics{}
	inner := map[string]float64{}
	configs := map[string][]string{}
	var chosenSum, baseSum Metrics
	chosenProb := make([]float64, t.Rows()*k)
	for f := 0; f < o.Folds; f++ {
		train, test := split(fold, f)
		ytr := subsetInts(y, train)
		yte := subsetInts(y, test)
		ttr, tte := t.Subset(train), t.Subset(test)
		sel, err := selectModel(ttr, ytr, k, o, mix(o.Seed, 100, f))
		if err != nil {
			return nil, fmt.Errorf("evaluate: fold %d: %w", f+1, err)
		}
		rep.ChosenPerFold = append(rep.ChosenPerFold, sel.chosen)
		// Refit every family's best in parallel; the blend reuses two of them.
		cache := map[string]*member{}
		var single []string
		for _, fam := range fams {
			if fam != Blend {
				single = append(single, fam)
			}
		}
		refits := make([]*member, len(single))
		err = parallel(len(single), o.Workers, func(i int) error {
			mb, err := refit(sel, single[i], ttr, ytr, k, mix(o.Seed, 200, f, i), 1)
			refits[i] = mb
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("evaluate: fold %d: %w", f+1, err)
		}
		for i, fam := range single {
			cache[fam] = refits[i]
		}
		for _, fam := range fams {
			if fam == Blend && sel.blend[0] == "" {
				continue
			}
			m, err := assemble(sel, fam, ttr, ytr, k, 0, 1, cache)
			if err != nil {
				return nil, fmt.Errorf("evaluate: fold %d: %w", f+1, err)
			}
			m.Classes = classes
			p, err := m.PredictProba(tte)
			if err != nil {
				return nil, fmt.Errorf("evaluate: fold %d: %w", f+1, err)
			}
			sc := Score(p, yte, k)
			if sums[fam] == nil {
				sums[fam] = &Metrics{}
			}
			sums[fam].add(sc)
			inner[fam] += sel.loss[fam]
			configs[fam] = append(configs[fam], m.Name)
			if fam == sel.chosen {
				chosenSum.add(sc)
				for i, r := range test {
					copy(chosenProb[r*k:r*k+k], p[i*k:i*k+k])
				}
			}
		}
		baseSum.add(Score(baseRate(ytr, k, len(test)), yte, k))
	}
	nf := float64(o.Folds)
	rep.Metrics = chosenSum.scaled(1 / nf)
	rep.Baseline = baseSum.scaled(1 / nf)
	for _, fam := range fams {
		s := sums[fam]
		if s == nil {
			continue
		}
		// A family missing from some folds (the blend when only one family ran) is averaged
		// over the folds it ran in.
		m := len(configs[fam])
		rep.PerModel = append(rep.PerModel, FamilyReport{Name: fam, Metrics: s.scaled(1 / float64(m)), Configs: configs[fam], InnerLogLoss: inner[fam] / float64(m)})
	}
	rep.Model = mode(rep.ChosenPerFold, fams)
	if k == 2 {
		prob := make([]float64, len(y))
		pos := make([]bool, len(y))
		for i := range y {
			prob[i] = chosenProb[i*2+1]
			pos[i] = y[i] == 1
		}
		rep.Reliability = Reliability(prob, pos, 10)
	}
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

func (m *Metrics) add(o Metrics) {
	m.AUC += o.AUC
	m.Accuracy += o.Accuracy
	m.MacroF1 += o.MacroF1
	m.LogLoss += o.LogLoss
	m.Brier += o.Brier
}

func (m Metrics) scaled(s float64) Metrics {
	return Metrics{AUC: m.AUC * s, Accuracy: m.Accuracy * s, MacroF1: m.MacroF1 * s, LogLoss: m.LogLoss * s, Brier: m.Brier * s}
}

func subsetInts(v []int, rows []int) []int {
	out := make([]int, len(rows))
	for i, r := range rows {
		out[i] = v[r]
	}
	return out
}

// baseRate predicts the class frequencies of y for n rows.
func baseRate(y []int, k, n int) []float64 {
	freq := make([]float64, k)
	for _, c := range y {
		freq[c] += 1 / float64(len(y))
	}
	out := make([]float64, n*k)
	for i := 0; i < n; i++ {
		copy(out[i*k:], freq)
	}
	return out
}

// mode returns the most frequent value, ties broken by order in prefer.
func mode(v []string, prefer []string) string {
	count := map[string]int{}
	for _, s := range v {
		count[s]++
	}
	rank := map[string]int{}
	for i, s := range prefer {
		rank[s] = i
	}
	keys := make([]string, 0, len(count))
	for s := range count {
		keys = append(keys, s)
	}
	sort.Slice(keys, func(a, b int) bool {
		if count[keys[a]] != count[keys[b]] {
			return count[keys[a]] > count[keys[b]]
		}
		return rank[keys[a]] < rank[keys[b]]
	})
	return keys[0]
}
