package diagnose

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/internal/lazy"
	"github.com/growthlens/growthlens/models/company"
	"github.com/growthlens/growthlens/models/driver"
	"github.com/growthlens/growthlens/models/indicators"
	"github.com/growthlens/growthlens/models/rootcause"
)

// Options configure Open. The zero value gives the defaults.
type Options struct {
	// AsOf is the first day after the data, as in features.Options: rows dated from it on
	// are treated as not having happened yet (see Cut). Zero: the data's own end.
	AsOf time.Time
	// Replicates is the number of bootstrap replicates of the driver model (default 1000).
	Replicates int
	// Seed seeds the driver model's bootstrap.
	Seed uint64
	// Catalogue is the KPI catalogue (default indicators.Default()).
	Catalogue *indicators.Catalogue
	// Model is the tenant's registered company model (models/company). Nil fits one from the
	// data on first use (company.Fit with Replicates draws and Seed), as training does.
	Model *company.Model
}

// Company is one company's data, with its panels and driver model built on first use. Its
// methods are safe for concurrent use.
type Company struct {
	ds   *datasets.Dataset
	opt  Options
	cat  *indicators.Catalogue
	asOf time.Time

	mu      sync.Mutex
	panels  map[panelKey]*features.Panel
	models  map[datasets.Grain]*lazy.Value[*driver.Model]
	funnels map[datasets.Grain]*funnelCells
	effects map[datasets.Grain]effectsEntry
	company *lazy.Value[*company.Model]
}

type effectsEntry struct {
	effects map[string]rootcause.Effect
	notes   []string
}

type panelKey struct {
	grain datasets.Grain
	level features.Level
}

// Open loads the dataset in dir. It returns an error when the directory cannot be loaded as a
// dataset (see datasets.Load).
func Open(dir string, opt Options) (*Company, error) {
	ds, _, err := datasets.Load(dir)
	if err != nil {
		return nil, err
	}
	return New(ds, opt)
}

// New wraps a loaded dataset. With opt.AsOf set, the dataset is first cut to what was known
// then (Cut).
func New(ds *datasets.Dataset, opt Options) (*Company, error) {
	if ds == nil {
		return nil, errors.New("no dataset")
	}
	if opt.Catalogue == nil {
		opt.Catalogue = indicators.Default()
	}
	if opt.Replicates == 0 {
		opt.Replicates = driver.DefaultOptions().Replicates
	}
	c := &Company{ds: ds, opt: opt, cat: opt.Catalogue, panels: map[panelKey]*features.Panel{},
		models: map[datasets.Grain]*lazy.Value[*driver.Model]{}, funnels: map[datasets.Grain]*funnelCells{}, effects: map[datasets.Grain]effectsEntry{}}
	c.company = lazy.New(c.fitCompanyModel)
	if !opt.AsOf.IsZero() {
		c.ds = Cut(ds, opt.AsOf)
	}
	p, err := c.Panel(datasets.Month, features.Company)
	if err != nil {
		return nil, err
	}
	c.asOf = p.AsOf
	return c, nil
}

// Dataset returns the (cut) dataset.
func (c *Company) Dataset() *datasets.Dataset { return c.ds }

// AsOf returns the first day after the data.
func (c *Company) AsOf() time.Time { return c.asOf }

// Catalogue returns the KPI catalogue in use.
func (c *Company) Catalogue() *indicators.Catalogue { return c.cat }

// Panel returns the feature panel of the grain and level, building it on first use.
func (c *Company) Panel(g datasets.Grain, l features.Level) (*features.Panel, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.panelLocked(g, l)
}

func (c *Company) panelLocked(g datasets.Grain, l features.Level) (*features.Panel, error) {
	k := panelKey{g, l}
	if p, ok := c.panels[k]; ok {
		return p, nil
	}
	p, err := features.Build(c.ds, features.Options{Grain: g, Level: l, AsOf: c.opt.AsOf})
	if err != nil {
		return nil, err
	}
	c.panels[k] = p
	return p, nil
}

