// Package classify fits, evaluates, serialises and scores classifiers on tabular data with
// numeric and categorical columns: L2-penalised logistic regression (written on gonum), naive
// Bayes, golearn's CART trees and bagged forests of them, and gradient-boosted trees, plus a
// blend of the two best. Given a Table and one label per row, Fit chooses the family, its
// hyperparameters and a calibration (none, Platt or isotonic) by stratified k-fold
// cross-validation on log loss, deterministically for a seed, for two or more classes.
// Evaluate estimates the whole procedure's accuracy by nested cross-validation. A fitted Model
// scores batches from a compact representation (flat arrays, no golearn at prediction time)
// and round-trips through MarshalBinary for storage in the model registry.
//
// Data handling, in short: numeric missing values (NaN) are imputed by the training median
// with a missing indicator; categorical columns are one-hot encoded, missing ("") being a
// level of its own; labels unseen in training score as "no level"; ±Inf is an error;
// constant and all-missing columns are ignored (Screen also flags identifier-like ones for
// callers reading arbitrary CSV files).
//
// The package is data-agnostic: it knows nothing about employees, incentives or the
// canonical tables, and it must not. Building features from the canonical tables belongs in
// features/, and turning probabilities into recommendations belongs to the caller.
//
// golearn notes: its linear_models package panics on this Go version and is not used; its
// RandomForest and BaggedModel draw from the global math/rand inside goroutines, which makes
// them non-deterministic, so bagging is done here with a seeded generator around golearn's
// (deterministic) CART trees; nothing here prints to stdout.
package classify
