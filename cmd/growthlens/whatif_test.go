package main

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/growthlens/growthlens/datasets/synth"
)

// whatifData generates the default synthetic company (100 employees, a fraction of a second).
func whatifData(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "company")
	if _, err := synth.Generate(context.Background(), dir, synth.DefaultConfig(), nil); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestWhatifJSON(t *testing.T) {
	dir := whatifData(t)
	stdout, _, err := runCLI(t, "whatif", "--refit", "--data", dir, "--scope", "region:East", "--change", "marketing_spend=+15%",
		"--change", "first_response_hours=-50%", "--change", "supply_lead_days=-2", "--draws", "200", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Model struct {
			Effects []struct {
				Driver    string `json:"driver"`
				Role      string `json:"role"`
				Scale     string `json:"scale"`
				Sustained struct {
					Estimate, Lower, Upper float64
				} `json:"sustained"`
				Lags []json.RawMessage `json:"lags"`
			} `json:"effects"`
			Observations int     `json:"observations"`
			Penalty      float64 `json:"penalty"`
			Replicates   int     `json:"replicates"`
		} `json:"model"`
		Scenario struct {
			Scope   string `json:"scope"`
			Changes []struct {
				Driver string  `json:"driver"`
				From   float64 `json:"from"`
				To     float64 `json:"to"`
				Delta  float64 `json:"delta"`
			} `json:"changes"`
			Growth    []struct{ Estimate float64 } `json:"growth"`
			Sustained struct {
				Estimate, Lower, Upper float64
			} `json:"sustained"`
		} `json:"scenario"`
		Seconds *float64 `json:"seconds"`
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("stdout is not a JSON object: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Errorf("stdout holds more than one JSON value")
	}
	if len(got.Model.Effects) != 5 || got.Model.Observations != 72 || got.Model.Replicates != 200 {
		t.Errorf("model: %d effects, %d rows, %d replicates; want 5, 72, 200", len(got.Model.Effects), got.Model.Observations, got.Model.Replicates)
	}
	for _, e := range got.Model.Effects {
		if len(e.Lags) != 2 || e.Role == "" || !(e.Sustained.Lower <= e.Sustained.Estimate && e.Sustained.Estimate <= e.Sustained.Upper) {
			t.Errorf("effect %+v: want a role, two lags and the estimate inside its interval", e)
		}
	}
	sc := got.Scenario
	if sc.Scope != "East" || len(sc.Changes) != 3 || len(sc.Growth) != 2 || got.Seconds == nil {
		t.Fatalf("scenario %+v: want scope East, 3 changes, a 2-quarter growth path, and seconds", sc)
	}
	if c := sc.Changes[1]; c.Driver != "first_response_hours" || c.To != c.From/2 || c.Delta != -c.From/2 {
		t.Errorf("first response −50 %%: %+v, want to = from/2 and delta = −from/2", c)
	}
	if c := sc.Changes[2]; c.Delta != -2 || c.To != c.From-2 {
		t.Errorf("supply −2 days: %+v", c)
	}
	if g := sc.Growth[0].Estimate + sc.Growth[1].Estimate; g-sc.Sustained.Estimate > 1e-12 || sc.Sustained.Estimate-g > 1e-12 {
		t.Errorf("sustained %g is not the sum of the growth path %g", sc.Sustained.Estimate, g)
	}
}

// TestWhatifChampion checks that whatif reads the tenant's registered company model by
// default (the one the API serves), and says how to get one when there is none.
func TestWhatifChampion(t *testing.T) {
	dir := whatifData(t)
	store := filepath.Join(t.TempDir(), "store")
	if _, _, err := runCLI(t, "whatif", "--store", store, "--tenant", "t1", "--change", "marketing_spend=+10%"); err == nil || !strings.Contains(err.Error(), "--refit") {
		t.Fatalf("no store: error %v, want one pointing to train or --refit", err)
	}
	if _, _, err := runCLI(t, "train", "--data", dir, "--store", store, "--tenant", "t1", "--seed", "3"); err != nil {
		t.Fatal(err)
	}
	stdout, _, err := runCLI(t, "whatif", "--store", store, "--tenant", "t1", "--change", "marketing_spend=+10%", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Model struct {
			Replicates int                       `json:"replicates"`
			Priors     map[string]map[string]any `json:"priors"`
		} `json:"model"`
		Scenario struct {
			Sign      int  `json:"sign"`
			Uncertain bool `json:"uncertain"`
		} `json:"scenario"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("stdout is not a JSON object: %v\n%s", err, stdout)
	}
	if got.Model.Replicates != 1000 || len(got.Model.Priors) != 5 || !got.Scenario.Uncertain && got.Scenario.Sign != 1 {
		t.Errorf("champion what-if: %d draws, %d priors, sign %d (uncertain %v); want the trained model's 1000 draws and 5 priors, and more spend not lowering revenue",
			got.Model.Replicates, len(got.Model.Priors), got.Scenario.Sign, got.Scenario.Uncertain)
	}
}

func TestWhatifTable(t *testing.T) {
	dir := whatifData(t)
	stdout, _, err := runCLI(t, "whatif", "--refit", "--data", dir, "--change", "marketing_spend=+15%", "--draws", "100")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stdout, "e+") || strings.Contains(stdout, "e-0") {
		t.Errorf("output has exponent notation:\n%s", stdout)
	}
	for _, want := range []string{"Company model: 72 region-quarters (4 regions", "marketing_spend", "first_response_hours",
		"Scenario for company:", "marketing_spend=+15%", "Quarter 1 after the change", "Once every lag has passed, revenue changes by"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestWhatifErrors(t *testing.T) {
	dir := whatifData(t)
	tests := []struct {
		name     string
		args     []string
		wantErr  string
		wantCode int // 2 for usage errors, 0 for other errors (exit status 1)
	}{
		{"no data", []string{"whatif", "--refit", "--data", "", "--change", "marketing_spend=+1%"}, "--refit needs --data", 2},
		{"no change", []string{"whatif", "--refit", "--data", dir}, "at least one --change", 2},
		{"bad change", []string{"whatif", "--refit", "--data", dir, "--change", "marketing_spend+15%"}, "want driver=+15% or driver=-2", 2},
		{"bad scope", []string{"whatif", "--refit", "--data", dir, "--scope", "country:FR", "--change", "marketing_spend=+1%"}, `--scope "country:FR"`, 2},
		{"unknown region", []string{"whatif", "--refit", "--data", dir, "--scope", "region:Mars", "--change", "marketing_spend=+1%", "--draws", "100"}, `unknown region "Mars"`, 0},
		{"mediator", []string{"whatif", "--refit", "--data", dir, "--change", "win_rate=+5%", "--draws", "100"}, "win_rate is a mediator", 0},
		{"driver not by team", []string{"whatif", "--refit", "--data", dir, "--scope", "team:east-sales-01", "--change", "marketing_spend=+5%", "--draws", "100"}, "marketing_spend is not in the model", 0},
		{"missing data", []string{"whatif", "--refit", "--data", filepath.Join(dir, "nothing-here"), "--change", "marketing_spend=+5%"}, "no such file or directory", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, _, err := runCLI(t, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
			}
			var ee exitError
			if code := 0; errors.As(err, &ee) {
				code = ee.code
				if code != tt.wantCode {
					t.Errorf("exit code %d, want %d", code, tt.wantCode)
				}
			} else if tt.wantCode != 0 {
				t.Errorf("plain error, want exit code %d", tt.wantCode)
			}
			if stdout != "" {
				t.Errorf("stdout %q on error, want nothing", stdout)
			}
		})
	}
}
