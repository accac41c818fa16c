// Package champion loads a tenant's champion models — the versions the registry's champion
// alias points at — and decodes them, for every surface that answers from them: the HTTP
// API (serve), the GM's review page (serve/review) and the CLI (growthlens report).
//
// The model names live here (Forecast, Driver, Incentive) and the training pipeline
// registers its models under them. Each name has one entry in a table that says how to
// decode its artifact and whether the decoded model depends on the tenant's dataset; adding
// a model is adding an entry (see Kinds), not a case in every caller. Load reads every
// name's champion into a Set; Reload does the same while reusing the models of a previous
// Set whose version (and dataset, where it matters) did not change, and keeps serving the
// previous model of a name whose new champion cannot be read.
//
// What this package must not do: fit or register models (package train does), know about
// HTTP or pages, or compute answers from the models beyond what loading needs (the
// recommendations of the employees on staff, computed once at load, see Incentives).
package champion
