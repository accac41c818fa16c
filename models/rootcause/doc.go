// Package rootcause explains why a KPI missed its expected value, in two ways: which drivers
// moved (RankDrivers) and which slices of the data moved (Rank).
//
// # Drivers
//
// RankDrivers takes, for one scope, the series of each driver (marketing spend, supply lead
// time, …, with the role responsible and its effect on the log KPI with an interval), the KPI's
// actual and expected value in the period explained, and ranks the drivers by the abnormal
// part of their move times their effect.
//
// A fitted effect alone is a poor guide: on company-sized data the driver model's effects are
// wide, and every driver moves every quarter. What marks a cause is a move that is abnormal for
// that driver — Adtributor's surprise, applied to the driver itself. Each period's level (log
// for a log-scale driver) is compared with the median of the Window (2) periods before it; that
// raw move is judged against the raw moves of the complete periods before: their usual value
// and spread are the mean and s.d. after setting aside values more than 3 robust s.d. (1.4826 ×
// MAD) from their median, so that earlier shocks do not hide this one, and — when the history
// holds three moves of each season and it makes the spread a tenth smaller — less the median
// move of the period's season (left out of its own season's median, so the adjustment cannot
// fit the noise). The z-score of the move becomes the probability that it is abnormal in a
// two-group model: usual moves are Student t with the history's degrees of freedom, abnormal
// ones the same t stretched Spread (4) times, abnormal a priori with probability Prior (5 %).
// Periods judged abnormal (probability ≥ ½) are cleaned — replaced by their expected level —
// before later periods use them as a baseline, so a past shock neither lowers the baseline of
// the periods after it nor makes the return to normal look like a move.
//
// A driver's contribution to the gap is Σ_l effect × lag share_l × move_{t−l} × P(abnormal_{t−l})
// over the lags its effect reaches, in log points of the KPI, with the interval its effect's
// interval gives. The model is additive in the log KPI, so these are the drivers' Shapley
// values. A driver can also be judged on parts of the scope (one product's supply lead time,
// one region's spend in a company scope), each scaled by the share of the KPI it acts on
// (Part.Exposure) and given a prior of Prior/k; the part is reported when it scores best, or
// when it is abnormal and accounts for half the scope's move. Drivers are ranked by their
// contribution in the direction asked (down: what held the KPI back; by default the gap's
// direction). Confidence is P(abnormal) times the probability that the effect has its sign.
//
// A driver is claimed (Significant) when its move is abnormal with probability ≥
// MinProbability (0.9) and it contributes at least MinContribution (1 % of the KPI) in the
// direction asked. The answer is "no dominant cause" when none is claimed, or, when the gap
// lies in the direction asked, the claimed drivers explain less than MinShare (20 %) of it.
// RankDriversLargestChange is the trivial baseline: drivers by the absolute relative change of
// their level against the median of the Window periods before.
//
// # Slices
//
// The dimensional drilldown: given leaf rows (for example one row per
// region × product × team) with an actual and an expected value of a KPI, Rank names the
// slices — conjunctions of one to three dimension=value pairs such as
// `region=East & product=GTX` — that best explain the gap, with each slice's share of the gap
// and how surprising its change is. Additive KPIs (revenue, units) and ratio KPIs
// (completion, win rate, on-time rate: numerator over denominator) are both supported.
//
// # Method
//
// The drilldown fits a generalized ripple-effect model (Squeeze, Li et al. ISSRE 2019): a root
// cause slice moves every leaf inside it by one common factor, while leaves outside keep their
// expected value. Each leaf is put on Squeeze's bounded deviation-score scale
// y = 2(v−f)/(v+f) ∈ [−2, 2] (v actual, f expected; a ripple factor r is the score
// 2(r−1)/(r+1)), so a few leaves with extreme factors cannot outweigh the many with moderate
// ones. Leaf noise is modelled as Var(v−f) = φ·m^p with m = (v+f)/2, p ∈ [1, 2] estimated from a
// robust mean–variance plot of the leaves (p = 1 count noise, p = 2 multiplicative forecast
// error) and φ from a trimmed mean of standardized squared residuals; on the score scale that is a weight
// w = m^(2−p) per leaf. For a candidate slice the weighted mean score and the drop in weighted
// squared error it buys are closed-form in two sums per slice, Σw·y and Σw, so every slice of
// every cuboid is scored from aggregates computed in one pass per cuboid over integer-coded
// dimensions.
//
// Sparse counts are the exception (a failure ratio whose leaves mostly hold a few events and
// no failure; detected when every actual value is a whole number and the median leaf level
// (v+f)/2 is below 5): there a leaf with no failure against an expected 0.3 scores −2 and the
// leaf-level plot reads multiplicative noise where the noise is Poisson. Rank then takes p = 1,
// measures φ on the slices of one and two dimensions with enough events (the median of their
// squared standardized residuals, twice re-measured with the best few slices set aside, so
// that a large cause spilling into every slice does not inflate it), and never fits an overall
// shift, which there only turns the untouched rest of the cube into falling slices.
//
// The drop over φ is the slice's χ²₁ statistic z²; it is largest for the exact
// slice that carries the anomaly — a parent dilutes it with normal leaves, a child misses part
// of it — which is what collapses parent/child duplicates.
//
// Slices are chosen greedily: the best slice is taken, its leaves' model scores are moved by its
// fitted shift, and the sums of every overlapping slice are updated, so a child of a chosen
// parent is listed again only if it still carries unexplained deviation, and a parent after its
// child only if its other leaves moved too. Each level (number of dimensions in a slice) is
// judged against its own Bonferroni threshold: the family-wise rate Options.Alpha is split over
// the levels and, within a level, over its slices. The ranking score is z² minus that
// threshold, so a slice with more dimensions needs more evidence — the succinctness preference
// of HotSpot and Squeeze, expressed as a test. A uniform shift of the whole population (a
// global forecast bias) competes as level 0 for the first pick only; it is reported as
// Result.GlobalChange, not as a slice.
//
// Running time and memory are O(n·C) for n leaves and C cuboids (C = 25 for slices of up to 3
// of 5 dimensions); 100,000 leaves take well under a second (BenchmarkRank100k).
//
// For a ratio KPI the expected numerator of a leaf is its expected rate times its actual
// denominator, so the slices ranked are those whose rate moved (the "rate effect"); the part
// of the overall rate change that comes only from a shift of volume between leaves with
// different rates (the "mix effect") is reported separately as Result.MixShare. Shares of a
// ratio KPI use Adtributor's derived-measure explanatory power (Bhagwan et al., NSDI 2014): the
// change of the overall ratio if only the slice's numerator and denominator had taken their
// actual values, over the overall change. Surprise is Adtributor's Jensen–Shannon surprise of
// the slice's share of the total, summed over numerator and denominator for a ratio.
//
// # Evaluation
//
// `growthlens evaluate slices` scores Rank beside the naive excess ranking, Adtributor, Squeeze,
// RiskLoc and a Shapley attribution on generated cube incidents after RiskLoc's and Squeeze's
// generators (internal/slicebench); docs/rootcause-slices.md has the benches, the protocol
// that chose this method, and the figures.
//
// # No dominant cause
//
// A slice is significant — claimed as a cause — when two things hold. Its score is positive:
// its ripple deviation passes its level's Bonferroni test at family-wise level Options.Alpha
// (default 0.01). And it is material: its fitted shift on the deviation-score scale is at least
// Options.MinEffect (default 1) times the noise standard deviation of the median leaf. A slice
// that moved less than a typical leaf's own noise is significant only because it is large (with
// 100,000 leaves a 0.5 % drift of a tenth of them is "significant"), and is more likely a
// shared forecast error, or the small bias a skewed noise leaves on the score scale, than a
// cause. Result.NoDominantCause is true when no slice is significant; the slices are then
// still listed as the closest candidates, and Result.Claimed is empty. The largest-change
// baseline (RankLargestChange) answers no dominant cause only when the overall relative
// deviation is below BaselineAbstain.
//
// What this package must not do: read files other than through ReadCSV's io.Reader, print,
// or know about the synthetic company; callers (the CLI, package diagnose, the evaluators)
// build Tables and driver queries.
package rootcause
