package classify

import (
	"fmt"
	"math"
	"testing"
)

func TestEncoderNumeric(t *testing.T) {
	var tb Table
	// income: skewed and non-negative, one missing; level: small integers.
	_ = tb.AddNumeric("income", []float64{1000.5, 2000, 3000, 100000, math.NaN()})
	_ = tb.AddNumeric("level", []float64{1, 2, 3, 3, 1})
	e := fitEncoder(&tb, EncodeOptions{LogSkewed: true, SmallInts: 5})
	wantNames := []string{"log1p(income)", "income is missing", "level", "level=1", "level=2", "level=3"}
	if fmt.Sprint(e.Names) != fmt.Sprint(wantNames) {
		t.Fatalf("features = %v, want %v", e.Names, wantNames)
	}
	x, err := e.encode(&tb)
	if err != nil {
		t.Fatal(err)
	}
	row := func(i int) []float64 { return x[i*e.Width : (i+1)*e.Width] }
	// Row 4: income missing -> log1p(median of the other four = 2500), indicator on.
	if got, want := row(4)[0], math.Log1p(2500); math.Abs(got-want) > 1e-12 {
		t.Errorf("imputed income = %v, want log1p(2500) = %v", got, want)
	}
	if row(4)[1] != 1 || row(0)[1] != 0 {
		t.Errorf("missing indicator = %v, %v; want 1 for the missing row only", row(4)[1], row(0)[1])
	}
	if got := row(2)[3:]; fmt.Sprint(got) != "[0 0 1]" {
		t.Errorf("level=3 one-hot = %v, want [0 0 1]", got)
	}
}

func TestEncoderStandardizesContinuousOnly(t *testing.T) {
	var tb Table
	_ = tb.AddNumeric("x", []float64{1, 2, 3, 4})
	_ = tb.AddNumeric("flag", []float64{0, 1, 0, 1})
	e := fitEncoder(&tb, EncodeOptions{Standardize: true})
	x, _ := e.encode(&tb)
	// Population sd of 1..4 is √1.25.
	if got, want := x[0], (1-2.5)/math.Sqrt(1.25); math.Abs(got-want) > 1e-12 {
		t.Errorf("standardized x[0] = %v, want %v", got, want)
	}
	if x[1] != 0 || x[3] != 1 {
		t.Errorf("0/1 column changed by standardization: %v, %v", x[1], x[3])
	}
}

func TestEncoderCategoricalLevels(t *testing.T) {
	n := 200
	v := make([]string, n)
	for i := range v {
		v[i] = fmt.Sprintf("L%03d", i%100) // 100 labels, 2 rows each
	}
	v[0], v[100] = "", "" // missing is a level of its own
	var tb Table
	_ = tb.AddCategorical("c", v)
	e := fitEncoder(&tb, EncodeOptions{})
	if e.Width != maxLevels+1 {
		t.Fatalf("width = %d, want %d levels + other", e.Width, maxLevels+1)
	}
	var probe Table
	_ = probe.AddCategorical("c", []string{"never seen", "L099", ""})
	x, err := e.encode(&probe)
	if err != nil {
		t.Fatal(err)
	}
	sum := func(i int) (s float64) {
		for _, f := range x[i*e.Width : (i+1)*e.Width] {
			s += f
		}
		return s
	}
	if x[0*e.Width+maxLevels] != 1 || sum(0) != 1 {
		t.Error("an unseen label should encode as (other) when the column has one")
	}
	if x[1*e.Width+maxLevels] != 1 {
		t.Error("a rare training label beyond the first 64 should land in (other)")
	}
	if sum(2) != 1 {
		t.Error("missing should encode as its own level")
	}
}

func TestEncoderDropsConstantAndEmptyColumns(t *testing.T) {
	var tb Table
	_ = tb.AddNumeric("const", []float64{5, 5, 5})
	_ = tb.AddCategorical("empty", []string{"", "", ""})
	_ = tb.AddNumeric("constWithMissing", []float64{5, math.NaN(), 5})
	e := fitEncoder(&tb, EncodeOptions{})
	if len(e.Dropped) != 2 || e.Dropped[0].Column != "const" || e.Dropped[1].Column != "empty" {
		t.Errorf("dropped = %v, want const and empty", e.Dropped)
	}
	// A constant with missing values still says something: whether the value is missing.
	if e.Width != 2 {
		t.Errorf("width = %d, want 2 (value and missing indicator of constWithMissing)", e.Width)
	}
}

func TestEncoderUnseenLabelWithoutOther(t *testing.T) {
	var tb Table
	_ = tb.AddCategorical("c", []string{"a", "b", "a"})
	e := fitEncoder(&tb, EncodeOptions{})
	var probe Table
	_ = probe.AddCategorical("c", []string{"z"})
	x, _ := e.encode(&probe)
	if fmt.Sprint(x) != "[0 0]" {
		t.Errorf("unseen label = %v, want no level on", x)
	}
}
