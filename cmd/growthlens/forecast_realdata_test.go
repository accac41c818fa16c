package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// shortImport is models/diagnose's hand-made CRM import shaped like the Maven export.
var shortImport = filepath.Join("..", "..", "models", "diagnose", "testdata", "crm-short")

// trainedShortImport trains shortImport into a new store as tenant crm.
func trainedShortImport(t *testing.T) (data, store string, mustRun func(args ...string) string) {
	t.Helper()
	store = filepath.Join(t.TempDir(), "store")
	mustRun = cliRunner(t)
	mustRun("train", "--data", shortImport, "--store", store, "--tenant", "crm")
	return shortImport, store, mustRun
}

// A CRM import shaped like the Maven export (three complete quarters of 2017, the first
// quarter partial; the fixture is models/diagnose's): growthlens forecast said "(model v1,
// data to 2018-01-01, naive)" — the day after the data, and the method of a forecast it did
// not show — and "withheld, because …. import 5 more quarters …" with the fix run on as a
// lower-case sentence.
func TestForecastWithheldOnAShortImport(t *testing.T) {
	data, store, mustRun := trainedShortImport(t)
	out := mustRun("forecast", "--data", data, "--store", store, "--tenant", "crm")
	for _, want := range []string{
		"company revenue forecast (model v1, data before 2018-01-01)\n",
		"withheld, because only 3 complete quarters of history (2017Q2 to 2017Q4)",
		". What would help: import 5 more quarters of history (back to 2016Q1), or wait until 2019Q1 is complete.\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("forecast printed\n%s\nwant it to contain %q", out, want)
		}
	}
}

// On the same import the commands that need the company model or the incentive models told
// the tenant "run growthlens train, or pass --refit …" right after training: they must say
// why the data could not support the model, and not to train again.
func TestModelsTheDataCannotSupportSayWhy(t *testing.T) {
	data, store, _ := trainedShortImport(t)
	for _, args := range [][]string{
		{"whatif", "--change", "marketing_spend=+10%", "--data", data},
		{"attribution", "--period", "2017Q4"},
		{"recommend", "--data", data},
		{"cascade", "--period", "2018", "--target", "0.2", "--data", data},
	} {
		t.Run(args[0], func(t *testing.T) {
			_, _, err := runCLI(t, append(args, "--store", store, "--tenant", "crm")...)
			if err == nil || !strings.Contains(err.Error(), "could not fit one from the data") || strings.Contains(err.Error(), "run growthlens train") {
				t.Errorf("err = %v; want the data's reason and no advice to train again", err)
			}
		})
	}
}

// growthlens evaluate pipeline --data printed the month-end amounts bare ("721,900") on the
// Maven import, whose dataset says USD.
func TestMonthEndAmountsCarryTheCurrency(t *testing.T) {
	out := cliRunner(t)("evaluate", "pipeline", "--data", shortImport, "--year", "2017")
	rows := 0
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 2 && strings.HasPrefix(f[0], "2017-") && (f[1] == "month" || f[1] == "quarter") {
			rows++
			if strings.Count(line, " USD") != 5 {
				t.Errorf("row %q: want its five amounts in USD", line)
			}
		}
	}
	if rows == 0 {
		t.Fatalf("no month-end row in\n%s", out)
	}
}

// growthlens indicators refused the import ("has no company model") while GET /v1/indicators
// and the review page answered it on the catalogue's priors: the CLI answers too.
func TestIndicatorsWithoutACompanyModel(t *testing.T) {
	data, store, mustRun := trainedShortImport(t)
	out := mustRun("indicators", "--data", data, "--store", store, "--tenant", "crm", "--role", "sales")
	if !strings.Contains(out, "Revenue") || !strings.Contains(out, "company model not fitted") {
		t.Errorf("indicators printed\n%s\nwant the sales indicators and the note that no company model could be fitted", out)
	}
}
