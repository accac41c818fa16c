// Package company is the one fitted model of a company behind every driver answer: what-if
// (WhatIf), the growth waterfall (Attribute), the root-cause ranking's driver effects
// (RootcauseEffects, read by models/diagnose), the indicator weights and rationales
// (IndicatorEffects) and, through diagnose, the alerts' causes. Every answer is computed from
// the same posterior draws and judged by the same rule (Verdict), so the surfaces agree by
// construction: a driver is never helping revenue on one and hurting it on another.
//
// # Model
//
// Fit is the driver model's regression (models/driver: quarterly growth of each region on
// its drivers' changes over the quarter and the one before, scope drifts and seasons
// absorbed; month by month from MixedRows scope-quarters) estimated by Bayesian regression.
// Each catalogue driver's sustained effect (the sum of its lag coefficients) has the prior
// N(prior, (PriorScale·|prior|)²) truncated to the catalogue's direction — faster response,
// shorter supply and reimbursement times, more marketing and sales headcount cannot lower
// revenue in expectation — and how it spreads over the lags has a normal prior of the same
// spread around an even split. Where the monthly panel has the funnel stage a driver acts on
// (the catalogue's acts: leads created for pipeline drivers, win rate for immediate ones),
// that prior is first updated by the funnel's evidence (FunnelEvidence: the driver's effect
// on the stage, estimated from region-months), whose spread gets an allowance of
// DefaultFunnelFloor × |prior| for the stage not being all of revenue: at 100 employees the
// quarterly revenue rows say less than the catalogue's judgment, the region-months of the
// funnel say several times more. The residual variance has
// Jeffreys' prior. A Gibbs sampler draws every coefficient from its truncated-normal
// conditional in turn (1,000 sweeps of burn-in, every tenth sweep kept); the draws replace
// the bootstrap replicates of the penalized fit, so driver.Model's WhatIf and Attribute
// intervals are posterior intervals. Effects are pooled across regions (one effect per
// driver); a hierarchy of region effects was not built (see docs/company-model.md).
//
// # Rules
//
// Verdict: with s the catalogue's direction and q the 10th percentile of s × effect (the
// inner end of the 80 % interval), the effect is clear when q exceeds NegligibleShare × |prior|
// and the data alone (least squares without prior or constraint) do not put it on the other
// side of zero by more than a standard error, and uncertain otherwise; an uncertain driver is said in one sentence everywhere
// (UncertainSentence: "the data cannot tell whether faster first response raises revenue"),
// is never claimed as a root cause, and its what-if is shown as a range with that sentence. A
// what-if whose 80 % range is wider than WithheldWidth is withheld with WithheldSentence.
//
// # Goal seeking
//
// Predict returns, for a scenario of driver changes in a scope, the growth change of each
// following quarter at every posterior draw: a goal cascade searches changes on it and reads
// the probability of reaching a target straight off the draws.
//
// The registry keeps the model under the driver model's name (champion.Driver, kind Kind);
// its artifact is a driver model fitted with priors. What this package must not do: read
// files, print, or know about the synthetic company (its evaluation is the subpackage deval).
package company
