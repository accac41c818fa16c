package train

import (
	"time"

	"github.com/growthlens/growthlens/datasets"
)

// Record is a training run as stored in the registry (t/<tenant>/run/<id>) and shown by
// growthlens runs show.
type Record struct {
	ID          string    `json:"id"`
	Tenant      string    `json:"tenant"`
	Started     time.Time `json:"started"`
	Finished    time.Time `json:"finished"`
	Seconds     float64   `json:"seconds"`
	Data        string    `json:"data"`
	DataHash    string    `json:"data_hash"`
	CodeVersion string    `json:"code_version"`
	Seed        uint64    `json:"seed"`
	Promote     string    `json:"promote"`
	// Status is "succeeded" or "failed" (Error says why); "running" while the run works
	// ("queued" before, when a server queued it); a server starting on the store marks the
	// queued and running records of a process that died "interrupted".
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
	// FeatureSpec lists the panels and columns the models were fitted on.
	FeatureSpec FeatureSpec `json:"feature_spec"`
	// Load counts rows read, kept and rejected per table.
	Load map[string]datasets.TableCounts `json:"load"`
	// DataProfile summarises the data for the next run's drift guard (see DataGuard).
	DataProfile *DataProfile `json:"data_profile,omitempty"`
	// Steps are the durations of the pipeline's steps in order.
	Steps []Step `json:"steps"`
	// Models are the versions registered (or reused) and what happened to their aliases.
	Models   []ModelResult `json:"models"`
	Warnings []string      `json:"warnings,omitempty"`
	// Skipped says, by model name, why the data could not support a model the run left out
	// (no HR tables, no driver that moves). models/champion reads it to say why a tenant
	// has no champion of that name, instead of telling a tenant that trained to train.
	Skipped map[string]string `json:"skipped,omitempty"`
	// Attempts are the workers' tries at a run queued in cluster mode, oldest first; absent
	// for a run trained in the process that started it.
	Attempts []Attempt `json:"attempts,omitempty"`
}

// Attempt is one worker's try at a queued run.
type Attempt struct {
	N      int       `json:"n"`
	Worker string    `json:"worker"`
	Start  time.Time `json:"started"`
	// Status is the run's status when this attempt ended, or "lost" when its worker stopped
	// heartbeating and another attempt took the run over ("running" while it runs).
	Status string `json:"status"`
}

// Step is one pipeline step and its duration.
type Step struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
}

// FeatureSpec describes the panels behind the models.
type FeatureSpec struct {
	Grain   string              `json:"grain"`
	Levels  []string            `json:"levels"`
	Periods []string            `json:"periods"` // first and last complete period
	Columns map[string][]string `json:"columns"` // level → panel columns
}

// ModelResult is what a run did for one model name.
type ModelResult struct {
	Name    string             `json:"name"`
	Kind    string             `json:"kind"`
	Version int                `json:"version"`
	SHA256  string             `json:"sha256"`
	Reused  bool               `json:"reused,omitempty"` // an identical version existed and was kept
	Metrics map[string]float64 `json:"metrics"`
	Seconds float64            `json:"seconds"`
	// Promoted says whether the version became champion; Decision says why or why not.
	Promoted bool   `json:"promoted"`
	Decision string `json:"decision"`
	// Blocked says auto-promotion was refused because the run's data differs from the
	// champion's (Decision says how).
	Blocked bool `json:"blocked,omitempty"`
	// Champion is the champion version after the run.
	Champion int `json:"champion"`

	// earlier: the version was registered by an earlier attempt of this run.
	earlier bool
}
