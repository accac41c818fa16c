// Package review builds the general manager's quarterly review page: the revenue forecast
// with its 80 % and 95 % intervals, actual against target, the year-on-year growth of the
// quarter split by driver, what-if scenarios on marketing spend and service levels, the
// ranked causes of a shortfall with the role responsible, the suggested indicators per role,
// the incentive recommendations by team, and the forecast's backtest accuracy.
//
// Build computes the page's numbers from a tenant's loaded models and data (Input) with the
// same model calls the HTTP API makes — forecast.Set for GET /v1/forecast, driver.Model's
// Attribute for the growth waterfall (GET /v1/attribution) and WhatIf for POST /v1/whatif,
// diagnose.Company.Drivers for the causes of the gap to target (GET /v1/rootcauses), the
// incentive recommendations for POST /v1/recommendations, diagnose.Company.Indicators for the
// indicators — so that a number on the page is the number the API answers. Render writes
// the page as HTML (html/template) with every chart drawn as inline SVG on the server, in
// English or Chinese, and every figure also carried in a data-k/data-v attribute pair so
// that tests and scripts can read it back exactly.
//
// The same page serves two uses: the live page behind the server's cookie session (serve
// registers /review and mounts it), and the self-contained file of `growthlens report`
// (Options.Static: no form posts, no links back to the server, nothing loaded from
// elsewhere).
//
// What this package must not do: authenticate anyone, read or write the store itself (Load
// does, for the CLI, through the registry's public API only), import serve, or compute a
// figure differently from the API that answers the same question.
package review
