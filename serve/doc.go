// Package serve is growthlens's HTTP service: the JSON API under /v1 that HR systems call
// (forecasts, what-if, root causes, suggested indicators, alerts from posted actuals,
// incentive recommendations and allocations, data upload, training runs, model promotion
// and the audit log), with API keys, roles and tenants, per-key rate limits, Prometheus
// metrics, models swapped without dropping a request when an alias moves, and the admin
// socket the CLI uses while the server holds the store. The OpenAPI document openapi.yaml
// describes exactly the route table in server.go (a test checks both ways).
//
// Every handler passes its request's context to the model calls it makes: when the client
// leaves, ranking, scoring and root-cause work stops and the request is answered and audited
// as canceled (499); results kept for later requests (a tenant's opened data, its first
// driver-model fit, indicator answers) are computed once in the background and survive it.
//
// What this package must not do: hold business logic. Forecasts, drivers, root causes,
// indicators, alerts and recommendations are computed by the models packages; serve checks
// input, picks the tenant's loaded champions (loaded by models/champion) or data, and encodes
// the answers. It must not import the training pipeline: training runs go through the
// Trainer the caller passes in Config (cmd/growthlens passes package train). It must not
// let a key see another tenant's data, nor put internals in an error a client sees.
package serve
