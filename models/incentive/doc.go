// Package incentive recommends incentives per employee — cash bonus, commission, promotion,
// training, recognition, equity, flexible time — with the probability each is the one the
// employee prefers, its expected effect on attrition risk and performance, its cost, and the
// reasons in words; and it allocates a team's incentives under a budget.
//
// Train learns four things from a dataset's employees, rewards and reviews, all through the
// employee features of package features (as of each date, nothing from after it):
//
//   - preference: a conditional logit (choiceModel) over the types employees chose (rewards
//     with chosen=true), one row per chosen reward with the features as of its date; each
//     row's likelihood runs over the types eligible then, so no data are spent learning the
//     eligibility rules, and its probabilities are over the types an employee is eligible for;
//     on up to 10,000 choices it is then refined with the performance_delta of every past
//     reward, chosen or assigned, which measures how well the type given fitted (see
//     refineWithHistory);
//   - attrition: a logistic regression linear in standardised inputs (riskModel), labelled
//     "left within 12 months" (only where 12 months are observed) on snapshots of everyone on
//     staff every three months, features as of the snapshot, and on snapshots just after
//     every incentive, with the incentive applied; the estimated fit of the latest incentive
//     is an input, so the model learns what follows an incentive that fits well or badly;
//   - performance: a line through the recorded performance_delta of past rewards against
//     their estimated fit (the employee's preference for the incentive given over their
//     preference for the best eligible one), with per-type offsets (PerformanceModel);
//   - costs: per type, a share of salary or a flat amount, from the recorded reward values
//     (CostModel).
//
// Recommend then scores each eligible incentive for an employee: its preference, the attrition
// risk with the incentive applied to the employee's features (Recommender.apply says what each
// lever changes: a promotion raises level and salary and resets the promotion wait; every
// incentive resets the months since the last one and adds one of its type), the expected
// performance change at its fit, and its cost; it ranks them by value (Values documents the
// formula and the money it assumes) and explains the top ones from the preference model's
// per-feature attributions (each input set to its training median, one at a time, as
// classify.Model.ExplainRows does). Allocate picks at most one incentive
// per employee to maximise the total value within a budget.
//
// Both linear models are fitted by Newton's method on gonum (newton), their penalty (L2, and
// for the preference model L1 or elastic net) chosen by 5-fold stratified cross-validation on
// log loss; on more than 10,000 rows the search runs on a stratified subsample and the
// chosen penalty is carried to every row as the same prior precision, so that training the
// 10,000-employee tenant takes seconds. TrainOptions may ask for classify families instead.
//
// Eligibility rules per type (roles, level bounds, months since the last promotion) come from
// Config; DefaultConfig matches the synthetic company's rules, and LoadConfig reads them from
// YAML or JSON.
//
// The package must not read files other than a config, print, or know about HTTP; loading the
// dataset belongs to the caller (datasets.Load), and the generic classifiers to classify.
package incentive
