package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// A CRM import shaped like the Maven export (three complete quarters of 2017, the first
// quarter partial; the fixture is models/diagnose's): growthlens forecast said "(model v1,
// data to 2018-01-01, naive)" — the day after the data, and the method of a forecast it did
// not show — and "withheld, because …. import 5 more quarters …" with the fix run on as a
// lower-case sentence.
func TestForecastWithheldOnAShortImport(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	data := filepath.Join("..", "..", "models", "diagnose", "testdata", "crm-short")
	mustRun := cliRunner(t)
	mustRun("train", "--data", data, "--store", store, "--tenant", "crm")
	out := mustRun("forecast", "--data", data, "--store", store, "--tenant", "crm")
	for _, want := range []string{
		"company revenue forecast (model v1, data to 2017-12-31)\n",
		"withheld, because only 3 complete quarters of history (2017Q2 to 2017Q4)",
		". What would help: import 5 more quarters of history (back to 2016Q1), or wait until 2019Q1 is complete.\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("forecast printed\n%s\nwant it to contain %q", out, want)
		}
	}
}
