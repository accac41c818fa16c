package review

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/lazy"
	"github.com/growthlens/growthlens/internal/seed"
	"github.com/growthlens/growthlens/models/adjustment"
	"github.com/growthlens/growthlens/models/alert"
	"github.com/growthlens/growthlens/models/champion"
	"github.com/growthlens/growthlens/models/company"
	"github.com/growthlens/growthlens/models/diagnose"
	"github.com/growthlens/growthlens/models/goal"
	"github.com/growthlens/growthlens/models/indicators"
	"github.com/growthlens/growthlens/models/notify"
	"github.com/growthlens/growthlens/models/registry"
)

// IndicatorSeed is the bootstrap seed of the indicator suggestions: the default of
// `growthlens indicators`, so that the page and the CLI agree.
const IndicatorSeed = seed.Default

// The bootstrap settings of Diagnosis: those of the server's GET /v1/rootcauses and of
// `growthlens rootcause drivers`' defaults, so that the report ranks the causes they rank.
const (
	DiagnoseReplicates = 1000
	DiagnoseSeed       = seed.Default
)

// Indicators returns a function that suggests the indicators of every role for the company
// from ds, as `growthlens indicators --data DIR --json` does with its defaults. They are
// computed once, in the background, on first call (the driver model's bootstrap takes a few
// seconds; a caller whose ctx ends stops waiting, not the computation), and every call
// returns the same answer.
//
// m is the tenant's champion company model, so that the indicators' effects are the what-if's
// and the waterfall's; nil fits one on ds. cat is the tenant's catalogue (nil: the built-in).
func Indicators(ds *datasets.Dataset, m *company.Model, cat *indicators.Catalogue) func(context.Context) (*diagnose.IndicatorAnswer, error) {
	return lazy.New(func() (*diagnose.IndicatorAnswer, error) {
		c, err := diagnose.New(ds, diagnose.Options{Seed: IndicatorSeed, Model: m, Catalogue: cat})
		if err != nil {
			return nil, err
		}
		return c.Indicators(context.Background(), diagnose.IndicatorRequest{Options: indicators.Options{Seed: IndicatorSeed}})
	}).Get
}

// Diagnosis returns a function that opens ds for diagnosis with the server's settings, once,
// in the background, on first call (the driver model behind the causes is fitted on first
// use, and kept), returning the same company after. m is the champion company model (nil:
// fitted on ds) and cat the catalogue, as for Indicators.
func Diagnosis(ds *datasets.Dataset, m *company.Model, cat *indicators.Catalogue) func(context.Context) (*diagnose.Company, error) {
	return lazy.New(func() (*diagnose.Company, error) {
		return diagnose.New(ds, diagnose.Options{Replicates: DiagnoseReplicates, Seed: DiagnoseSeed, Model: m, Catalogue: cat})
	}).Get
}

// TenantCatalogue reads a tenant's KPI catalogue from the store: the built-in one with the
// roles and indicators the tenant added (PUT /v1/catalogue).
func TenantCatalogue(st registry.Store, tenant string) (*indicators.Catalogue, error) {
	docs, err := st.Catalogue(tenant)
	if err != nil || len(docs) == 0 {
		return indicators.Default(), err
	}
	extra, err := indicators.ParseCustom(docs[0].Data, nil)
	if err != nil {
		return nil, fmt.Errorf("the tenant's catalogue, version %d: %w", docs[0].Version, err)
	}
	return indicators.Extend(indicators.Default(), extra)
}