// Scope is a company, a region or a team.
type Scope struct {
	Level features.Level
	ID    string
}

// ParseScope reads "company", "region:NAME" or "team:ID".
func ParseScope(s string) (Scope, error) {
	if s == "" || s == "company" {
		return Scope{Level: features.Company}, nil
	}
	kind, id, ok := strings.Cut(s, ":")
	if !ok || id == "" {
		return Scope{}, fmt.Errorf("scope %q: want company, region:NAME or team:ID", s)
	}
	l, err := features.ParseLevel(kind)
	if err != nil || l == features.Company {
		return Scope{}, fmt.Errorf("scope %q: want company, region:NAME or team:ID", s)
	}
	return Scope{Level: l, ID: id}, nil
}

func (s Scope) String() string {
	if s.Level == features.Company {
		return "company"
	}
	return string(s.Level) + ":" + s.ID
}

// scopePanel returns the panel holding the scope, checking the scope exists.
func (c *Company) scopePanel(s Scope, g datasets.Grain) (*features.Panel, error) {
	p, err := c.Panel(g, s.Level)
	if err != nil {
		return nil, err
	}
	if p.Series(s.ID, features.ColRevenue) == nil {
		ids := p.Scopes
		if len(ids) > 12 {
			ids = append(ids[:12:12], "…")
		}
		return nil, fmt.Errorf("scope %s: not in the data (%s ids: %s)", s, s.Level, strings.Join(ids, ", "))
	}
	return p, nil
}

// Model returns the driver model fitted on the region panel of the grain (the team panel when
// the data has no regions), fitting it on first use. The fit is shared by every caller and
// kept: a caller whose ctx ends stops waiting for it (Model returns ctx's error) but the fit
// runs on for the callers after it.
func (c *Company) Model(ctx context.Context, g datasets.Grain) (*driver.Model, error) {
	c.mu.Lock()
	m, ok := c.models[g]
	if !ok {
		m = lazy.New(func() (*driver.Model, error) { return c.fitModel(g) })
		c.models[g] = m
	}
	c.mu.Unlock()
	return m.Get(ctx)
}

func (c *Company) fitModel(g datasets.Grain) (*driver.Model, error) {
	p, err := c.Panel(g, features.Region)
	if err == nil && len(p.Scopes) < 2 {
		p, err = c.Panel(g, features.Team)
	}
	if err != nil {
		return nil, err
	}
	specs := make([]driver.Spec, 0, 5)
	for _, ind := range c.cat.Drivers() {
		specs = append(specs, driver.Spec{Column: ind.Formula, Role: c.cat.RoleOf(ind.Formula), Scale: driver.Scale(ind.Scale), Unit: ind.Unit})
	}
	// The model is kept for every later caller (package lazy), so its fit is bound to no
	// caller's context: a caller that leaves stops waiting for it instead.
	return driver.Fit(context.Background(), p, driver.Options{Drivers: specs, Replicates: c.opt.Replicates, Seed: c.opt.Seed})
}

// Effects returns each catalogue driver's effect on log revenue for periods of the grain: the
// driver model's sustained effect combined with the catalogue's prior (see the package
// documentation), with the lag shares the data's sales cycle gives. Drivers the model could
// not estimate keep the prior alone; without a model at all every driver does, and a note
// says why. The only error is ctx's, when it ends before the company model is fitted.
func (c *Company) Effects(ctx context.Context, g datasets.Grain) (map[string]rootcause.Effect, []string, error) {
	c.mu.Lock()
	e, ok := c.effects[g]
	c.mu.Unlock()
	if ok {
		return e.effects, slices.Clone(e.notes), nil
	}
	effects, notes, err := c.computeEffects(ctx, g)
	if err != nil {
		return nil, nil, err
	}
	c.mu.Lock()
	c.effects[g] = effectsEntry{effects, notes}
	c.mu.Unlock()
	return effects, slices.Clone(notes), nil
}

