package alert

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/growthlens/growthlens/datasets"
)

var q3, _ = datasets.ParseQuarter("2026Q3")

func day(s string) time.Time {
	t, err := datasets.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return t
}

func progress(actual float64) Progress {
	return Progress{Scope: "region:East", Metric: "revenue", Period: q3, AsOf: day("2026-08-20"), Actual: actual, Target: 1000, ExpectedShare: 0.5}
}

func TestEvaluateThreshold(t *testing.T) {
	tests := []struct {
		name     string
		actual   float64
		cfg      Config
		fires    bool
		severity string
	}{
		{"exactly 80 % does not fire", 400, Config{}, false, ""},
		{"just below fires", 399.99, Config{}, true, Warning},
		{"on pace", 500, Config{}, false, ""},
		{"critical below 60 %", 299, Config{}, true, Critical},
		{"exactly 60 % is a warning", 300, Config{}, true, Warning},
		{"custom threshold", 440, Config{Threshold: 0.9}, true, Warning},
		{"custom threshold boundary", 450, Config{Threshold: 0.9}, false, ""},
		{"nothing sold", 0, Config{}, true, Critical},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Evaluate([]Progress{progress(tt.actual)}, tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if (len(got) == 1) != tt.fires {
				t.Fatalf("fired %d alerts, want fires=%v", len(got), tt.fires)
			}
			if !tt.fires {
				return
			}
			a := got[0]
			if a.Severity != tt.severity || math.Abs(a.Pace-tt.actual/500) > 1e-12 || a.Expected != 500 {
				t.Errorf("severity %s pace %g expected %g; want %s, %g, 500", a.Severity, a.Pace, a.Expected, tt.severity, tt.actual/500)
			}
			if a.Key != "region:East|revenue|2026Q3" || a.ID == "" {
				t.Errorf("key %q id %q", a.Key, a.ID)
			}
		})
	}
}

func TestEvaluateSkipsEarlyPeriods(t *testing.T) {
	p := progress(0)
	p.ExpectedShare = 0.05
	got, err := Evaluate([]Progress{p}, Config{})
	if err != nil || len(got) != 0 {
		t.Errorf("5 %% of the period expected: %d alerts (err %v), want none before MinShare", len(got), err)
	}
}

func TestEvaluateBadInput(t *testing.T) {
	tests := []struct {
		name string
		p    func(p *Progress)
		cfg  Config
		want string
	}{
		{"negative actual", func(p *Progress) { p.Actual = -1 }, Config{}, "actual"},
		{"NaN actual", func(p *Progress) { p.Actual = math.NaN() }, Config{}, "actual"},
		{"zero target", func(p *Progress) { p.Target = 0 }, Config{}, "target"},
		{"negative target", func(p *Progress) { p.Target = -10 }, Config{}, "target"},
		{"share above one", func(p *Progress) { p.ExpectedShare = 1.2 }, Config{}, "expected share"},
		{"threshold", nil, Config{Threshold: -0.5}, "threshold"},
		{"critical above threshold", nil, Config{Threshold: 0.8, Critical: 0.9}, "critical"},
		{"cooldown", nil, Config{Cooldown: -time.Hour}, "cooldown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := progress(100)
			if tt.p != nil {
				tt.p(&p)
			}
			_, err := Evaluate([]Progress{p}, tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func raised(t *testing.T, actual float64, asOf string) Alert {
	t.Helper()
	p := progress(actual)
	p.AsOf = day(asOf)
	got, err := Evaluate([]Progress{p}, Config{})
	if err != nil || len(got) != 1 {
		t.Fatalf("Evaluate: %v alerts, err %v", len(got), err)
	}
	return got[0]
}

func TestDedup(t *testing.T) {
	first := raised(t, 350, "2026-08-20") // warning
	tests := []struct {
		name     string
		alert    Alert
		history  []Alert
		suppress bool
	}{
		{"nothing before", raised(t, 350, "2026-08-21"), nil, false},
		{"same alert again the next day", raised(t, 340, "2026-08-21"), []Alert{first}, true},
		{"same alert replayed", first, []Alert{first}, true},
		{"after the cooldown", raised(t, 340, "2026-08-28"), []Alert{first}, false},
		{"within the cooldown, escalated", raised(t, 200, "2026-08-22"), []Alert{first}, false},
		{"another period", func() Alert {
			a := raised(t, 350, "2026-08-21")
			a.Key = Key("region:East", "revenue", q3.Add(1))
			a.ID = "x"
			return a
		}(), []Alert{first}, false},
		{"history from the future is no cooldown", raised(t, 340, "2026-08-19"), []Alert{first}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raise, sup, err := Dedup([]Alert{tt.alert}, tt.history, Config{})
			if err != nil {
				t.Fatal(err)
			}
			if (len(sup) == 1) != tt.suppress || len(raise)+len(sup) != 1 {
				t.Errorf("raised %d, suppressed %d; want suppressed=%v", len(raise), len(sup), tt.suppress)
			}
		})
	}
	// Two alerts with the same key in one batch: the second is a repeat of the first.
	raise, sup, err := Dedup([]Alert{raised(t, 350, "2026-08-21"), raised(t, 350, "2026-08-22")}, nil, Config{})
	if err != nil || len(raise) != 1 || len(sup) != 1 {
		t.Errorf("one batch: raised %d, suppressed %d (err %v); want 1 and 1", len(raise), len(sup), err)
	}
}

func TestShape(t *testing.T) {
	flat := [][]float64{{1, 1, 1, 1}, {2, 2, 2, 2}}
	s, err := NewShape(flat, 4)
	if err != nil {
		t.Fatal(err)
	}
	for d, want := range []float64{0, 0.25, 0.5, 0.75, 1} {
		if math.Abs(s[d]-want) > 1e-12 {
			t.Errorf("flat shape[%d] = %g, want %g", d, s[d], want)
		}
	}
	// Revenue bunched at the end: half the period gone, a quarter of it in.
	late := [][]float64{{1, 1, 2, 4}}
	if s, err = NewShape(late, 4); err != nil {
		t.Fatal(err)
	}
	if got := s.At(2, 4); math.Abs(got-0.25) > 1e-12 {
		t.Errorf("late shape at half the period = %g, want 0.25", got)
	}
	// Periods of other lengths are stretched: a 2-day period with everything on day 2.
	if s, err = NewShape([][]float64{{0, 6}}, 4); err != nil {
		t.Fatal(err)
	}
	if got := s.At(2, 4); math.Abs(got) > 1e-12 || math.Abs(s.At(3, 4)-0.5) > 1e-12 {
		t.Errorf("stretched shape at 2 and 3 of 4 days = %g, %g; want 0 and 0.5", got, s.At(3, 4))
	}
	if _, err := NewShape([][]float64{{0, 0}}, 4); err != ErrNoHistory {
		t.Errorf("no revenue: error %v, want ErrNoHistory", err)
	}
	if _, err := NewShape([][]float64{{1, -1}}, 4); err == nil {
		t.Error("negative revenue: want an error")
	}
}
