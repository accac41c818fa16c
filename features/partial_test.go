package features

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/growthlens/growthlens/datasets"
)

// A dense export whose won deals start closing two months into a quarter (as the Maven CRM
// export's do, from 1 March 2017) has a partial first quarter; the same deals from the first
// week, or a sparse history whose first sale is a month in, do not.
func TestPartialFirstPeriod(t *testing.T) {
	day := func(s string) time.Time {
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	deals := func(first string, n, every int) *datasets.Dataset {
		ds := &datasets.Dataset{}
		for i := range n {
			c := day(first).AddDate(0, 0, i*every)
			ds.Opportunities = append(ds.Opportunities, datasets.Opportunity{
				OpportunityID: fmt.Sprintf("O%d", i), OwnerID: "E1", TeamID: "t1", Region: "East", Product: "Core",
				Stage: "won", CreatedDate: c.AddDate(0, 0, -20), ClosedDate: c, Amount: datasets.Some(100.0),
			})
		}
		return ds
	}
	tests := []struct {
		name      string
		ds        *datasets.Dataset
		wantFirst bool
	}{
		{"dense, from March", deals("2017-03-01", 300, 1), false},
		{"dense, from the first week", deals("2017-01-03", 300, 1), true},
		{"sparse, a month in", deals("2017-02-05", 8, 30), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Build(tt.ds, Options{Grain: datasets.Quarter, Level: Company})
			if err != nil {
				t.Fatal(err)
			}
			if p.Periods[0].String() != "2017Q1" {
				t.Fatalf("first period %s, want 2017Q1", p.Periods[0])
			}
			if p.Complete[0] != tt.wantFirst {
				t.Errorf("2017Q1 complete = %v, want %v (first revenue %s)", p.Complete[0], tt.wantFirst, p.FirstRevenue.Format("2006-01-02"))
			}
			if !p.Complete[1] {
				t.Errorf("2017Q2 complete = false, want true")
			}
		})
	}
}

// Growth is measured between complete periods only: the Maven CRM import's 2017Q2 "grew
// 172 %" on 2017Q1, a quarter that holds March alone (the panel, growthlens features and the
// driver model's rows all read it).
func TestGrowthNeedsACompleteBase(t *testing.T) {
	for _, tt := range []struct {
		first       string
		wantQ2Rated bool
	}{{"2017-03-01", false}, {"2017-01-03", true}} {
		t.Run(tt.first, func(t *testing.T) {
			dir := t.TempDir()
			var b strings.Builder
			b.WriteString("opportunity_id,stage,created_date,closed_date,amount\n")
			start, _ := time.Parse("2006-01-02", tt.first)
			for i := range 300 {
				c := start.AddDate(0, 0, i)
				fmt.Fprintf(&b, "O%d,won,%s,%s,%d\n", i, datasets.FormatDate(c.AddDate(0, 0, -20)), datasets.FormatDate(c), 100+i%7)
			}
			if err := os.WriteFile(filepath.Join(dir, "opportunities.csv"), []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			p, err := BuildDir(dir, Options{Grain: datasets.Quarter, Level: Company})
			if err != nil {
				t.Fatal(err)
			}
			g := p.Series("", ColGrowthPrev)
			if len(g) < 3 || p.Periods[0].String() != "2017Q1" {
				t.Fatalf("periods %v, growth %v", p.Periods, g)
			}
			if rated := !math.IsNaN(g[1]); rated != tt.wantQ2Rated || p.Complete[0] != tt.wantQ2Rated {
				t.Errorf("2017Q1 complete %v; 2017Q2 growth on it %v, want a figure only when 2017Q1 is complete", p.Complete[0], g[1])
			}
			if math.IsNaN(g[2]) {
				t.Error("2017Q3 growth on 2017Q2 is missing")
			}
		})
	}
}
