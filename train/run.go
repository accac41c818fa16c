package train

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/driver"
	"github.com/growthlens/growthlens/models/incentive"
	"github.com/growthlens/growthlens/models/registry"
)

// candidate is a fitted model waiting to be registered.
type candidate struct {
	name     string
	kind     string
	artifact []byte
	metrics  map[string]float64
	backtest any
	seconds  float64
	// primary is the metric the promotion guard compares (lower is better); "" when the kind
	// has none.
	primary string
	// rescore backtests the current champion's configuration on this run's data, for the guard
	// when the champion was trained on other data; nil when the kind cannot.
	rescore func(champion []byte) (float64, error)
	// also are further metrics the guard compares (lower is better), and rescoreAll scores
	// the champion's configuration on this run's data for all of them (primary included).
	also       []string
	rescoreAll func(champion []byte) (map[string]float64, error)
}

// inputs is what the fitting steps share.
type inputs struct {
	cfg      *Config
	dataHash string
	// quarter panels by level, and the monthly region panel
	company, region, team *features.Panel
	monthRegion           *features.Panel
	// sales are the deals (nil without an opportunities table).
	sales *features.Sales
}

// Run trains every model from cfg.Data, registers the versions for cfg.Tenant in store,
// promotes them by cfg.Promote and stores the run record. It returns the record also when the
// run fails after it started (Status "failed", or "canceled" when ctx ended it, with the
// error), so callers can show what was done. A crash at any moment leaves the store
// consistent: versions are registered whole or not at all, and aliases move only after every
// model of the run is registered.
func Run(ctx context.Context, store registry.Store, cfg Config) (*Record, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := cfg.log()
	started := cfg.now()
	rec := &Record{
		Tenant: cfg.Tenant, Started: started.UTC(), Data: cfg.Data, CodeVersion: cfg.CodeVersion, Seed: cfg.Seed,
		Promote: cfg.Promote, Status: "failed", Load: map[string]datasets.TableCounts{},
	}
	step := func(name string, t0 time.Time) {
		sec := cfg.now().Sub(t0).Seconds()
		rec.Steps = append(rec.Steps, Step{Name: name, Seconds: round3(sec)})
		log.Info("step done", "step", name, "seconds", round3(sec))
	}
	err := run(ctx, store, &cfg, rec, step)
	if errors.Is(err, errFinished) {
		return rec, nil // a repeated delivery of a run an earlier attempt finished
	}
	rec.Finished = cfg.now().UTC()
	rec.Seconds = round3(rec.Finished.Sub(rec.Started).Seconds())
	switch {
	case err != nil && ctx.Err() != nil:
		rec.Status, rec.Error = "canceled", err.Error() // stopped (shutdown, DELETE), not broken
	case err != nil:
		rec.Error = err.Error()
	default:
		rec.Status = "succeeded"
	}
	if n := len(rec.Attempts); n > 0 && rec.Attempts[n-1].Status == "running" {
		rec.Attempts[n-1].Status = rec.Status
	}
	if cfg.Worker != "" && ctx.Err() != nil {
		// The worker stopped, or lost the tenant's lease to a worker that took the run over:
		// the record is the next attempt's to write.
		return rec, err
	}
	if rec.ID != "" {
		b, merr := json.Marshal(rec)
		if merr == nil {
			_, merr = store.PutRun(cfg.Tenant, rec.ID, b)
		}
		if merr != nil && err == nil {
			err = fmt.Errorf("store run record: %w", merr)
		}
	}
	return rec, err
}

