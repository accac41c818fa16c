package champion

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/models/company"
	"github.com/growthlens/growthlens/models/driver"
	"github.com/growthlens/growthlens/models/forecast"
	"github.com/growthlens/growthlens/models/incentive"
	"github.com/growthlens/growthlens/models/registry"
)

// Model names in the registry: the training pipeline's champions.
const (
	// Forecast is the forecast set (*forecast.Set): every scope's quarterly forecast.
	Forecast = "forecast"
	// Driver is the company model (models/company), decoded as its *driver.Model: the driver
	// effects with posterior draws behind what-if, attribution, root causes, indicators and
	// alerts (Set.Company).
	Driver = "driver"
	// Incentive is the incentive recommender over the tenant's HR data (*Incentives).
	Incentive = "incentive"
)

// Kind says how one model name is decoded.
type Kind struct {
	Name string
	// Decode turns a champion's artifact into the model served. A model that cannot be
	// served for lack of data returns a *NoDataError (recorded in Set.Missing, not an error).
	Decode func(b []byte, d Data) (any, error)
	// UsesData says the decoded model depends on the tenant's dataset, so it is decoded
	// again when the dataset changes even if its version did not.
	UsesData bool
}

// Kinds is the table of the model names a tenant serves, in the order they are loaded.
var Kinds = []Kind{
	{Name: Forecast, Decode: func(b []byte, _ Data) (any, error) { return forecast.UnmarshalSet(b) }},
	{Name: Driver, Decode: func(b []byte, _ Data) (any, error) { return driver.Unmarshal(b) }},
	{Name: Incentive, Decode: decodeIncentive, UsesData: true},
}

// Names returns the model names of Kinds in order.
func Names() []string {
	out := make([]string, len(Kinds))
	for i, k := range Kinds {
		out[i] = k.Name
	}
	return out
}

// Data is the tenant's dataset the decoders read: nil Dataset when the tenant has none, and
// Problem then says why ("no dataset has been uploaded for this tenant"), for messages.
type Data struct {
	Dataset *datasets.Dataset
	Problem string
}

// NoDataError says a model cannot be served for lack of data; it is not a fault of the
// model or the store.
type NoDataError struct{ Msg string }

func (e *NoDataError) Error() string { return e.Msg }

// Model is one loaded champion: its registry record and its decoded value.
type Model struct {
	Version registry.Version
	Value   any
}

// Set is a tenant's loaded champions. It is never changed after Load or Reload returns it,
// so it can be shared by concurrent readers.
type Set struct {
	Tenant string
	models map[string]*Model
	// Missing says, by model name, why a model is not loaded (no champion yet, no data).
	Missing map[string]string
	// Skipped says, by model name, why the tenant's latest successful training run could not
	// fit a model it has no champion of (its data lacks what the model needs): training again
	// on the same data will not help, and messages must not say it would.
	Skipped map[string]string
	// Errors says, by model name, why the latest champion could not be read or decoded; the
	// previous Set's model of that name, if any, is served instead.
	Errors map[string]string
	// Decoded lists the names whose model was read and decoded by this load (the others
	// were carried over from the previous Set or are missing).
	Decoded []string

	companyOnce sync.Once
	company     *company.Model
}

// Model returns the loaded model of a name, or nil.
func (s *Set) Model(name string) *Model {
	if s == nil {
		return nil
	}
	return s.models[name]
}

// Version returns the loaded version of a name, 0 when none is loaded.
func (s *Set) Version(name string) int {
	if m := s.Model(name); m != nil {
		return m.Version.Version
	}
	return 0
}

// Forecast returns the loaded forecast set and its version, or nil.
func (s *Set) Forecast() (*forecast.Set, registry.Version) { return get[*forecast.Set](s, Forecast) }

// Driver returns the loaded driver model and its version, or nil.
func (s *Set) Driver() (*driver.Model, registry.Version) { return get[*driver.Model](s, Driver) }

// Company returns the loaded company model and its version, or nil — also nil when the
// driver champion was trained by an older build without priors (retrain to get one).
func (s *Set) Company() (*company.Model, registry.Version) {
	d, v := s.Driver()
	if d == nil || d.Priors == nil {
		return nil, v
	}
	s.companyOnce.Do(func() { s.company = company.FromDriver(d) })
	return s.company, v
}

// Incentive returns the loaded incentive recommender and its version, or nil.
func (s *Set) Incentive() (*Incentives, registry.Version) { return get[*Incentives](s, Incentive) }

func get[T any](s *Set, name string) (T, registry.Version) {
	var zero T
	m := s.Model(name)
	if m == nil {
		return zero, registry.Version{}
	}
	v, ok := m.Value.(T)
	if !ok {
		return zero, registry.Version{}
	}
	return v, m.Version
}

// Load reads and decodes the champion of every name in Kinds for tenant. A name without a
// champion, or whose model needs data the tenant lacks, is recorded in Missing; a champion
// that cannot be read or decoded is recorded in Errors and returned in the joined error.
func Load(st registry.Store, tenant string, d Data) (*Set, error) {
	return Reload(st, tenant, d, nil, true)
}

