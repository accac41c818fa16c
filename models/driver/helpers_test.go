package driver

import (
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/growthlens/growthlens/datasets"
)

// readFrame reads a panel CSV (period, scope_id, complete, then one column per measure, as
// features.Panel.WriteCSV writes it, with or without its "scope" column) into a frame. Empty
// cells are NaN.
func readFrame(t *testing.T, path string) *frame {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	f := &frame{level: "region", cols: map[string][][]float64{}}
	scopeIdx, perIdx := map[string]int{}, map[string]int{}
	for _, r := range recs[1:] {
		if _, ok := perIdx[r[col["period"]]]; !ok {
			p, err := datasets.ParsePeriod(r[col["period"]])
			if err != nil {
				t.Fatal(err)
			}
			f.grain = p.Grain
			perIdx[r[col["period"]]] = len(f.periods)
			f.periods = append(f.periods, p)
			f.complete = append(f.complete, r[col["complete"]] == "true")
		}
		if _, ok := scopeIdx[r[col["scope_id"]]]; !ok {
			scopeIdx[r[col["scope_id"]]] = len(f.scopes)
			f.scopes = append(f.scopes, r[col["scope_id"]])
		}
	}
	for name, c := range col {
		if name == "period" || name == "scope" || name == "scope_id" || name == "complete" {
			continue
		}
		v := make([][]float64, len(f.scopes))
		for s := range v {
			v[s] = make([]float64, len(f.periods))
		}
		for _, r := range recs[1:] {
			x := math.NaN()
			if r[c] != "" {
				if x, err = strconv.ParseFloat(r[c], 64); err != nil {
					t.Fatal(err)
				}
			}
			v[scopeIdx[r[col["scope_id"]]]][perIdx[r[col["period"]]]] = x
		}
		f.cols[name] = v
	}
	return f
}

// closeTo reports whether got and want agree within tol, absolutely or relative to want.
func closeTo(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

func sumLags(beta []float64, j, L int) float64 {
	s := 0.0
	for l := 0; l < L; l++ {
		s += beta[j*L+l]
	}
	return s
}
