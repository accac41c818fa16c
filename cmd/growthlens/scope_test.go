package main

import "testing"

// TestCLIScope: the CLI reads a scope as the API writes it, and refuses what the forecast
// has no scope for (an employee, a level without an id, a bare name).
func TestCLIScope(t *testing.T) {
	for in, want := range map[string]string{"": "company", "company": "company", "region:East": "region:East", "team:T01": "team:T01"} {
		if got, err := cliScope(in); err != nil || got != want {
			t.Errorf("cliScope(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"region:", "employee:E000006", "East", "country:CN"} {
		if got, err := cliScope(in); err == nil {
			t.Errorf("cliScope(%q) = %q, want an error", in, got)
		}
	}
}