func run(ctx context.Context, store registry.Store, cfg *Config, rec *Record, step func(string, time.Time)) error {
	log := cfg.log()
	t0 := cfg.now()
	hash, err := DataHash(cfg.Data)
	if err != nil {
		return fmt.Errorf("hash data: %w", err)
	}
	rec.DataHash = hash
	// The record is created now, saying "running", so that the id is this run's alone (and the
	// model versions it registers name it); it is replaced when the run ends.
	if cfg.RunID != "" {
		if cfg.Worker != "" {
			if err := takeAttempt(store, cfg, rec); err != nil {
				return err
			}
		}
		running := *rec
		running.ID, running.Status = cfg.RunID, "running"
		b, err := json.Marshal(running)
		if err == nil {
			_, err = store.PutRun(cfg.Tenant, cfg.RunID, b)
		}
		if err != nil {
			return fmt.Errorf("store run record: %w", err)
		}
		rec.ID = cfg.RunID
	} else {
		rec.ID, err = store.CreateRun(cfg.Tenant, rec.Started.Format("20060102T150405Z")+"-"+hash[:8], func(id string) (json.RawMessage, error) {
			running := *rec
			running.ID, running.Status = id, "running"
			return json.Marshal(running)
		})
		if err != nil {
			return fmt.Errorf("store run record: %w", err)
		}
	}
	log.Info("training", "run", rec.ID, "data", cfg.Data, "tenant", cfg.Tenant, "seed", cfg.Seed)

	// Load, validate and build the panels, reading each table once.
	cfg.progress("features", 0, 1)
	panels, sales, rep, err := features.BuildDirSales(cfg.Data,
		features.Options{Grain: datasets.Quarter, Level: features.Company},
		features.Options{Grain: datasets.Quarter, Level: features.Region},
		features.Options{Grain: datasets.Quarter, Level: features.Team},
		features.Options{Grain: datasets.Month, Level: features.Region},
	)
	if err != nil {
		return fmt.Errorf("load %s: %w", cfg.Data, err)
	}
	cfg.progress("features", 1, 1)
	for name, tr := range rep.Tables {
		rec.Load[name] = tr.TableCounts
		if tr.Rejected > 0 {
			rec.Warnings = append(rec.Warnings, fmt.Sprintf("%s: %d of %d rows rejected", name, tr.Rejected, tr.Read))
		}
	}
	for _, w := range rep.Warnings {
		rec.Warnings = append(rec.Warnings, w.String())
	}
	for _, m := range rep.Missing {
		rec.Warnings = append(rec.Warnings, "table "+m+" is absent: the features that need it are left out")
	}
	in := &inputs{cfg: cfg, dataHash: hash, company: panels[0], region: panels[1], team: panels[2], monthRegion: panels[3], sales: sales}
	rec.FeatureSpec = featureSpec(in)
	prof := profile(rec, in)
	rec.DataProfile = &prof
	for _, p := range panels[:3] {
		for _, w := range p.Warnings {
			// Columns that never exist at a level (supply by team) are by design, not news.
			if !strings.Contains(w, "not available by") {
				rec.Warnings = append(rec.Warnings, string(p.Level)+" panel: "+w)
			}
		}
	}
	step("load and features", t0)

	// Fit.
	var cands []*candidate
	for _, fit := range fitters {
		if err := ctx.Err(); err != nil {
			return err
		}
		t := cfg.now()
		c, warns, err := fit.fn(ctx, in)
		for _, w := range warns {
			rec.Warnings = append(rec.Warnings, fit.name+": "+w)
		}
		if err != nil {
			// A model the data cannot support is left out, not fatal: a company without HR
			// tables still gets its forecast.
			var skip skipError
			if errors.As(err, &skip) {
				rec.Warnings = append(rec.Warnings, fit.name+": not trained: "+skip.Error())
				if rec.Skipped == nil {
					rec.Skipped = map[string]string{}
				}
				rec.Skipped[fit.name] = skip.Error()
				step(fit.name, t)
				continue
			}
			return fmt.Errorf("fit %s: %w", fit.name, err)
		}
		c.seconds = round3(cfg.now().Sub(t).Seconds())
		cands = append(cands, c)
		step(fit.name, t)
	}
	if len(cands) == 0 {
		return fmt.Errorf("no model could be trained from %s", cfg.Data)
	}

	// Register every version first, then move aliases: a crash in between leaves the old
	// champions in place and the new versions unpromoted.
	t := cfg.now()
	for i, c := range cands {
		if err := ctx.Err(); err != nil {
			return err
		}
		cfg.progress("register", i, len(cands))
		mr, err := register(store, cfg, rec, c)
		if err != nil {
			return err
		}
		rec.Models = append(rec.Models, mr)
	}
	dg := &dataCheck{values: driverValues(in), verdicts: map[string]string{}}
	for i, c := range cands {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := promote(store, cfg, rec, c, &rec.Models[i], dg); err != nil {
			return err
		}
	}
	cfg.progress("register", len(cands), len(cands))
	step("register and promote", t)
	return nil
}

// errFinished says the record at Config.RunID is already final: an earlier attempt of the
// run finished it and its job was delivered again (its acknowledgement was lost).
var errFinished = errors.New("run already finished")

