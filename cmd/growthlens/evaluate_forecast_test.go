package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestEvaluateForecastJSON(t *testing.T) {
	var out, errOut bytes.Buffer
	root := newRootCmd(&out, &errOut)
	root.SetArgs([]string{"evaluate", "forecast", "--format", "m4", "--seasonal-period", "4",
		"--train", "../../models/forecast/evaluation/testdata/m4_train.csv",
		"--test", "../../models/forecast/evaluation/testdata/m4_test.csv",
		"--method", "theta", "--levels", "50,90", "--json"})
	if err := root.Execute(); err != nil {
		t.Fatalf("execute: %v\nstderr: %s", err, errOut.String())
	}
	var got map[string]any
	dec := json.NewDecoder(&out)
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("stdout is not one JSON object: %v", err)
	}
	if dec.More() {
		t.Error("stdout holds more than one JSON value")
	}
	for _, k := range []string{"series", "horizon", "smape", "mase", "owa", "coverage50", "coverage90", "msis", "seconds", "per_method"} {
		if _, ok := got[k]; !ok {
			t.Errorf("missing key %q", k)
		}
	}
	if got["method"] != "theta" {
		t.Errorf("method %v, want theta", got["method"])
	}
}

func TestEvaluateForecastBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad level", []string{"--levels", "80,120"}, "--levels"},
		{"bad format", []string{"--format", "wide"}, "--format"},
		{"unknown method", []string{"--method", "prophet"}, "unknown method"},
		{"missing file", []string{"--train", "nope.csv"}, "nope.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			root := newRootCmd(&out, &errOut)
			args := []string{"evaluate", "forecast", "--format", "m4",
				"--train", "../../models/forecast/evaluation/testdata/m4_train.csv",
				"--test", "../../models/forecast/evaluation/testdata/m4_test.csv"}
			root.SetArgs(append(args, tt.args...))
			err := root.Execute()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}
