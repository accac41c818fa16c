package serve

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/models/champion"
	"github.com/growthlens/growthlens/models/indicators"
	"github.com/growthlens/growthlens/models/registry"
)

// tenant is one tenant's serving state. Requests read live once and use that snapshot to the
// end, so a swap never changes a model under a request; reloads build a whole new snapshot
// beside the old one and swap the pointer.
type tenant struct {
	name string
	live atomic.Pointer[snapshot]

	reloadMu sync.Mutex // serializes reloads
	pending  atomic.Bool
	running  atomic.Bool
	first    sync.Once

	dataMu sync.Mutex // serializes writes to the tenant's data directory
	// alertMu serializes posted actuals, so that two posts cannot both raise one alert.
	alertMu sync.Mutex
}

// snapshot is what a tenant serves at one moment: its data and loaded champions. It is never
// changed after it is swapped in.
type snapshot struct {
	data *tenantData
	// champions are the tenant's loaded models; the three views below are built from them
	// (answers encoded in advance, the recommendations cache) and rebuilt when they change.
	champions *champion.Set
	forecast  *forecastModel
	driver    *driverModel
	incentive *incentiveModel
	// diag answers root causes, indicators and alerts from the data with the champion company
	// model (diagnose.go); a new dataset or a new driver champion gets a new one.
	diag *diagnosis
	// problems says, per model name, why its latest champion is not the one served.
	problems map[string]string
	built    time.Time
}

// tenantData is a tenant's dataset as loaded from its data directory.
type tenantData struct {
	dir string
	sig string // signature of the table files (names, sizes, modification times)
	ds  *datasets.Dataset
	// err says why there is no dataset (no directory, no opportunities or revenue table…).
	err     string
	targets map[targetKey]float64
	// cat is the tenant's KPI catalogue: the built-in one with the tenant's additions of
	// version catVersion (0: none; catalogue.go).
	cat        *indicators.Catalogue
	catVersion int
}

// withCatalogue returns the same data with another catalogue (reload then makes a fresh
// diagnosis: the suggestions and cascades depend on the catalogue).
func (d *tenantData) withCatalogue(cat *indicators.Catalogue, version int) *tenantData {
	return &tenantData{dir: d.dir, sig: d.sig, ds: d.ds, err: d.err, targets: d.targets, cat: cat, catVersion: version}
}

// catalogue is the tenant's KPI catalogue.
func (d *tenantData) catalogue() *indicators.Catalogue {
	if d == nil || d.cat == nil {
		return indicators.Default()
	}
	return d.cat
}

type targetKey struct{ period, scope, metric string }

// scopeName formats a scope as the API writes it: company, region:<id>, team:<id>.
func scopeName(level, id string) string {
	if level == "company" || level == "" {
		return "company"
	}
	return level + ":" + id
}