// Load reads a tenant's champion models from an open store (package champion, as the server
// does when it loads a tenant) and its dataset from dataDir ("" for none). A model without a
// champion is recorded in Input.Missing; a store or artifact that cannot be read is an error.
func Load(st registry.Store, tenant, dataDir string) (Input, error) {
	in := Input{Tenant: tenant, Missing: map[string]string{}}
	if dataDir != "" {
		ds, _, err := datasets.Load(dataDir)
		if err != nil {
			return in, fmt.Errorf("load data: %w", err)
		}
		in.Dataset = ds
	}
	set, err := champion.Load(st, tenant, champion.Data{Dataset: in.Dataset, Problem: "no --data directory was given"})
	if err != nil {
		return in, err
	}
	if in.Dataset != nil {
		m, _ := set.Company()
		cat, err := TenantCatalogue(st, tenant)
		if err != nil {
			return in, err
		}
		in.Indicators = Indicators(in.Dataset, m, cat)
		in.Diagnosis = Diagnosis(in.Dataset, m, cat)
		in.Cascade = Cascade(in.Diagnosis, in.Indicators)
	}
	out := NewInput(set)
	out.Dataset, out.Indicators, out.Diagnosis, out.Cascade = in.Dataset, in.Indicators, in.Diagnosis, in.Cascade
	if out.Goals, err = LatestGoals(st, tenant); err != nil {
		return out, err
	}
	if out.Alerts, err = OpenAlerts(st, tenant, time.Now()); err != nil {
		return out, err
	}
	all, err := adjustment.Load(st, tenant)
	if err != nil {
		return out, err
	}
	out.Adjustments = adjustment.Current(all)
	return out, nil
}

// OpenAlerts reads a tenant's alerts that are still open at now (not acknowledged, their
// scope's metric not muted), newest first.
func OpenAlerts(st registry.Store, tenant string, now time.Time) ([]alert.Alert, error) {
	recs, err := st.Alerts(tenant, 0)
	if err != nil {
		return nil, err
	}
	srecs, err := st.AlertStates(tenant)
	if err != nil {
		return nil, err
	}
	states := map[string]notify.State{}
	for _, r := range srecs {
		var s notify.State
		if json.Unmarshal(r.Data, &s) == nil {
			states[r.ID] = s
		}
	}
	out := []alert.Alert{}
	for _, r := range recs {
		var a alert.Alert
		if err := json.Unmarshal(r.Data, &a); err != nil {
			continue
		}
		if q, _ := notify.Quiet(&a, states, now); !q {
			out = append(out, a)
		}
	}
	return out, nil
}

// LatestGoals reads the latest version of each of a tenant's growth goals from the store.
func LatestGoals(st registry.Store, tenant string) ([]goal.Goal, error) {
	docs, err := st.Goals(tenant)
	if err != nil {
		return nil, err
	}
	var out []goal.Goal
	for i, d := range docs { // by id, newest version first
		if i > 0 && docs[i-1].ID == d.ID {
			continue
		}
		var g goal.Goal
		if err := json.Unmarshal(d.Data, &g); err != nil {
			return nil, fmt.Errorf("stored goal %s v%d: %w", d.ID, d.Version, err)
		}
		out = append(out, g)
	}
	return out, nil
}

// Cascade returns a function that cascades a goal on the diagnosis's data and company model
// with the page's indicator suggestions, as GET /v1/cascade does.
func Cascade(diagnosis func(context.Context) (*diagnose.Company, error), sugg func(context.Context) (*diagnose.IndicatorAnswer, error)) func(context.Context, goal.Goal) (*goal.Plan, error) {
	return func(ctx context.Context, g goal.Goal) (*goal.Plan, error) {
		co, err := diagnosis(ctx)
		if err != nil {
			return nil, err
		}
		opt := goal.Options{Seed: IndicatorSeed}
		if ans, err := sugg(ctx); err == nil && ans.Scope == "company" {
			opt.Suggestions = ans.Roles
		}
		return goal.Cascade(ctx, co, g, opt)
	}
}

// NewInput returns the Input of a tenant's loaded champions: every model they hold and why
// the others are missing. The dataset and the functions behind the indicators and the
// causes are left for the caller to set.
func NewInput(set *champion.Set) Input {
	in := Input{Tenant: set.Tenant, Missing: maps.Clone(set.Missing)}
	in.Forecast, in.ForecastVersion = set.Forecast()
	in.Driver, in.DriverVersion = set.Driver()
	if inc, v := set.Incentive(); inc != nil {
		in.Recommendations, in.IncentiveVersion, in.IncentiveAsOf = inc.Staff, v, inc.AsOf
		in.Leavers, in.Turnover = inc.Leavers, inc.Turnover
	}
	return in
}
