// Package classify fits, evaluates, serialises and scores classifiers on tabular data with
// numeric and categorical columns, for two or more classes.
//
// Candidate families (see Grid for each one's hyperparameters):
//
//   - logistic: L2-penalised logistic regression written on gonum (Newton's method for two
//     classes, L-BFGS for the multinomial model), pinned to scikit-learn's solution;
//   - bayes: naive Bayes, Gaussian for continuous features and Bernoulli for 0/1 ones;
//   - tree: one golearn CART tree (fitted through golearn's public API and read back from
//     its String form, the only public view of the fitted tree), compiled to a compact tree
//     for scoring;
//   - forest: golearn CART trees bagged here with a seeded generator (golearn's own
//     RandomForest draws from the global math/rand inside goroutines, so it is not
//     reproducible); not in DefaultFamilies because golearn's CART makes it slow to train;
//   - boost: gradient-boosted trees (histogram splits, second-order leaf values);
//   - blend: the average of the two families that score best, calibrated again.
//
// Fit chooses the family, its hyperparameters and a calibration (none, Platt or isotonic,
// one-vs-rest for more than two classes) by stratified cross-validation on log loss,
// deterministically for Options.Seed whatever Options.Workers is. Evaluate estimates the whole
// procedure by nested cross-validation, so no choice sees the rows it is scored on. A fitted
// Model scores batches from flat arrays (no golearn at prediction time), explains a row column
// by column (Explain), and round-trips through MarshalBinary for the model registry.
//
// Data handling: a numeric NaN is missing and is replaced by the training median, with a 0/1
// missing indicator when the training column had any; ±Inf is an error (ErrNotFinite).
// Categorical columns are one-hot encoded; "" (missing) is a level of its own; labels beyond
// the 64 most frequent, and labels never seen in training, share an "other" level when the
// column has one and otherwise encode as no level. Constant and all-missing columns are left
// out of the fit; Screen also flags identifier-like columns for callers reading arbitrary CSV
// files, and ReadCSV reads such files (BOM, CRLF, kinds detected).
//
// The package is data-agnostic: it knows nothing about employees, incentives or the
// canonical tables, and it must not. Building features from the canonical tables belongs in
// features/, and turning probabilities into recommendations belongs to the caller. Nothing
// here writes to stdout.
package classify
