// Package synth generates a synthetic sales company: the canonical tables of package datasets
// plus ground_truth.json, the causal effects and injected shocks the models must recover.
//
// The company is the article's: by default 100 employees (40 sales, 20 procurement, 40 GM and
// back office), 4 regions, 5 products and 5 years of months. Revenue follows causal links that
// are written down in Truth:
//
//	marketing spend            → leads           (elasticity)
//	sales headcount            → leads           (elasticity)
//	reimbursement delay        → sales activity  → leads
//	leads × win rate × amount  → revenue
//	supply lead time           → stock-outs      → lost deals
//	first-response time        → lost deals, and → satisfaction → account churn
//	incentive fit              → performance and retention
//
// plus a market trend and a B2B seasonality (strong Q4, end-of-quarter push). Scenarios inject
// shocks (a supply delay in one region for one quarter, …) that are recorded with their size.
//
// Output is a pure function of the Config: the same seed gives byte-identical files. Large
// tenants (10,000 employees, about a million opportunities) are streamed to disk month by month;
// memory grows with employees and accounts, not with rows written.
//
// The package must not read data or fit models; it only writes what a real company's exports
// would contain, and the truth.
package synth