// dataSignature is a cheap fingerprint of a dataset directory's canonical tables and settings
// file: their names, sizes and modification times. An upload replaces a file, which changes it.
func dataSignature(dir string) string {
	if dir == "" {
		return ""
	}
	h := sha256.New()
	n := 0
	for _, t := range datasets.Tables {
		st, err := os.Stat(filepath.Join(dir, t.Name+".csv"))
		if err != nil {
			continue
		}
		n++
		fmt.Fprintf(h, "%s %d %d\n", t.Name, st.Size(), st.ModTime().UnixNano())
	}
	if n == 0 {
		return ""
	}
	// The settings (the currency) are part of the data: a new file reloads the answers.
	if st, err := os.Stat(filepath.Join(dir, datasets.SettingsFile)); err == nil {
		fmt.Fprintf(h, "%s %d %d\n", datasets.SettingsFile, st.Size(), st.ModTime().UnixNano())
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// loadData reads a tenant's dataset. Problems are kept in err, not returned: a tenant whose
// data is missing still serves its forecast.
func loadData(dir, sig string) *tenantData {
	d := &tenantData{dir: dir, sig: sig, targets: map[targetKey]float64{}}
	switch {
	case dir == "":
		d.err = "the server has no data directory for this tenant (see --data-root)"
		return d
	case sig == "":
		d.err = "no dataset has been uploaded for this tenant"
		return d
	}
	ds, _, err := datasets.Load(dir)
	if err != nil {
		d.err = "the tenant's dataset cannot be loaded: " + relErr(err, dir)
		return d
	}
	d.ds = ds
	for _, t := range ds.Targets {
		d.targets[targetKey{t.Period.String(), scopeName(t.Scope, t.ScopeID), t.Metric}] = t.Target
	}
	return d
}

// currency is the ISO 4217 code of the data's amounts ("" without data or a setting).
func (d *tenantData) currency() string {
	if d == nil || d.ds == nil {
		return ""
	}
	return d.ds.Settings.Currency
}

// currency is the tenant's currency code (tenantData.currency).
func (sn *snapshot) currency() string { return sn.data.currency() }

// withCurrency adds "currency" to an answer with amounts of money when the data name it, as
// the forecast's and the what-if's answers carry it.
func withCurrency(currency string, resp map[string]any) map[string]any {
	if currency != "" {
		resp["currency"] = currency
	}
	return resp
}

// relErr removes the server's directory from an error message: clients see file names, not
// where the server keeps them.
func relErr(err error, dir string) string {
	msg := err.Error()
	if dir == "" {
		return msg
	}
	return strings.ReplaceAll(msg, filepath.Clean(dir)+string(filepath.Separator), "")
}

// tenants holds the tenant states, created on first use. Every request looks its tenant up,
// so the lookup of a known tenant takes the read lock only.
type tenants struct {
	mu sync.RWMutex
	m  map[string]*tenant
}

func (ts *tenants) get(name string) (*tenant, bool) {
	ts.mu.RLock()
	t, ok := ts.m[name]
	ts.mu.RUnlock()
	if ok {
		return t, true
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	t, ok = ts.m[name]
	if !ok {
		t = &tenant{name: name}
		ts.m[name] = t
	}
	return t, ok
}

func (ts *tenants) all() []*tenant {
	ts.mu.RLock()
	defer ts.mu.RUnlock()
	out := make([]*tenant, 0, len(ts.m))
	for _, t := range ts.m {
		out = append(out, t)
	}
	return out
}

// tenant returns the state of a tenant, loading it the first time (callers of the first
// request wait for the load; later ones never do).
func (s *Server) tenant(name string) *tenant {
	t, _ := s.tenants.get(name)
	t.first.Do(func() {
		if err := s.reload(t); err != nil {
			s.log.Error("load tenant", "tenant", name, "err", err)
		}
	})
	return t
}

// requestReload asks for a reload of t in the background. Requests that arrive while one
// runs are folded into one more reload after it, so a burst of alias moves costs two loads.
func (s *Server) requestReload(t *tenant) {
	t.pending.Store(true)
	if !t.running.CompareAndSwap(false, true) {
		return
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		for {
			for t.pending.Swap(false) {
				if err := s.reload(t); err != nil {
					s.log.Error("reload tenant", "tenant", t.name, "err", err)
				}
			}
			t.running.Store(false)
			// A request that came after the last Swap but before running was cleared would
			// otherwise be lost.
			if !t.pending.Load() || !t.running.CompareAndSwap(false, true) {
				return
			}
		}
	}()
}

// reload builds a new snapshot of t from the store's champions and the tenant's data and
// swaps it in. Models whose champion version and inputs did not change are carried over, so
// an alias move of one model reloads only that model. A model that fails to load keeps being
// served at its previous version (and the failure is logged and shown in readiness).
func (s *Server) reload(t *tenant) error {
	t.reloadMu.Lock()
	defer t.reloadMu.Unlock()
	if s.closing.Load() {
		return nil
	}
	cur := t.live.Load()
	if cur == nil {
		cur = &snapshot{}
	}
	next := &snapshot{problems: map[string]string{}, built: time.Now()}

	dir := s.cfg.dataDir(t.name)
	sig := dataSignature(dir)
	cat, catVersion := s.tenantCatalogue(t.name)
	switch {
	case cur.data != nil && cur.data.sig == sig && cur.data.dir == dir && cur.data.catVersion == catVersion:
		next.data = cur.data
	case cur.data != nil && cur.data.sig == sig && cur.data.dir == dir:
		next.data = cur.data.withCatalogue(cat, catVersion)
	default:
		next.data = loadData(dir, sig)
		next.data.cat, next.data.catVersion = cat, catVersion
		if next.data.err != "" {
			s.log.Info("tenant data", "tenant", t.name, "problem", next.data.err)
		}
	}
	dataChanged := cur.data == nil || next.data.ds != cur.data.ds || next.data.err != cur.data.err

	set, err := champion.Reload(s.store, t.name, champion.Data{Dataset: next.data.ds, Problem: next.data.err}, cur.champions, dataChanged)
	errs := []error{err}
	next.champions = set
	maps.Copy(next.problems, set.Errors)
	for _, name := range set.Decoded {
		s.metrics.swaps.WithLabelValues(t.name, name).Inc()
		s.log.Info("model loaded", "tenant", t.name, "model", name, "version", set.Version(name))
	}

	// The views: the forecast's answers carry the data's targets, so they are encoded again
	// when the data changes; the others only when their model does.
	if f, v := set.Forecast(); f != nil {
		if cf := cur.forecast; cf != nil && cf.set == f && !dataChanged {
			next.forecast = cf
		} else if fm, err := buildForecast(v, f, next.data); err != nil {
			errs = append(errs, fmt.Errorf("%s v%d: %w", champion.Forecast, v.Version, err))
			next.forecast = cur.forecast
			next.problems[champion.Forecast] = "the latest champion could not be loaded; the previous version is served: " + err.Error()
		} else {
			next.forecast = fm
		}
	}
	if d, v := set.Driver(); d != nil {
		if cd := cur.driver; cd != nil && cd.m == d {
			next.driver = cd
		} else {
			next.driver = &driverModel{version: v, m: d}
		}
	}
	// The diagnosis reads the data, the champion company model and the tenant's catalogue: it
	// is carried over only when none changed, so root causes, indicators, alerts and the
	// cascade follow a promotion or a new catalogue.
	d, _ := set.Driver()
	if cg := cur.diag; cg != nil && !dataChanged && cg.driver == d && cur.data.catVersion == next.data.catVersion {
		next.diag = cg
	} else {
		next.diag = &diagnosis{driver: d}
	}
	if in, v := set.Incentive(); in != nil {
		if ci := cur.incentive; ci != nil && ci.src == in {
			next.incentive = ci
		} else {
			next.incentive = newIncentiveModel(v, in)
		}
	}
	t.live.Store(next)
	s.publish(t.name, cur, next)
	return errors.Join(errs...)
}

// publish updates the gauges of loaded versions and KPI completion after a swap.
func (s *Server) publish(tenantName string, old, next *snapshot) {
	for _, name := range champion.Names() {
		if v := next.champions.Version(name); v > 0 {
			s.metrics.modelVer.WithLabelValues(tenantName, name).Set(float64(v))
		} else {
			s.metrics.modelVer.DeleteLabelValues(tenantName, name)
		}
	}
	if next.forecast != nil && (old.forecast != next.forecast || old.data != next.data) {
		s.metrics.completion.DeletePartialMatch(map[string]string{"tenant": tenantName})
		for _, c := range next.forecast.completions {
			s.metrics.setCompletion(tenantName, c.scope, c.period, c.ratio)
		}
	}
}

// modelRef names the model version an answer came from.
type modelRef struct {
	Name     string    `json:"name"`
	Version  int       `json:"version"`
	Created  time.Time `json:"created"`
	RunID    string    `json:"run_id,omitempty"`
	DataHash string    `json:"data_hash,omitempty"`
}

func refOf(v registry.Version) modelRef {
	return modelRef{Name: v.Name, Version: v.Version, Created: v.Created, RunID: v.RunID, DataHash: v.DataHash}
}

// unavailable is the error for a model the tenant does not have loaded.
func (sn *snapshot) unavailable(name string) *Error {
	msg := sn.champions.Missing[name]
	if msg == "" {
		msg = "no " + name + " model is loaded for this tenant"
	}
	return errorf(EUnavailable, "", "%s", msg)
}

func itoa(n int) string { return strconv.Itoa(n) }
