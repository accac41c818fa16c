package serve

import (
	"context"
	"sync"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/internal/clip"
	"github.com/growthlens/growthlens/internal/lazy"
	"github.com/growthlens/growthlens/internal/seed"
	"github.com/growthlens/growthlens/models/diagnose"
	"github.com/growthlens/growthlens/models/driver"
)

// Root causes by driver, suggested indicators and alerts are answered from the tenant's data
// by models/diagnose, which builds its panels on first use and reads its driver effects from
// the champion company model. The server keeps one diagnose.Company per loaded dataset and
// driver champion, so that cost is paid once, on the first request that needs it, and again
// only when the data change or another model is promoted.

// The bootstrap settings of the served diagnosis: those of `growthlens rootcause drivers`,
// `indicators` and `alerts`, so that the API and the CLI give the same answers on the same data.
const (
	diagnoseReplicates = 1000
	diagnoseSeed       = seed.Default
)

// diagnosis is the lazily opened diagnose.Company of one tenantData and driver champion, with
// the indicator answers computed so far (each is a bootstrap, worth keeping). Both are
// computed once in the background (package lazy): a request that leaves stops waiting for
// them, and the next one gets them.
type diagnosis struct {
	// driver is the driver champion the diagnosis is made with (nil: none loaded).
	driver *driver.Model

	mu         sync.Mutex
	company    *lazy.Value[*diagnose.Company]
	indicators map[string]*lazy.Value[[]byte]    // encoded answers by "role|scope"
	cascades   map[string]*lazy.Value[*cascaded] // "period.metric|version|target"
}

// company returns the tenant's data opened for diagnosis, or the error a client should see;
// ctx's error when it ends first.
func (sn *snapshot) company(ctx context.Context) (*diagnose.Company, error) {
	d := sn.data
	if d == nil || d.ds == nil {
		return nil, errorf(EUnavailable, "", "root causes, indicators and alerts need the tenant's data: %s", dataProblem(sn))
	}
	g := sn.diag
	g.mu.Lock()
	if g.company == nil {
		// Root causes, indicators and alerts read their driver effects from the champion
		// company model that what-if and attribution use, so every answer agrees.
		m, _ := sn.champions.Company()
		ds, cat := d.ds, d.catalogue()
		g.company = lazy.New(func() (*diagnose.Company, error) {
			return diagnose.New(ds, diagnose.Options{Replicates: diagnoseReplicates, Seed: diagnoseSeed, Model: m, Catalogue: cat})
		})
	}
	lz := g.company
	g.mu.Unlock()
	co, err := lz.Get(ctx)
	if cerr := ctx.Err(); cerr != nil {
		return nil, cerr
	}
	if err != nil {
		return nil, errorf(EInvalidData, "", "the tenant's data cannot be diagnosed: %s", relErr(err, d.dir))
	}
	return co, nil
}

// diagScope reads a scope parameter (company, region:<id>, team:<id>) and checks that the
// tenant's panel of the grain holds it: an unknown scope is ENotFound.
func diagScope(co *diagnose.Company, field, s string, g datasets.Grain) (diagnose.Scope, *features.Panel, error) {
	level, id, err := parseScope(field, s)
	if err != nil {
		return diagnose.Scope{}, nil, err
	}
	sc := diagnose.Scope{Level: features.Level(level), ID: id}
	p, err := co.Panel(g, sc.Level)
	if err != nil {
		return sc, nil, errorf(EInvalidData, field, "the tenant's %s %s panel cannot be built: %s", g, level, err.Error())
	}
	if p.Series(id, features.ColRevenue) == nil {
		return sc, nil, errorf(ENotFound, field, "no scope %s in this tenant's data; GET /v1/scopes lists them", clip.String(sc.String(), 80))
	}
	return sc, p, nil
}

// periodIn checks that a period is one of the panel's.
func periodIn(field string, p *features.Panel, period datasets.Period) error {
	if p.Index(period) < 0 {
		return invalid(field, "%s is outside the tenant's data (%s to %s)", period, p.Periods[0], p.Periods[len(p.Periods)-1])
	}
	return nil
}

func parsePeriodParam(field, s string) (datasets.Period, error) {
	if s == "" {
		return datasets.Period{}, invalid(field, "required: a month such as 2026-08 or a quarter such as 2026Q3")
	}
	p, err := datasets.ParsePeriod(s)
	if err != nil {
		return p, invalid(field, "%q: want a month such as 2026-08 or a quarter such as 2026Q3", clip.String(s, 32))
	}
	return p, nil
}

// dataAsOf is the last day the tenant's data hold (the day before the first day not in it).
func dataAsOf(co *diagnose.Company) string {
	return datasets.FormatDate(co.AsOf().AddDate(0, 0, -1))
}
