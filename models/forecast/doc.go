// Package forecast produces automatic univariate forecasts for quarterly and monthly business
// series (revenue, bookings, headcount) with calibrated prediction intervals, and scores them.
//
// It holds the members — Naive, seasonal Naive, Naive2, SES, Holt, damped trend, the ETS family
// fitted by maximum likelihood and selected by AICc (following R forecast::ets), seasonal
// ARIMA selected by AICc (after R's auto.arima), complex exponential smoothing, the Theta
// method and its optimised, dynamic optimised and generalised (4Theta) variants — the M4
// seasonality test with classical decomposition, the automatic combination (Auto: the median
// of ETS, CES, 4Theta and ARIMA) whose design was chosen by rolling-origin validation on
// training data only (the feature-weighted combination that study rejected lives in
// bench/forecast, not here), interval calibration from rolling-origin errors, growth rates
// (QoQ, YoY) with intervals, and the M4 accuracy measures (sMAPE, MASE, MSIS, OWA, coverage).
//
// The package works on plain numbers: a Series is consecutive observations with a seasonal
// period. It must not read files, talk to the store or the network, or know about tables and
// features; loaders for evaluation files live in the evaluation sub-package and the training
// pipeline builds Series from the feature panel. Everything is deterministic: the same input
// gives the same output, bit for bit, on every run.
//
// Bad input has a defined behaviour: non-finite values, periods below 1, horizons below 1 and
// series shorter than 2 points are errors (ErrNonFinite, ErrPeriod, ErrHorizon, ErrTooShort);
// constant series get a flat forecast with zero-width intervals; series with zeros or negative
// values never get multiplicative models or multiplicative decomposition (additive forms are
// used instead); series too short for a backtest fall back to a random-walk forecast with
// Student-t intervals (Result.Fallback says so). Gaps between periods are caught where series
// are built (FromPeriods) and reported as ErrGap.
package forecast
