package train

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/growthlens/growthlens/models/champion"
)

// A CRM import (the Maven export's shape: deals and the sales agents, all hired on one
// date, no driver table, no incentive history) trains a forecast only. The review page,
// the API and the CLI then said "no champion driver model for tenant … yet: train first" to
// a tenant that had just trained: they must say why the data could not support the model.
func TestUntrainableModelsSayWhy(t *testing.T) {
	dir := t.TempDir()
	writeMavenLike(t, dir)
	emp := "employee_id,role,team_id,region,hire_date\nE0,sales,east-1,East,2016-10-01\nE1,sales,west-1,West,2016-10-01\n"
	if err := os.WriteFile(filepath.Join(dir, "employees.csv"), []byte(emp), 0o644); err != nil {
		t.Fatal(err)
	}
	store := openStore(t, t.TempDir())
	cfg := DefaultConfig(dir)
	cfg.Tenant = "crm"
	rec, err := Run(context.Background(), store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Models) != 1 || rec.Models[0].Name != champion.Forecast {
		t.Fatalf("models %+v, want the forecast only", rec.Models)
	}
	set, err := champion.Load(store, "crm", champion.Data{})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		champion.Driver:    "no driver moves: driver marketing_spend dropped: not in the data",
		champion.Incentive: "the data has no rewards table",
	} {
		got := set.Missing[name]
		if strings.Contains(got, "train first") || !strings.Contains(got, "the latest training run ("+rec.ID+") could not fit one from the data") || !strings.Contains(got, want) {
			t.Errorf("%s missing: %q, want the run %s's reason containing %q and no \"train first\"", name, got, rec.ID, want)
		}
		if set.Skipped[name] == "" {
			t.Errorf("%s: Skipped is empty, want the reason", name)
		}
	}
	if strings.Contains(set.Missing[champion.Driver], "[") {
		t.Errorf("driver reason %q reads as a Go slice", set.Missing[champion.Driver])
	}

	// A tenant that never trained is still told to train.
	none, err := champion.Load(store, "other", champion.Data{})
	if err != nil {
		t.Fatal(err)
	}
	if got := none.Missing[champion.Driver]; !strings.Contains(got, "train first") || none.Skipped[champion.Driver] != "" {
		t.Errorf("untrained tenant: %q (skipped %q), want train first", got, none.Skipped[champion.Driver])
	}
}
