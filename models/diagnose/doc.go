// Package diagnose answers the root-cause questions for one company's dataset: which drivers
// (and the roles responsible) held a scope's revenue back in a period, which region × product
// × team slices went wrong, what each role should be measured on, and which scopes are behind
// their target's pace now. It ties datasets, features, the driver model, rootcause,
// indicators and alert together; the methods themselves live in those packages.
//
// # Driver effects
//
// The driver model (models/driver) is fitted on the quarterly region panel. Each driver's
// effect is the normal posterior of the catalogue's prior (mean the prior, s.d. its size) and
// the model's sustained effect (s.e. from its bootstrap interval): on a 100-employee company
// the model's intervals are wide and the prior dominates; with more data the fit does. A
// posterior on the wrong side of zero is floored at a tenth of the prior — the sign is domain
// knowledge (longer supply lead times do not sell more). Drivers that act on deals closing
// (supply lead time, first response) act in the period of their move; drivers that act on
// deals created (spend, headcount, reimbursement) spread their effect over the next periods
// as the data's won deals spread from creation to close.
//
// # Drivers
//
// Company.Drivers builds a rootcause.DriverQuery for a scope and period: the scope's driver
// series from the panel, the revenue against its target (or a given expectation), and parts —
// supply lead time by product (from purchase orders) for a region, every region's series (and
// every product's supply lead time) for the company. A period still under way is judged on
// what the data hold; totals (spend) are scaled to the months covered.
//
// # Slices
//
// Company.Slices ranks slices over two kinds of evidence:
//
//   - The sales funnel of every leaf (opportunities by region × product × team): deals created
//     (additive), win rate and average deal (ratios). A leaf's expected deals are top-down —
//     the company total forecast as the same period a year earlier times the last year's
//     growth, split by the leaf's trimmed-mean share of the last year — and its expected rate
//     is its trimmed pooled rate of the last year. Both are then moved by what the drivers'
//     usual moves predict (Σ effect × move × (1 − P(abnormal)), supply by product): a
//     region's funnel follows its drivers from quarter to quarter, and expecting those usual
//     moves leaves the abnormal ones standing out. Each KPI is drilled down (rootcause.Rank,
//     family-wise α split over the KPIs); a slice is claimed when it is significant there and
//     abnormal against its own past changes (rootcause.Unusual).
//   - The drivers: every region's driver ranking (Drivers, asking what held revenue back);
//     a move that held revenue back and is more likely abnormal than a priori (its Bayes
//     factor exceeds 1) becomes the slice region=R (or region=R & product=P for a product's
//     supply lead time), claimed when the driver is a significant cause and the region fell
//     short of its target with a dominant cause.
//
// Claimed slices come first (most likely abnormal first), then the slices that passed their
// test by how unusual they are, then the unclaimed driver moves by how likely they are
// abnormal, then the funnel's remaining slices in the drilldown's order. An unclaimed driver
// move ranks above a funnel slice that failed its test: it comes from a family of a few
// drivers per region, each known to push revenue the way asked, while the funnel slice was
// one of thousands, and its history, picked for an extreme change, is biased toward looking
// unusual. A shock too small to claim usually shows as such a move in its region, not as a
// funnel slice (the region's funnel varies too much from quarter to quarter).
//
// SliceRequest.FunnelOnly keeps the first kind only.
//
// # Alerts
//
// Company.Alerts compares each scope's revenue to date in the current month and quarter with
// its target pro-rated by the share of a period's revenue the company's last eight quarters
// (twelve months) had taken in by the same point (alert.Shape), links the drivers behind
// each alert and the roles to notify, and deduplicates against the history it is given.
// Open the company with Options.AsOf to see the data as they stood that day (Cut).
//
// What this package must not do: print, store alerts, or know about the synthetic company
// (its evaluation on synthetic companies is the subpackage rceval).
package diagnose
