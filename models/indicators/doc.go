// Package indicators suggests what each role should be measured on: a KPI catalogue seeded
// from the source article (catalogue.yaml, embedded) and the logic that picks three to five of
// a role's indicators, weights them by their estimated effect on growth and sets reachable
// targets.
//
// # Catalogue
//
// Each role (gm, customer_service, finance, sales, procurement, admin, marketing, hr) lists
// indicators with English and Chinese names, a formula over the feature panel (a column, or
// an expression such as "365 / dso" or "1 - defect_rate"), the direction that is better, and
// the article's weight where it gives one (GM: sales growth attainment 40 %, team
// collaboration 30 %, strategic goal completion 30 %; customer service: response time 30 %,
// retention 40 %, sales-support satisfaction 30 %; finance: reimbursement time 30 %, sales
// cost ratio 40 %, capital turnover 30 %; sales: revenue and collection 70 %, need-feedback
// timeliness 20 %, teamwork 10 %). Where the tables hold no direct measure the formula is a
// stated proxy (team collaboration → win rate); where they hold none at all (teamwork, supply
// cost) the formula is empty and the indicator is reported as not measurable.
//
// # Effects
//
// An indicator's effect is the change in log revenue per unit of it (per log unit for a
// log-scale one) once a lasting change has worked through, so "+1 pt of retention → growth
// +2.0 pt" reads directly as growth percentage points:
//
//   - Root drivers (marketing spend, sales headcount, reimbursement, supply lead and first
//     response time) take the effect the caller passes in — in practice the driver model's
//     sustained effect combined with the catalogue's prior (package diagnose).
//   - Other indicators are regressed: growth Δlog revenue_st on the indicator's change in the
//     same and the previous period, pooled over the panel's scopes with scope and season
//     fixed effects (the within transformation, by alternating projections), rows weighted by
//     the scope's mean revenue; the effect is the sum of the two coefficients and its 95 %
//     interval comes from a circular block bootstrap of periods. This is an association: an
//     indicator that moves with a driver (on-time delivery with supply lead time) shares the
//     driver's effect.
//   - Outcomes — the growth goal itself, and any formula that reads revenue, the target or
//     completion (revenue per employee, sales cost ratio) — move with revenue by
//     construction; regressing growth on them would measure nothing, so they keep the
//     catalogue's weight.
//
// # Weights
//
// Effects in days, hours, rates and currency are made comparable by standardizing: an
// indicator's standardized effect is the growth a one-standard-deviation improvement of its
// quarterly change brings (0 when its estimate points the wrong way). Each candidate's
// importance blends its prior share (the article's weight; indicators it does not weigh share
// what is left of 100, or 10 % each) with its share of the role's standardized effects,
// trusting the data as much as the sign of its effect is certain (2Φ(|estimate|/s.e.) − 1):
// with a vague effect the article's weight stands, with a sharp one the data decide. The
// three to five most important are kept and their shares are rounded to multiples of 5 that
// sum to exactly 100 by the largest-remainder method (LargestRemainder); a candidate that
// rounds to nothing is dropped while more than three remain.
//
// # Targets
//
// A target is the second-best quarter of the scope's last eight (the quarter at the 75th
// percentile in the better direction, rounded toward better), or the current value when that
// is as good already: reachable, because the company has done it in a quarter it really had,
// and never a step back.
//
// What this package must not do: read files, fit the driver model, or know about the
// synthetic company. It reads feature panels and the effects it is given.
package indicators