func (c *Company) computeEffects(ctx context.Context, g datasets.Grain) (map[string]rootcause.Effect, []string, error) {
	var notes []string
	cycle := c.cycleShares(g)
	lags := map[string][]float64{}
	for _, ind := range c.cat.Drivers() {
		lags[ind.Formula] = []float64{1}
		if ind.Acts == "pipeline" {
			lags[ind.Formula] = cycle
		}
	}
	m, err := c.CompanyModel(ctx)
	if cerr := ctx.Err(); cerr != nil {
		return nil, nil, cerr // not a model that failed: the caller left
	}
	if err != nil {
		notes = append(notes, fmt.Sprintf("company model not fitted (%v): driver effects are the catalogue's priors, and the data cannot tell their size", err))
		out := map[string]rootcause.Effect{}
		for _, ind := range c.cat.Drivers() {
			e := priorOnly(ind.Prior)
			e.LagShare = lags[ind.Formula]
			out[ind.Formula] = e
		}
		return out, notes, nil
	}
	out := m.RootcauseEffects(lags)
	for _, ind := range c.cat.Drivers() {
		if _, ok := out[ind.Formula]; !ok {
			e := priorOnly(ind.Prior)
			e.LagShare = lags[ind.Formula]
			out[ind.Formula] = e
			notes = append(notes, fmt.Sprintf("driver %s not in the company model: its effect is the catalogue's prior", ind.Formula))
		}
	}
	return out, notes, nil
}

// CompanyModel returns the company model (models/company) every driver answer comes from:
// Options.Model when given, else one fitted on the quarterly region panel (the team panel
// when the data has a single region) and the monthly one, as training fits it. The fit is
// shared and kept as Model's is: a caller whose ctx ends stops waiting, not the fit.
func (c *Company) CompanyModel(ctx context.Context) (*company.Model, error) {
	return c.company.Get(ctx)
}

func (c *Company) fitCompanyModel() (*company.Model, error) {
	if c.opt.Model != nil {
		return c.opt.Model, nil
	}
	level := features.Region
	p, err := c.Panel(datasets.Quarter, level)
	if err == nil && len(p.Scopes) < 2 {
		level = features.Team
		p, err = c.Panel(datasets.Quarter, level)
	}
	if err != nil {
		return nil, err
	}
	monthly, err := c.Panel(datasets.Month, level)
	if err != nil {
		monthly = nil
	}
	return company.Fit(context.Background(), p, monthly, company.Options{Catalogue: c.cat, Draws: c.opt.Replicates, Seed: c.opt.Seed}) // kept, as fitModel's
}

func priorOnly(prior float64) rootcause.Effect {
	sd := math.Abs(prior)
	return rootcause.Effect{Estimate: prior, Lower: prior - 1.959964*sd, Upper: prior + 1.959964*sd, Source: "prior"}
}

// cycleShares is, for won deals, the revenue share that closes 0, 1 and 2 or more periods of
// the grain after the period the deal was created in: how a driver that acts on deal creation
// spreads its effect on revenue over lags. Without won deals it is an even split over two
// periods.
func (c *Company) cycleShares(g datasets.Grain) []float64 {
	sh := make([]float64, 3)
	total := 0.0
	for i := range c.ds.Opportunities {
		o := &c.ds.Opportunities[i]
		if o.Stage != "won" || o.ClosedDate.IsZero() {
			continue
		}
		lag := datasets.Of(g, o.ClosedDate).N - datasets.Of(g, o.CreatedDate).N
		if lag < 0 {
			continue
		}
		a := o.Amount.Or(0)
		sh[min(lag, 2)] += a
		total += a
	}
	if total == 0 {
		return []float64{0.5, 0.5}
	}
	for i := range sh {
		sh[i] /= total
	}
	if g == datasets.Quarter {
		// Two quarters cover almost every cycle; fold the rest into the second.
		return []float64{sh[0], sh[1] + sh[2]}
	}
	return sh
}
