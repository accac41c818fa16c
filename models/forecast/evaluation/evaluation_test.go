package evaluation

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/growthlens/growthlens/internal/shareddata"
	"github.com/growthlens/growthlens/models/forecast"
)

func readFile(t *testing.T, path string, m4 bool) []Item {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var items []Item
	if m4 {
		items, err = ReadM4(f, 4)
	} else {
		items, err = ReadLong(f)
	}
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return items
}

func TestReadLongAndM4Agree(t *testing.T) {
	long := readFile(t, "testdata/long_train.csv", false)
	m4 := readFile(t, "testdata/m4_train.csv", true)
	if len(long) != 3 || len(m4) != 3 {
		t.Fatalf("read %d long and %d m4 series, want 3 and 3", len(long), len(m4))
	}
	wantLen := map[string]int{"S1": 20, "S2": 17, "S3": 26}
	for i := range long {
		if long[i].ID != m4[i].ID {
			t.Errorf("series %d: ids %s and %s", i, long[i].ID, m4[i].ID)
		}
		if got := len(long[i].Series.Values); got != wantLen[long[i].ID] {
			t.Errorf("%s: %d values, want %d", long[i].ID, got, wantLen[long[i].ID])
		}
		for j, v := range long[i].Series.Values {
			if m4[i].Series.Values[j] != v {
				t.Fatalf("%s[%d]: long %v, m4 %v", long[i].ID, j, v, m4[i].Series.Values[j])
			}
		}
	}
	if got, want := long[0].Series.Start, (forecast.PeriodIndex{Year: 2010, Sub: 2}); got != want {
		t.Errorf("start %v, want %v", got, want)
	}
}