// Reload is Load that reuses prev's model of a name when its champion is still the same
// version and, for a model that UsesData, the dataset did not change (dataChanged false).
// When a name's champion cannot be read or decoded, prev's model of that name is kept and
// the failure is recorded in Errors and returned (joined with the others).
func Reload(st registry.Store, tenant string, d Data, prev *Set, dataChanged bool) (*Set, error) {
	next := &Set{Tenant: tenant, models: map[string]*Model{}, Missing: map[string]string{}, Skipped: map[string]string{}, Errors: map[string]string{}}
	var errs []error
	for _, k := range Kinds {
		err := next.load(st, k, d, prev, dataChanged)
		if err == nil {
			continue
		}
		errs = append(errs, err)
		if old := prev.Model(k.Name); old != nil {
			next.models[k.Name] = old
		}
		next.Errors[k.Name] = "the latest champion could not be loaded; the previous version is served: " + err.Error()
	}
	return next, errors.Join(errs...)
}

// load loads one name into s.
func (s *Set) load(st registry.Store, k Kind, d Data, prev *Set, dataChanged bool) error {
	al, err := st.Alias(s.Tenant, k.Name, registry.Champion)
	if errors.Is(err, registry.ErrNotFound) {
		if run, why := lastSkip(st, s.Tenant, k.Name); why != "" {
			s.Skipped[k.Name] = why
			s.Missing[k.Name] = "no " + k.Name + " model for tenant " + s.Tenant +
				": the latest training run (" + run + ") could not fit one from the data: " + why
			return nil
		}
		s.Missing[k.Name] = "no champion " + k.Name + " model for tenant " + s.Tenant +
			" yet: train first (growthlens train, or POST /v1/training-runs)"
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", k.Name, err)
	}
	if old := prev.Model(k.Name); old != nil && old.Version.Version == al.Version && !(k.UsesData && dataChanged) {
		s.models[k.Name] = old
		return nil
	}
	b, v, err := st.LoadAlias(s.Tenant, k.Name, registry.Champion)
	if err != nil {
		return fmt.Errorf("%s: %w", k.Name, err)
	}
	val, err := k.Decode(b, d)
	var nd *NoDataError
	if errors.As(err, &nd) {
		s.Missing[k.Name] = nd.Msg
		return nil
	}
	if err != nil {
		return fmt.Errorf("decode %s v%d: %w", k.Name, v.Version, err)
	}
	s.models[k.Name] = &Model{Version: v, Value: val}
	s.Decoded = append(s.Decoded, k.Name)
	return nil
}

// runNotes is the part of a training run record (train.Record, stored by the registry) that
// the loader reads: its status and, by model name, why the data could not support a model.
type runNotes struct {
	ID      string            `json:"id"`
	Status  string            `json:"status"`
	Skipped map[string]string `json:"skipped"`
}

// lastSkip returns the id of the tenant's latest succeeded training run and why it left the
// model name out for lack of data, or "" when it fitted the model, no run succeeded yet, or
// the records cannot be read (the caller then says "train first", as it did before).
func lastSkip(st registry.Store, tenant, name string) (run, why string) {
	recs, err := st.Runs(tenant, 20)
	if err != nil {
		return "", ""
	}
	for _, r := range recs {
		var n runNotes
		if json.Unmarshal(r.Data, &n) != nil || n.Status != "succeeded" {
			continue
		}
		return n.ID, n.Skipped[name]
	}
	return "", ""
}

// Incentives is a loaded incentive champion: the recommender over the tenant's HR data and
// the recommendation of every employee on staff on AsOf, computed once at load with
// StaffTop options explained, in the employees table's order.
type Incentives struct {
	Recommender *incentive.Recommender
	// AsOf is the day after the HR data the recommender observed.
	AsOf  time.Time
	Staff []incentive.Recommendation
	// Leavers are the expected leavers within 12 months of the staff (company, regions,
	// teams) and Turnover the turnover of the three years before AsOf, company-wide.
	Leavers  []incentive.Leavers
	Turnover []incentive.Turnover
}

// TurnoverYears is how many past years Incentives.Turnover covers.
const TurnoverYears = 3

// StaffTop is how many options per employee carry reasons in Incentives.Staff: every
// option a recommender ranks, so that any top a caller asks for can be cut from them.
const StaffTop = 7

func decodeIncentive(b []byte, d Data) (any, error) {
	if d.Dataset == nil || !d.Dataset.Present("employees") {
		why := "the tenant's data has no employees table"
		if d.Problem != "" {
			why = d.Problem
		}
		return nil, &NoDataError{"incentive recommendations need the tenant's HR data: " + why}
	}
	r, err := incentive.Restore(b, d.Dataset)
	if err != nil {
		return nil, err
	}
	in := &Incentives{Recommender: r, AsOf: r.ObservedUntil().AddDate(0, 0, 1), Staff: []incentive.Recommendation{}}
	ids, err := r.OnStaff(time.Time{}, "")
	if err != nil {
		return nil, fmt.Errorf("employees on staff: %w", err)
	}
	if len(ids) == 0 {
		return in, nil
	}
	if in.Staff, err = r.Recommend(context.Background(), ids, incentive.Options{Top: StaffTop}); err != nil {
		return nil, fmt.Errorf("recommend for the employees on staff: %w", err)
	}
	in.Leavers = r.LeaversOf(in.Staff)
	if in.Turnover, err = r.PastTurnover(incentive.Options{}, TurnoverYears, "company"); err != nil {
		return nil, fmt.Errorf("past turnover: %w", err)
	}
	return in, nil
}
