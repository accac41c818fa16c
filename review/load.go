package review

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/models/diagnose"
	"github.com/growthlens/growthlens/models/driver"
	"github.com/growthlens/growthlens/models/forecast"
	"github.com/growthlens/growthlens/models/incentive"
	"github.com/growthlens/growthlens/models/indicators"
	"github.com/growthlens/growthlens/models/registry"
	"github.com/growthlens/growthlens/train"
)

// IndicatorSeed is the bootstrap seed of the indicator suggestions: the default of
// `growthlens indicators`, so that the page and the CLI agree.
const IndicatorSeed = 1

// The bootstrap settings of Diagnosis: those of the server's GET /v1/rootcauses and of
// `growthlens rootcause drivers`' defaults, so that the report ranks the causes they rank.
const (
	DiagnoseReplicates = 1000
	DiagnoseSeed       = 1
)

// RecommendTop is how many options per employee carry reasons when Load computes the
// recommendations (as many as the server keeps); it does not change the options or their
// order.
const RecommendTop = 7

// Indicators returns a function that suggests the indicators of every role for the company
// from ds, as `growthlens indicators --data DIR --json` does with its defaults, computing
// them once on first call (the driver model's bootstrap takes a few seconds) and returning
// the same answer after.
func Indicators(ds *datasets.Dataset) func() (*diagnose.IndicatorAnswer, error) {
	var (
		once sync.Once
		ans  *diagnose.IndicatorAnswer
		err  error
	)
	return func() (*diagnose.IndicatorAnswer, error) {
		once.Do(func() {
			var c *diagnose.Company
			if c, err = diagnose.New(ds, diagnose.Options{Seed: IndicatorSeed}); err != nil {
				return
			}
			ans, err = c.Indicators(diagnose.IndicatorRequest{Options: indicators.Options{Seed: IndicatorSeed}})
		})
		return ans, err
	}
}

// Diagnosis returns a function that opens ds for diagnosis with the server's settings,
// once, on first call (the driver model behind the causes is fitted on first use, and
// kept), returning the same company after.
func Diagnosis(ds *datasets.Dataset) func() (*diagnose.Company, error) {
	return sync.OnceValues(func() (*diagnose.Company, error) {
		return diagnose.New(ds, diagnose.Options{Replicates: DiagnoseReplicates, Seed: DiagnoseSeed})
	})
}

// Load reads a tenant's champion models from an open store and its dataset from dataDir
// ("" for none), and computes the recommendations of every employee on staff, as the server
// does when it loads a tenant. A model without a champion is recorded in Input.Missing; a
// store or artifact that cannot be read is an error.
func Load(st *registry.Store, tenant, dataDir string) (Input, error) {
	in := Input{Tenant: tenant, Missing: map[string]string{}}
	if dataDir != "" {
		ds, _, err := datasets.Load(dataDir)
		if err != nil {
			return in, fmt.Errorf("load data: %w", err)
		}
		in.Dataset = ds
		in.Indicators = Indicators(ds)
		in.Diagnosis = Diagnosis(ds)
	}
	load := func(name string) ([]byte, registry.Version, bool, error) {
		b, v, err := st.LoadAlias(tenant, name, registry.Champion)
		if errors.Is(err, registry.ErrNotFound) {
			in.Missing[name] = "no champion " + name + " model for tenant " + tenant + ": train first (growthlens train)"
			return nil, v, false, nil
		}
		if err != nil {
			return nil, v, false, fmt.Errorf("load %s: %w", name, err)
		}
		return b, v, true, nil
	}
	b, v, ok, err := load(train.ForecastName)
	if err != nil {
		return in, err
	}
	if ok {
		if in.Forecast, err = forecast.UnmarshalSet(b); err != nil {
			return in, fmt.Errorf("decode forecast v%d: %w", v.Version, err)
		}
		in.ForecastVersion = v
	}
	if b, v, ok, err = load(train.DriverName); err != nil {
		return in, err
	}
	if ok {
		if in.Driver, err = driver.Unmarshal(b); err != nil {
			return in, fmt.Errorf("decode driver v%d: %w", v.Version, err)
		}
		in.DriverVersion = v
	}
	if b, v, ok, err = load(train.IncentiveName); err != nil {
		return in, err
	}
	switch {
	case !ok:
	case in.Dataset == nil || !in.Dataset.Present("employees"):
		in.Missing[train.IncentiveName] = "incentive recommendations need the tenant's HR data (--data with an employees table)"
	default:
		r, err := incentive.Restore(b, in.Dataset)
		if err != nil {
			return in, fmt.Errorf("restore incentive v%d: %w", v.Version, err)
		}
		ids, err := r.OnStaff(time.Time{}, "")
		if err != nil {
			return in, fmt.Errorf("employees on staff: %w", err)
		}
		recs := []incentive.Recommendation{}
		if len(ids) > 0 {
			if recs, err = r.Recommend(ids, incentive.Options{Top: RecommendTop}); err != nil {
				return in, fmt.Errorf("recommend: %w", err)
			}
		}
		in.Recommendations, in.IncentiveVersion, in.IncentiveAsOf = recs, v, r.ObservedUntil().AddDate(0, 0, 1)
	}
	return in, nil
}
