// Package features turns canonical tables into the numbers models learn from: period panels
// (one row per scope and month or quarter, one column per business measure) and employee
// features as of a date.
//
// A panel column whose source table is absent is left out with a warning; a cell with no
// events behind it (no deal closed, no ticket answered) is NaN, never a made-up zero. Periods
// are calendar months or quarters (datasets.Period); a period the data does not fully cover
// is kept and marked incomplete so that models can leave it out.
//
// The package must not fit models or read files other than through package datasets.
package features
