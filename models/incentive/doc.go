// Package incentive recommends incentives per employee — cash bonus, commission, promotion,
// training, recognition, equity, flexible time — with the probability each is the one the
// employee prefers, its expected effect on attrition risk and performance, its cost, and the
// reasons in words; and it allocates a team's incentives under a budget.
//
// Train learns four things from a dataset's employees, rewards and reviews, all through the
// employee features of package features (as of each date, nothing from after it):
//
//   - preference: a classifier (classify.Fit) over the types employees chose (rewards with
//     chosen=true), one row per chosen reward with the features as of its date and the
//     types eligible then as 0/1 inputs; its probabilities are renormalised over the types
//     an employee is eligible for;
//   - attrition: a binary classifier (logistic regression) labelled "left within 12 months"
//     (only where 12 months are observed) on snapshots of everyone on staff every three
//     months, features as of the snapshot, and on snapshots just after every incentive, with
//     the incentive applied; the estimated fit of the latest incentive is an input, so the
//     model learns what follows an incentive that fits well or badly;
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
// per-feature attributions (classify.Model.ExplainRows). Allocate picks at most one incentive
// per employee to maximise the total value within a budget.
//
// Eligibility rules per type (roles, level bounds, months since the last promotion) come from
// Config; DefaultConfig matches the synthetic company's rules, and LoadConfig reads them from
// YAML or JSON.
//
// The package must not read files other than a config, print, or know about HTTP; loading the
// dataset belongs to the caller (datasets.Load), and the generic classifiers to classify.
package incentive
