// Package train is the training pipeline: load and validate a dataset, build its feature
// panels, fit every model, backtest, register the versions in the store and promote them.
//
// One Run fits, for a tenant, the models registered under the names of package champion
// (which loads them back for the server, the review page and the CLI):
//
//	forecast    revenue forecasts of the company, each region and each team (models/forecast)
//	driver      the driver model: effects of marketing, staffing, service and supply (models/driver)
//	incentive   incentive preference, attrition risk, performance and cost (models/incentive)
//
// and writes a run record (data hash, feature spec, code version, seed, metrics, backtests,
// durations, warnings, promotion decisions). The same data, code and seed give byte-identical
// artifacts: nothing time- or map-order-dependent goes into them.
//
// Promotion (Config.Promote): "always" makes every new version champion, "never" leaves the
// aliases alone, and "auto" promotes a version only when its backtest is not worse than the
// current champion's on the same data. When the champion was trained on the same data (equal
// data hash) the stored backtest metrics are compared; otherwise the champion's configuration
// is backtested again on the current data (see Guard). The decision and its reason are kept in
// the alias history and in the run record.
//
// The package must not serve requests or parse command-line flags; it is called by the CLI
// (growthlens train) and, through the serve.Trainer that cmd/growthlens wires, by the HTTP
// service's training endpoint (serve does not import it).
package train
