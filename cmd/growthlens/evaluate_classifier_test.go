package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEvaluateClassifierJSON(t *testing.T) {
	folds := filepath.Join(t.TempDir(), "folds.csv")
	stdout, stderr, err := runCLI(t, "evaluate", "classifier", "--data", "testdata/attrition.csv",
		"--label", "left", "--positive", "yes", "--folds", "3", "--seed", "0",
		"--models", "logistic,bayes,boost,blend", "--json", "--write-folds", folds)
	if err != nil {
		t.Fatalf("err = %v; stderr:\n%s", err, stderr)
	}
	if n := strings.Count(strings.TrimSpace(stdout), "\n"); n != 0 {
		t.Errorf("stdout has %d lines, want one JSON object", n+1)
	}
	var got struct {
		Rows     int      `json:"rows"`
		Folds    int      `json:"folds"`
		Model    string   `json:"model"`
		Classes  []string `json:"classes"`
		Features []string `json:"features"`
		AUC      *float64 `json:"auc"`
		Accuracy *float64 `json:"accuracy"`
		MacroF1  *float64 `json:"macro_f1"`
		LogLoss  *float64 `json:"logloss"`
		Brier    *float64 `json:"brier"`
		Seconds  *float64 `json:"seconds"`
		PerModel []struct {
			Name string   `json:"name"`
			AUC  *float64 `json:"auc"`
		} `json:"per_model"`
		Baseline struct {
			LogLoss float64 `json:"logloss"`
		} `json:"baseline"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if got.Rows != 120 || got.Folds != 3 || got.Model == "" {
		t.Errorf("rows %d folds %d model %q; want 120, 3, non-empty", got.Rows, got.Folds, got.Model)
	}
	if strings.Join(got.Classes, ",") != "no,yes" {
		t.Errorf("classes = %v, want [no yes] (positive last)", got.Classes)
	}
	if got.AUC == nil || got.Accuracy == nil || got.MacroF1 == nil || got.LogLoss == nil || got.Brier == nil || got.Seconds == nil {
		t.Errorf("a metric is missing: %s", stdout)
	}
	if len(got.PerModel) != 4 {
		t.Errorf("per_model has %d entries, want 4", len(got.PerModel))
	}
	if strings.Join(got.Features, ",") != "dept,tenure,income" {
		t.Errorf("features = %v; id and constant should be dropped, target excluded", got.Features)
	}
	for _, col := range []string{"id", "constant"} {
		if !strings.Contains(stderr, "column="+col) {
			t.Errorf("stderr does not note dropping %s:\n%s", col, stderr)
		}
	}
	b, err := os.ReadFile(folds)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(b), "\n"); lines != 121 {
		t.Errorf("folds file has %d lines, want header + 120", lines)
	}
}

func TestEvaluateClassifierErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	oneClass := write("one.csv", "x,y\n1,a\n2,a\n3,a\n")
	oneRow := write("row.csv", "x,y\n1,a\n")
	inf := write("inf.csv", "x,y\n1,a\nInf,b\n")
	cases := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no data flag", []string{"--label", "y"}, "--data and --label are required"},
		{"unknown target", []string{"--data", oneClass, "--label", "z"}, `no column "z"`},
		{"unknown drop", []string{"--data", "testdata/attrition.csv", "--label", "left", "--drop", "nope"}, `no column "nope"`},
		{"one class", []string{"--data", oneClass, "--label", "y"}, "at least two classes"},
		{"one row", []string{"--data", oneRow, "--label", "y"}, "at least two classes"},
		{"infinite value", []string{"--data", inf, "--label", "y"}, "not finite"},
		{"unknown model", []string{"--data", "testdata/attrition.csv", "--label", "left", "--models", "svm"}, `unknown model family "svm"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stdout, _, err := runCLI(t, append([]string{"evaluate", "classifier", "--json"}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want one containing %q", err, tc.wantErr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing on error", stdout)
			}
		})
	}
}

func TestEvaluateClassifierMissingTargetAndEmptyColumn(t *testing.T) {
	var b strings.Builder
	b.WriteString("x,empty,y\n")
	for i := 0; i < 40; i++ {
		label := []string{"a", "b"}[i%2]
		if i == 7 {
			label = "NA"
		}
		b.WriteString(strings.Join([]string{strings.Repeat("1", 1+i%5), "", label}, ",") + "\n")
	}
	p := filepath.Join(t.TempDir(), "d.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	folds := filepath.Join(t.TempDir(), "folds.csv")
	stdout, stderr, err := runCLI(t, "evaluate", "classifier", "--data", p, "--label", "y", "--folds", "3", "--models", "logistic", "--json", "--write-folds", folds)
	if err != nil {
		t.Fatalf("err = %v\n%s", err, stderr)
	}
	var got struct {
		Rows     int      `json:"rows"`
		Features []string `json:"features"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if got.Rows != 39 || strings.Join(got.Features, ",") != "x" {
		t.Errorf("rows %d features %v; want 39 (the row without a target left out) and [x]", got.Rows, got.Features)
	}
	fb, err := os.ReadFile(folds)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(fb), "\n7,") || !strings.Contains(string(fb), "\n39,") {
		t.Errorf("folds file should number rows as in the data file, skipping row 7:\n%s", fb)
	}
	for _, want := range []string{"rows without a target value", "column=empty"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}