func TestReadLongRejects(t *testing.T) {
	const header = "id,t,year,quarter,y\n"
	tests := []struct {
		name string
		body string
		want error
	}{
		{"gap in quarters", header + "A,1,2020,1,5\nA,2,2020,3,6\n", forecast.ErrGap},
		{"gap in t", header + "A,1,2020,1,5\nA,3,2020,2,6\n", forecast.ErrGap},
		{"rows not contiguous", header + "A,1,2020,1,5\nB,1,2020,1,5\nA,2,2020,2,6\n", ErrFormat},
		{"NaN", header + "A,1,2020,1,5\nA,2,2020,2,NaN\n", forecast.ErrNonFinite},
		{"Inf", header + "A,1,2020,1,5\nA,2,2020,2,Inf\n", forecast.ErrNonFinite},
		{"not a number", header + "A,1,2020,1,5\nA,2,2020,2,abc\n", ErrFormat},
		{"missing column", "id,t,year,y\nA,1,2020,5\n", ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadLong(strings.NewReader(tt.body))
			if !errors.Is(err, tt.want) {
				t.Errorf("ReadLong error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestReadM4Rejects(t *testing.T) {
	tests := []struct {
		name string
		body string
		want error
	}{
		{"hole inside a row", "V1,V2,V3,V4\nA,1,,3\n", forecast.ErrGap},
		{"duplicate id", "V1,V2,V3\nA,1,2\nA,3,4\n", ErrFormat},
		{"no id", "V1,V2\n,1\n", ErrFormat},
		{"NaN", "V1,V2,V3\nA,1,NaN\n", forecast.ErrNonFinite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadM4(strings.NewReader(tt.body), 4)
			if !errors.Is(err, tt.want) {
				t.Errorf("ReadM4 error = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := ReadM4(strings.NewReader("V1,V2\nA,1\n"), 0); !errors.Is(err, forecast.ErrPeriod) {
		t.Errorf("period 0: error %v, want ErrPeriod", err)
	}
}

func TestPair(t *testing.T) {
	train := readFile(t, "testdata/long_train.csv", false)
	test := readFile(t, "testdata/long_test.csv", false)
	cases, err := Pair(train, test)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 3 || len(cases[0].Test) != 4 {
		t.Fatalf("%d cases, first test %d; want 3 and 4", len(cases), len(cases[0].Test))
	}
	if _, err := Pair(train, test[:2]); !errors.Is(err, ErrFormat) {
		t.Errorf("missing test series: error %v, want ErrFormat", err)
	}
	if _, err := Pair(train[:2], test); !errors.Is(err, ErrFormat) {
		t.Errorf("extra test series: error %v, want ErrFormat", err)
	}
	// A test that does not start where the training ends.
	shifted := append([]Item(nil), test...)
	shifted[0].firstT++
	if _, err := Pair(train, shifted); !errors.Is(err, forecast.ErrGap) {
		t.Errorf("shifted test: error %v, want ErrGap", err)
	}
}

func TestScoreByHand(t *testing.T) {
	cases := []Case{{ID: "A", Train: forecast.Series{Values: []float64{10, 11, 12, 13, 14, 15}, Period: 1}, Test: []float64{16, 18}}}
	fs := []Forecast{{Mean: []float64{16, 16}, Intervals: []forecast.Interval{{Level: 95, Lower: []float64{15, 15}, Upper: []float64{17, 17}}}}}
	s, err := Score(cases, fs, []float64{95})
	if err != nil {
		t.Fatal(err)
	}
	// sMAPE = 100·(0 + 2/34); MASE = mean(0, 2)/1 = 1; coverage 1/2;
	// MSIS = mean(2, 2 + 40·1)/1 = 22. Naive2 (non-seasonal: naive) forecasts 15, 15:
	// sMAPE 100·(1/31 + 3/33), MASE 2.
	if want := 100 * 2.0 / 34; math.Abs(s.Metrics.SMAPE-want) > 1e-9 {
		t.Errorf("sMAPE %v, want %v", s.Metrics.SMAPE, want)
	}
	if s.Metrics.MASE != 1 || s.Metrics.Coverage[95] != 0.5 || math.Abs(s.Metrics.MSIS-22) > 1e-9 {
		t.Errorf("MASE %v coverage %v MSIS %v, want 1, 0.5, 22", s.Metrics.MASE, s.Metrics.Coverage[95], s.Metrics.MSIS)
	}
	n2s := 100 * (1.0/31 + 3.0/33)
	if want := (s.Metrics.SMAPE/n2s + 1.0/2) / 2; math.Abs(s.Metrics.OWA-want) > 1e-9 {
		t.Errorf("OWA %v, want %v", s.Metrics.OWA, want)
	}
	if _, err := Score(cases, fs, []float64{80}); err == nil {
		t.Error("scoring a level the forecasts lack: want an error")
	}
}

func TestRunReportJSON(t *testing.T) {
	cases, err := Pair(readFile(t, "testdata/m4_train.csv", true), readFile(t, "testdata/m4_test.csv", true))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(cases, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("report is not valid JSON: %v\n%s", err, b)
	}
	for _, k := range []string{"series", "horizon", "smape", "mase", "owa", "coverage80", "coverage95", "msis", "seconds", "per_method"} {
		if _, ok := got[k]; !ok {
			t.Errorf("JSON report lacks %q: %s", k, b)
		}
	}
	if got["series"].(float64) != 3 || got["horizon"].(float64) != 4 {
		t.Errorf("series %v horizon %v, want 3 and 4", got["series"], got["horizon"])
	}
	pm := got["per_method"].(map[string]any)
	for _, name := range []string{"ets", "ces", "4theta", "arima"} {
		m, ok := pm[name].(map[string]any)
		if !ok {
			t.Errorf("per_method lacks %s", name)
			continue
		}
		if _, ok := m["coverage95"]; !ok {
			t.Errorf("per_method %s lacks coverage95", name)
		}
	}
	if _, err := Run(cases, Options{Method: "nope"}); !errors.Is(err, forecast.ErrMethod) {
		t.Errorf("unknown method: error %v, want ErrMethod", err)
	}
}

// TestM3Smoke runs the automatic method on every 15th M3 quarterly series: it must beat
// Naive2 and its intervals must not be wildly off. The full evaluation is make
// evaluate-forecast.
func TestM3Smoke(t *testing.T) {
	dir := shareddata.Path(t, "m3")
	train := readFile(t, filepath.Join(dir, "M3Q-train.csv"), false)
	test := readFile(t, filepath.Join(dir, "M3Q-test.csv"), false)
	cases, err := Pair(train, test)
	if err != nil {
		t.Fatal(err)
	}
	var sub []Case
	for i := 0; i < len(cases); i += 15 {
		sub = append(sub, cases[i])
	}
	rep, err := Run(sub, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d series: sMAPE %.3f MASE %.3f OWA %.3f coverage %.3f/%.3f", rep.Series, rep.SMAPE, rep.MASE, rep.OWA, rep.Coverage[80], rep.Coverage[95])
	if rep.OWA >= 1 || len(rep.Failed) > 0 {
		t.Errorf("OWA %.3f (want < 1, better than Naive2), %d failures", rep.OWA, len(rep.Failed))
	}
	if rep.Coverage[80] < 0.65 || rep.Coverage[95] < 0.85 {
		t.Errorf("coverage %.3f/%.3f far below 80/95 %%", rep.Coverage[80], rep.Coverage[95])
	}
}
