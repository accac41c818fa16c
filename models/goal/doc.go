// Package goal turns the general manager's growth goal into targets for every role, team and
// person (Cascade), through the one company model every other answer uses (models/company).
//
// # Goals
//
// A Goal is a year-on-year revenue growth target for a year ("2027") or a quarter
// ("2027Q1"), a fraction (0.30 is +30 %). Goals are versioned by the store; this package
// validates them (Validate, with a *FieldError naming the field at fault).
//
// # Baseline
//
// Without any driver change the company is taken to keep its run rate: the year-on-year
// growth of its last four complete quarters (of the four before the period, when the period
// starts within the data). The period's revenue at the baseline is the same period a year
// earlier grown at that rate, quarter by quarter (a year-earlier quarter the data do not yet
// hold is projected the same way). The goal's revenue is the same period a year earlier
// grown at the target.
//
// # Goal seeking
//
// The plan's driver changes are made at the start of the period and held. The company
// model's Predict gives, at every posterior draw, the change in growth in each quarter after
// a change; quarter j of the period has its log revenue raised by the sum C_j of those
// changes up to j, so the period's growth at draw b is (1 + baseline) × Σ_j w_j exp(C_jb) − 1,
// w_j being the quarter's share of the period's baseline revenue.
//
// A driver may move within the history's plausible range: a duration down to the best
// quarterly level any region of the company has reached, spend or headcount up by the largest
// rise any region made over four quarters. Of the sets of drivers that reach the target at
// the model's estimate (the posterior mean) when each goes all the way to its edge, the plan
// takes the one with the fewest drivers whose effect the data cannot tell (company.Verdict),
// then the fewest drivers, then the smallest share of their ranges; each driver of it moves
// by the same share of its range, found by bisection so that the estimate equals the target.
// The plan's probability is the share of posterior draws that reach the target; it counts
// the uncertainty of the driver effects, not the baseline's. A goal that no set reaches is
// refused (Plan.Refusal): the growth with every driver at its edge, the gap, and how far each
// driver alone would have to go. A goal at or below the run rate needs no change.
//
// Where the model cannot tell whether a driver moves revenue, the plan uses it only when no
// set of clear drivers reaches the target, and every figure it touches says so in the
// model's own words (company.UncertainSentence), with the contribution given as a range.
//
// # Roles, teams and people
//
// Each role keeps the indicators and weights suggested for it (models/indicators, the
// answer of GET /v1/indicators), plus the indicator of any driver the plan moves, in which
// case the weights are recomputed. A driver the plan moves gets the plan's level, every other
// driver is held at its level (so the role targets imply the plan's growth and no more),
// revenue gets the goal's revenue, growth attainment 100 %, and other indicators their
// suggested target. Contributions follow the catalogue's owner of each driver.
//
// A team is read at its own row of the team panel where the tables attribute the indicator's
// rows to it (deals, tickets, its staff), else at its region's, else at the company's; a
// person at their own row of the employee panel (their deals, their tickets), else at their
// team's. A total that is not a driver (revenue, leads) is split among the teams with a
// figure of their own, half by their part of the last four quarters and half by their part of
// the role's capacity, and on among a team's people the same way; capacity counts people on
// staff at the data's end, ramped over Options.RampMonths from their hire date. A driver is
// moved in every team and person by the plan's proportion, so they add up to the role; other
// indicators move by the role's change. A team's and a person's weight is their share of the
// first total split, else of capacity: a team's score is the weighted mean of its people's.
//
// What this package must not do: read files, store goals, fit models or know about HTTP. It
// reads a diagnose.Company (data, panels, the champion company model) and returns plans.
package goal
