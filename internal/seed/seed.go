// Package seed holds growthlens's one default seed. Every command's --seed, the API's training
// runs, the bootstraps behind the API's and the CLI's root causes, indicators, alerts, what-if
// and goal cascades, and the review page use Default when no seed is given, so that the same
// data gives the same figures on the page, the API and the CLI, and a plain
// `growthlens train` reuses the models `make run` registered.
//
// It is 7 because the built-in default company (`growthlens generate`, `make run`) has always
// been seed 7: the documented figures of that company stay as they were. Evaluations on
// held-out synthetic seeds name their seeds explicitly and do not use it.
package seed

// Default is the seed used when none is given.
const Default = 7
