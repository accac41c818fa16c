package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/growthlens/growthlens/datasets/synth"
	"github.com/growthlens/growthlens/models/champion"
	"github.com/growthlens/growthlens/models/driver"
	"github.com/growthlens/growthlens/models/forecast"
	"github.com/growthlens/growthlens/models/registry"
)

var (
	companyOnce sync.Once
	companyDir  string
	companyErr  error
)

// company generates the default synthetic company once for the package's tests.
func company(t *testing.T) string {
	t.Helper()
	companyOnce.Do(func() {
		dir, err := os.MkdirTemp("", "train-company-")
		if err != nil {
			companyErr = err
			return
		}
		companyDir = filepath.Join(dir, "co")
		_, companyErr = synth.Generate(context.Background(), companyDir, synth.DefaultConfig(), nil)
	})
	if companyErr != nil {
		t.Fatal(companyErr)
	}
	return companyDir
}

// salesOnly copies the tables a forecast and driver model need, without the HR tables, so
// that a run is quick and the incentive model is skipped.
func salesOnly(t *testing.T) string {
	t.Helper()
	src := company(t)
	dst := filepath.Join(t.TempDir(), "sales")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"opportunities", "accounts", "tickets", "purchase_orders", "marketing_spend", "targets", "invoices", "teams", "employees", "expense_claims"} {
		b, err := os.ReadFile(filepath.Join(src, name+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, name+".csv"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func openStore(t *testing.T, dir string) *registry.Store {
	t.Helper()
	s, err := registry.Open(dir, registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestRunTrainsRegistersAndPromotes(t *testing.T) {
	store := openStore(t, t.TempDir())
	cfg := DefaultConfig(company(t))
	rec, err := Run(context.Background(), store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != "succeeded" || len(rec.Models) != 3 {
		t.Fatalf("run %s with %d models (%+v), want succeeded with forecast, driver and incentive", rec.Status, len(rec.Models), rec.Models)
	}
	for _, m := range rec.Models {
		if !m.Promoted || m.Champion != 1 || m.Version != 1 {
			t.Errorf("%s: version %d champion %d promoted %v (%s), want v1 promoted", m.Name, m.Version, m.Champion, m.Promoted, m.Decision)
		}
	}
	// The forecast artifact is a forecast set covering the company, every region and team.
	b, v, err := store.LoadAlias(cfg.Tenant, champion.Forecast, Champion)
	if err != nil {
		t.Fatal(err)
	}
	set, err := forecast.UnmarshalSet(b)
	if err != nil {
		t.Fatal(err)
	}
	co, ok := set.Find("company", "")
	if !ok || co.Forecast == nil || len(co.Forecast.Mean) != cfg.Horizon || len(co.Forecast.Intervals) != 2 {
		t.Fatalf("company forecast missing or wrong shape: %+v", co)
	}
	if n := len(set.Scopes); n < 1+4+4 {
		t.Errorf("%d scopes, want the company, 4 regions and the teams", n)
	}
	if v.DataHash != rec.DataHash || v.RunID != rec.ID || v.Metrics["mase"] <= 0 {
		t.Errorf("metadata %+v does not point back at run %s", v.Metadata, rec.ID)
	}
	// The run record is stored.
	r, err := store.Run(cfg.Tenant, rec.ID)
	if err != nil || !strings.Contains(string(r.Data), rec.DataHash) {
		t.Errorf("run record: %v", err)
	}
}

// TestRunIsReproducible trains twice on the same data and seed: every artifact must be
// byte-identical, so the second run reuses the stored versions.
func TestRunIsReproducible(t *testing.T) {
	store := openStore(t, t.TempDir())
	cfg := DefaultConfig(company(t))
	cfg.Seed = 3
	// Both runs start in the same second, as quick runs on the same data do: each must keep
	// its own record.
	start := time.Date(2026, 11, 27, 9, 26, 39, 0, time.UTC)
	cfg.Now = func() time.Time { return start }
	first, err := Run(context.Background(), store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	second, err := Run(context.Background(), store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range second.Models {
		if m.SHA256 != first.Models[i].SHA256 || !m.Reused || m.Version != first.Models[i].Version {
			t.Errorf("%s: second run sha %s v%d reused %v, first sha %s v%d", m.Name, m.SHA256[:12], m.Version, m.Reused, first.Models[i].SHA256[:12], first.Models[i].Version)
		}
	}
	if first.ID == second.ID {
		t.Fatalf("both runs have id %s", first.ID)
	}
	runs, err := store.Runs(cfg.Tenant, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 {
		t.Fatalf("%d run records, want 2", len(runs))
	}
	for _, r := range runs {
		var got Record
		if err := json.Unmarshal(r.Data, &got); err != nil {
			t.Fatal(err)
		}
		if got.ID != r.ID || got.Status != "succeeded" {
			t.Errorf("record %s holds run %s with status %q, want itself, succeeded", r.ID, got.ID, got.Status)
		}
	}
}

func TestRunSkipsModelsTheDataCannotSupport(t *testing.T) {
	store := openStore(t, t.TempDir())
	rec, err := Run(context.Background(), store, DefaultConfig(salesOnly(t)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range rec.Models {
		names = append(names, m.Name)
	}
	if strings.Join(names, ",") != "forecast,driver" {
		t.Errorf("models %v, want forecast and driver only", names)
	}
	found := false
	for _, w := range rec.Warnings {
		found = found || strings.HasPrefix(w, "incentive: not trained")
	}
	if !found {
		t.Errorf("no warning that the incentive model was not trained: %q", rec.Warnings)
	}
}

func TestConfigValidate(t *testing.T) {
	dir := company(t)
	tests := []struct {
		name  string
		edit  func(*Config)
		field string
	}{
		{"no data", func(c *Config) { c.Data = "" }, "data"},
		{"missing data", func(c *Config) { c.Data = filepath.Join(dir, "nope") }, "data"},
		{"bad promote", func(c *Config) { c.Promote = "sometimes" }, "promote"},
		{"horizon", func(c *Config) { c.Horizon = 40 }, "horizon"},
		{"level", func(c *Config) { c.Levels = []float64{100} }, "levels"},
		{"tenant", func(c *Config) { c.Tenant = "" }, "tenant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig(dir)
			tt.edit(&c)
			if err := c.Validate(); err == nil || !strings.HasPrefix(err.Error(), tt.field+":") {
				t.Errorf("Validate() = %v, want an error naming %s", err, tt.field)
			}
		})
	}
}

// A fit error that a documented data condition explains leaves the model out with a warning;
// any other — a bug, a bad option — fails the run.
func TestFitErrorsThatAreNotDataFailTheRun(t *testing.T) {
	data := salesOnly(t)
	cases := []struct {
		name string
		err  error
		fail bool
	}{
		{"too little data", fmt.Errorf("driver model: %w", driver.ErrNotEnoughData), false},
		{"a bug", errors.New("runtime error: index out of range [3] with length 3"), true},
		{"a bad option", errors.New("driver model: lags 9: want 1 to 8"), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			i := slices.IndexFunc(fitters, func(f fitter) bool { return f.name == "driver" })
			saved := fitters[i]
			t.Cleanup(func() { fitters[i] = saved })
			fitters[i].fn = func(ctx context.Context, in *inputs) (*candidate, []string, error) { return nil, nil, dataLimit(c.err) }

			rec, err := Run(context.Background(), openStore(t, t.TempDir()), DefaultConfig(data))
			if c.fail {
				if err == nil || !strings.Contains(err.Error(), "fit driver") {
					t.Errorf("err = %v, want the run to fail on the driver fit", err)
				}
				if rec == nil || rec.Status != "failed" {
					t.Errorf("record %+v, want status failed", rec)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(rec.Warnings, func(w string) bool { return strings.HasPrefix(w, "driver: not trained: ") }) {
				t.Errorf("warnings %q, want the driver left out", rec.Warnings)
			}
		})
	}
}
