package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

var (
	additiveArgs = []string{"rootcause", "slices", "--file", "testdata/east_gtx.csv", "--dims", "region,product,channel",
		"--actual", "revenue", "--expected", "target"}
	ratioArgs = []string{"rootcause", "slices", "--file", "testdata/west_online_winrate.csv", "--dims", "region,product,channel",
		"--numerator", "won", "--denominator", "leads", "--expected-numerator", "won_plan", "--expected-denominator", "leads_plan"}
)

func TestRootcauseSlicesJSON(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantTop map[string]string
		kind    string
	}{
		{"additive", additiveArgs, map[string]string{"region": "East", "product": "GTX"}, "additive"},
		{"ratio", ratioArgs, map[string]string{"region": "West", "channel": "online"}, "ratio"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, _, err := runCLI(t, append(append([]string{}, tt.args...), "--json", "--top", "4")...)
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				Slices []struct {
					Slice       map[string]string `json:"slice"`
					Score       *float64          `json:"score"`
					Share       *float64          `json:"share"`
					Surprise    *float64          `json:"surprise"`
					Significant bool              `json:"significant"`
				} `json:"slices"`
				NoDominantCause *bool    `json:"no_dominant_cause"`
				Seconds         *float64 `json:"seconds"`
				Kind            string   `json:"kind"`
				MixShare        *float64 `json:"mix_share"`
			}
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
			}
			if got.NoDominantCause == nil || *got.NoDominantCause {
				t.Errorf("no_dominant_cause = %v, want false", got.NoDominantCause)
			}
			if got.Seconds == nil || *got.Seconds < 0 {
				t.Errorf("seconds = %v, want a non-negative number", got.Seconds)
			}
			if got.Kind != tt.kind {
				t.Errorf("kind = %q, want %q", got.Kind, tt.kind)
			}
			if (got.MixShare != nil) != (tt.kind == "ratio") {
				t.Errorf("mix_share present = %v, want %v", got.MixShare != nil, tt.kind == "ratio")
			}
			if len(got.Slices) != 4 {
				t.Fatalf("got %d slices, want --top 4", len(got.Slices))
			}
			top := got.Slices[0]
			if !mapsEqual(top.Slice, tt.wantTop) || !top.Significant {
				t.Errorf("top slice %v (significant %v), want %v significant", top.Slice, top.Significant, tt.wantTop)
			}
			if top.Score == nil || top.Share == nil || top.Surprise == nil {
				t.Errorf("top slice lacks score, share or surprise: %s", stdout)
			}
		})
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestRootcauseSlicesTable(t *testing.T) {
	stdout, _, err := runCLI(t, additiveArgs...)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"48 leaves, additive KPI", "region=East & product=GTX", "significant"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "{") {
		t.Errorf("table output looks like JSON:\n%s", stdout)
	}
}

func TestRootcauseSlicesErrors(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		want     string
		wantCode int // 2 for usage errors, 0 for data errors (exit 1)
	}{
		{"no file", []string{"rootcause", "slices", "--dims", "region", "--actual", "revenue", "--expected", "target"}, "--file is required", 2},
		{"no dims", []string{"rootcause", "slices", "--file", "testdata/east_gtx.csv", "--actual", "revenue", "--expected", "target"}, "--dims is required", 2},
		{"no KPI", []string{"rootcause", "slices", "--file", "testdata/east_gtx.csv", "--dims", "region"}, "no KPI columns", 2},
		{"mixed KPI", append(append([]string{}, additiveArgs...), "--numerator", "won"), "not both", 2},
		{"bad top", append(append([]string{}, additiveArgs...), "--top", "0"), "--top 0", 2},
		{"unknown dimension", []string{"rootcause", "slices", "--file", "testdata/east_gtx.csv", "--dims", "region,teritory",
			"--actual", "revenue", "--expected", "target"}, `unknown dimension column "teritory"`, 0},
		{"missing file", []string{"rootcause", "slices", "--file", "testdata/nope.csv", "--dims", "region",
			"--actual", "revenue", "--expected", "target"}, "nope.csv", 0},
		{"empty leaves", []string{"rootcause", "slices", "--file", "testdata/header_only.csv", "--dims", "region",
			"--actual", "revenue", "--expected", "target"}, "no leaf rows", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, _, err := runCLI(t, tt.args...)
			if err == nil {
				t.Fatalf("got no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			var ee exitError
			code := 0
			if errors.As(err, &ee) {
				code = ee.code
			}
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d", code, tt.wantCode)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing on error", stdout)
			}
		})
	}
}

// TestRootcauseSlicesInterface pins the command line and the output shape that the external
// real-incident check runs (issue 15): a ratio KPI given as value over cnt with expected
// columns, --top 10 --json, and slices[].slice as a map of dimension to value. The fixture
// (testdata/failure_rate.csv, 36 leaves) triples the failure rate of a=a2 & b=b1.
func TestRootcauseSlicesInterface(t *testing.T) {
	stdout, _, err := runCLI(t, "rootcause", "slices", "--file", "testdata/failure_rate.csv", "--dims", "a,b,c",
		"--numerator", "value", "--denominator", "cnt", "--expected-numerator", "exp_value", "--expected-denominator", "exp_cnt",
		"--top", "10", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Slices []struct {
			Slice map[string]string `json:"slice"`
		} `json:"slices"`
		Kind   string `json:"kind"`
		Leaves int    `json:"leaves"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
	}
	if got.Kind != "ratio" || got.Leaves != 36 {
		t.Errorf("kind %q over %d leaves, want ratio over 36", got.Kind, got.Leaves)
	}
	if len(got.Slices) != 10 {
		t.Fatalf("got %d slices, want --top 10", len(got.Slices))
	}
	if want := map[string]string{"a": "a2", "b": "b1"}; !mapsEqual(got.Slices[0].Slice, want) {
		t.Errorf("first slice %v, want %v", got.Slices[0].Slice, want)
	}
	for i, s := range got.Slices {
		if len(s.Slice) == 0 || len(s.Slice) > 3 {
			t.Errorf("slice %d: %v, want a map of one to three dimensions", i, s.Slice)
		}
		for d, v := range s.Slice {
			if !strings.HasPrefix(v, d) {
				t.Errorf("slice %d: %s=%s is not a value of dimension %s", i, d, v, d)
			}
		}
	}
}

func TestEvaluateSlices(t *testing.T) {
	stdout, _, err := runCLI(t, "evaluate", "slices", "--bench", "B1", "--methods", "current,naive", "--cases", "3", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Rows []struct {
			Bench, Method string
			Cases         int
			Recall3       *float64 `json:"recall3"`
			MRR           *float64 `json:"mrr"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
	}
	if len(got.Rows) != 2 || got.Rows[0].Method != "current" || got.Rows[1].Method != "naive" {
		t.Fatalf("rows %+v, want current and naive on B1", got.Rows)
	}
	for _, r := range got.Rows {
		if r.Bench != "B1" || r.Cases != 3 || r.Recall3 == nil || *r.Recall3 < 0 || *r.Recall3 > 1 || r.MRR == nil {
			t.Errorf("row %+v: want B1, 3 cases, recall@3 and MRR in [0, 1]", r)
		}
	}
	if _, _, err := runCLI(t, "evaluate", "slices", "--bench", "nope"); err == nil || !strings.Contains(err.Error(), "unknown bench") {
		t.Errorf("--bench nope: error %v, want unknown bench", err)
	}
}