// takeAttempt reads the attempts of the run record at cfg.RunID, marks the one that was
// running lost (its worker stopped heartbeating, or this run would not have been delivered
// again) and appends this one. It returns errFinished, with rec the stored record, when an
// earlier attempt finished the run, and an error when the run has had cfg.MaxAttempts.
func takeAttempt(store registry.Store, cfg *Config, rec *Record) error {
	r, err := store.Run(cfg.Tenant, cfg.RunID)
	if err != nil && !errors.Is(err, registry.ErrNotFound) {
		return fmt.Errorf("read run record: %w", err)
	}
	if err == nil {
		var old Record
		if err := json.Unmarshal(r.Data, &old); err != nil {
			return fmt.Errorf("read run record %s: %w", cfg.RunID, err)
		}
		if old.Status == "succeeded" || old.Status == "failed" {
			*rec = old
			return errFinished
		}
		rec.Attempts = old.Attempts
	}
	for i := range rec.Attempts {
		if rec.Attempts[i].Status == "running" {
			rec.Attempts[i].Status = "lost"
		}
	}
	if cfg.MaxAttempts > 0 && len(rec.Attempts) >= cfg.MaxAttempts {
		rec.ID = cfg.RunID
		return fmt.Errorf("gave up after %d attempts: each worker stopped before the run finished", len(rec.Attempts))
	}
	rec.Attempts = append(rec.Attempts, Attempt{N: len(rec.Attempts) + 1, Worker: cfg.Worker, Start: cfg.now().UTC(), Status: "running"})
	return nil
}

// fitter fits one model of a run.
type fitter struct {
	name string
	fn   func(context.Context, *inputs) (*candidate, []string, error)
}

// fitters are the models a run fits, in order.
var fitters = []fitter{
	{"forecast", fitForecast},
	{"driver", fitDriver},
	{"incentive", fitIncentive},
}

// skipError marks a model the data cannot support (no HR tables, too little history).
type skipError struct{ msg string }

func (e skipError) Error() string { return e.msg }

func skip(format string, args ...any) error { return skipError{fmt.Sprintf(format, args...)} }

// dataLimit turns a fit error that a documented data condition explains (the models'
// ErrNotEnoughData) into a skip, so that the model is left out with a warning. Any other
// error — a bad option, a numerical failure, a bug — is returned as it is and fails the run.
func dataLimit(err error) error {
	if errors.Is(err, driver.ErrNotEnoughData) || errors.Is(err, incentive.ErrNotEnoughData) {
		return skip("%v", err)
	}
	return err
}

// register stores c unless an identical artifact from the same data is already there.
func register(store registry.Store, cfg *Config, rec *Record, c *candidate) (ModelResult, error) {
	sum := sha256.Sum256(c.artifact)
	sha := hex.EncodeToString(sum[:])
	mr := ModelResult{Name: c.name, Kind: c.kind, SHA256: sha, Metrics: c.metrics, Seconds: c.seconds}
	versions, err := store.Versions(cfg.Tenant, c.name)
	if err != nil && !errors.Is(err, registry.ErrNotFound) {
		return mr, fmt.Errorf("register %s: %w", c.name, err)
	}
	for _, v := range versions {
		// One version per model and run: an earlier attempt of this run (a worker that died
		// after registering it) registered this one.
		if rec.ID != "" && v.RunID == rec.ID {
			mr.Version, mr.Reused, mr.earlier = v.Version, true, true
			return mr, nil
		}
	}
	for _, v := range versions {
		if v.ArtifactSHA256 == sha && v.DataHash == rec.DataHash {
			mr.Version, mr.Reused = v.Version, true
			return mr, nil
		}
	}
	spec, _ := json.Marshal(rec.FeatureSpec)
	var backtest json.RawMessage
	if c.backtest != nil {
		if backtest, err = json.Marshal(c.backtest); err != nil {
			return mr, fmt.Errorf("register %s: backtest: %w", c.name, err)
		}
	}
	meta := registry.Metadata{
		Kind: c.kind, DataHash: rec.DataHash, FeatureSpec: spec, Metrics: finite(c.metrics), Backtest: backtest,
		CodeVersion: cfg.CodeVersion, Seed: int64(cfg.Seed), RunID: rec.ID, ArtifactSHA256: sha,
	}
	v, err := store.Put(cfg.Tenant, c.name, c.artifact, meta)
	if err != nil {
		return mr, fmt.Errorf("register %s: %w", c.name, err)
	}
	mr.Version = v
	cfg.log().Info("registered", "model", c.name, "version", v, "bytes", len(c.artifact))
	return mr, nil
}

// finite drops metrics the registry cannot store (NaN, ±Inf).
func finite(m map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out[k] = v
		}
	}
	return out
}

func featureSpec(in *inputs) FeatureSpec {
	fs := FeatureSpec{Grain: "quarter", Columns: map[string][]string{}}
	for _, p := range []*features.Panel{in.company, in.region, in.team} {
		fs.Levels = append(fs.Levels, string(p.Level))
		fs.Columns[string(p.Level)] = slices.Clone(p.Columns)
	}
	if last := in.company.LastComplete(); last >= 0 {
		fs.Periods = []string{in.company.Periods[0].String(), in.company.Periods[last].String()}
	}
	return fs
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
