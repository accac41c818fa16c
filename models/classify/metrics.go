package classify

import (
	"math"
	"sort"
)

// Metrics scores probabilistic predictions against true classes.
type Metrics struct {
	// AUC is the ROC AUC for two classes (of the positive class's probability) and the
	// unweighted mean of one-vs-rest AUCs for more (scikit-learn's roc_auc_score with
	// multi_class="ovr", average="macro"). Ties count one half.
	AUC float64 `json:"auc"`
	// Accuracy of the most probable class (ties go to the lower class index).
	Accuracy float64 `json:"accuracy"`
	// MacroF1 is the unweighted mean F1 over the classes that occur in the truth or in the
	// predictions; a class never predicted has F1 0.
	MacroF1 float64 `json:"macro_f1"`
	// LogLoss is the mean negative natural log of the probability given to the true class,
	// with probabilities clipped to [1e-15, 1] so a confident miss costs at most 34.5.
	LogLoss float64 `json:"logloss"`
	// Brier is (1/n) Σ_i Σ_k (p_ik − y_ik)² / 2, which for two classes equals the mean squared
	// error of the positive class's probability (scikit-learn's brier_score_loss).
	Brier float64 `json:"brier"`
}

// logLossEps bounds probabilities away from 0 in LogLoss.
const logLossEps = 1e-15

// Score computes Metrics for probabilities p (row-major n×k, rows summing to 1) and true
// classes y in [0, k). For k = 2, class 1 is the positive class.
func Score(p []float64, y []int, k int) Metrics {
	n := len(y)
	var m Metrics
	if n == 0 {
		return m
	}
	pred := make([]int, n)
	for i := 0; i < n; i++ {
		row := p[i*k : i*k+k]
		best := 0
		for c := 1; c < k; c++ {
			if row[c] > row[best] {
				best = c
			}
		}
		pred[i] = best
		if best == y[i] {
			m.Accuracy++
		}
		m.LogLoss -= math.Log(math.Max(row[y[i]], logLossEps))
		for c := 0; c < k; c++ {
			t := 0.0
			if c == y[i] {
				t = 1
			}
			m.Brier += (row[c] - t) * (row[c] - t)
		}
	}
	m.Accuracy /= float64(n)
	m.LogLoss /= float64(n)
	m.Brier /= 2 * float64(n)
	m.MacroF1 = macroF1(y, pred, k)
	m.AUC = macroAUC(p, y, k)
	return m
}

func macroF1(y, pred []int, k int) float64 {
	tp := make([]float64, k)
	fp := make([]float64, k)
	fn := make([]float64, k)
	for i := range y {
		if y[i] == pred[i] {
			tp[y[i]]++
		} else {
			fp[pred[i]]++
			fn[y[i]]++
		}
	}
	var sum float64
	var used int
	for c := 0; c < k; c++ {
		if tp[c]+fp[c]+fn[c] == 0 {
			continue
		}
		used++
		sum += 2 * tp[c] / (2*tp[c] + fp[c] + fn[c])
	}
	if used == 0 {
		return 0
	}
	return sum / float64(used)
}

// macroAUC is the binary AUC for k = 2 and the macro one-vs-rest AUC otherwise. Classes absent
// from y (or present on every row) have no AUC and are left out of the mean; NaN when none has.
func macroAUC(p []float64, y []int, k int) float64 {
	n := len(y)
	s := make([]float64, n)
	pos := make([]bool, n)
	if k == 2 {
		for i := range y {
			s[i] = p[i*k+1]
			pos[i] = y[i] == 1
		}
		return AUC(s, pos)
	}
	var sum float64
	var used int
	for c := 0; c < k; c++ {
		for i := range y {
			s[i] = p[i*k+c]
			pos[i] = y[i] == c
		}
		if a := AUC(s, pos); !math.IsNaN(a) {
			sum += a
			used++
		}
	}
	if used == 0 {
		return math.NaN()
	}
	return sum / float64(used)
}

// AUC returns the area under the ROC curve of scores s for labels pos: the probability that a
// random positive scores above a random negative, ties counting one half (the Mann–Whitney U
// statistic divided by n₊n₋). NaN when either class is absent.
func AUC(s []float64, pos []bool) float64 {
	idx := make([]int, len(s))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return s[idx[a]] < s[idx[b]] })
	var rankSum, np, nn float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && s[idx[j]] == s[idx[i]] {
			j++
		}
		mid := float64(i+j+1) / 2 // average 1-based rank of the tie block
		for t := i; t < j; t++ {
			if pos[idx[t]] {
				rankSum += mid
				np++
			} else {
				nn++
			}
		}
		i = j
	}
	if np == 0 || nn == 0 {
		return math.NaN()
	}
	return (rankSum - np*(np+1)/2) / (np * nn)
}

// ReliabilityBin is one bin of a reliability (calibration) table.
type ReliabilityBin struct {
	Lo        float64 `json:"lo"`
	Hi        float64 `json:"hi"`
	Count     int     `json:"count"`
	Predicted float64 `json:"predicted"` // mean predicted probability in the bin
	Observed  float64 `json:"observed"`  // fraction of positives in the bin
}

// Reliability bins the predicted probabilities of the positive class into `bins` equal-width
// bins on [0, 1] (the last bin includes 1) and reports, per bin, the mean prediction and the
// observed frequency. A well-calibrated model has Predicted ≈ Observed in every full bin.
func Reliability(prob []float64, pos []bool, bins int) []ReliabilityBin {
	out := make([]ReliabilityBin, bins)
	for b := range out {
		out[b].Lo = float64(b) / float64(bins)
		out[b].Hi = float64(b+1) / float64(bins)
	}
	for i, q := range prob {
		b := int(q * float64(bins))
		if b >= bins {
			b = bins - 1
		}
		if b < 0 {
			b = 0
		}
		out[b].Count++
		out[b].Predicted += q
		if pos[i] {
			out[b].Observed++
		}
	}
	for b := range out {
		if out[b].Count > 0 {
			out[b].Predicted /= float64(out[b].Count)
			out[b].Observed /= float64(out[b].Count)
		}
	}
	return out
}
