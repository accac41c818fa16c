package company_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/datasets/synth"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/company"
	"github.com/growthlens/growthlens/models/diagnose"
	"github.com/growthlens/growthlens/models/driver"
	"github.com/growthlens/growthlens/models/indicators"
)

// TestEndpointsAgree checks, on every scenario `make data` generates (seed 7, the article's
// 100-employee company), that the what-if, the attribution waterfall, the root-cause ranking
// and the indicator suggestions give every driver the same sign, or all call it uncertain, in
// each of the last four whole quarters and in 2025Q2 — and that on the reform scenario in
// 2025Q2 faster first response, which the reform brought, counts for revenue in the waterfall
// and the causes.
func TestEndpointsAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("generates seven companies")
	}
	for _, scenario := range append([]string{"baseline"}, "supply-delay", "support-slowdown", "marketing-cut", "reimbursement-delay", "reform", "random") {
		t.Run(scenario, func(t *testing.T) {
			cfg := synth.DefaultConfig()
			cfg.Scenario = scenario
			dir := filepath.Join(t.TempDir(), scenario)
			if _, err := synth.Generate(context.Background(), dir, cfg, nil); err != nil {
				t.Fatal(err)
			}
			co, err := diagnose.Open(dir, diagnose.Options{Replicates: 400, Seed: 7})
			if err != nil {
				t.Fatal(err)
			}
			cm, err := co.CompanyModel(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			ans, err := co.Indicators(context.Background(), diagnose.IndicatorRequest{})
			if err != nil {
				t.Fatal(err)
			}
			ind := map[string]int{}
			for _, rs := range ans.Roles {
				for _, c := range rs.Candidates {
					if c.Kind == "driver" && c.Effect != nil {
						ind[c.Formula] = company.Sign(c.Effect.Estimate)
						if c.Effect.Uncertain {
							ind[c.Formula] = 0
						}
					}
				}
			}
			qp, err := co.Panel(datasets.Quarter, features.Company)
			if err != nil {
				t.Fatal(err)
			}
			q2, _ := datasets.ParseQuarter("2025Q2")
			quarters := []datasets.Period{q2}
			for k := len(qp.Periods) - 1; k >= 0 && len(quarters) < 5; k-- {
				if qp.Complete[k] {
					quarters = append(quarters, qp.Periods[k])
				}
			}
			target := qp.Series("", features.ColTarget)
			for _, q := range quarters {
				k := qp.Index(q)
				rc, err := co.Drivers(context.Background(), diagnose.DriverRequest{Scope: diagnose.Scope{Level: features.Company}, Period: q})
				if err != nil {
					t.Fatal(err)
				}
				att, err := cm.Attribute(driver.Query{Period: q, Expected: target[k]})
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range cm.Effects() {
					col := e.Column
					w, err := cm.WhatIf(driver.Scenario{Changes: []driver.Change{{Driver: col, Value: 0.1, Relative: true}}})
					if err != nil {
						t.Fatal(err)
					}
					whatif := w.Sign * company.Sign(w.Changes[0].Delta)
					waterfall := 0
					for _, c := range att.Contributions {
						if c.Column == col && !att.Verdicts[col].Uncertain {
							waterfall = company.Sign(c.Effect.Estimate)
							// A contribution must go the way the effect and the driver's
							// departure from its baseline say, when every lag moved one way.
							if c.Change != 0 && company.Sign(c.Contribution.Estimate) != 0 && company.Sign(c.Contribution.Estimate) != waterfall*company.Sign(c.Change) && sameWay(c) {
								t.Errorf("%s %s: contribution %+.4f against effect %+.4f × change %+.4f", q, col, c.Contribution.Estimate, c.Effect.Estimate, c.Change)
							}
						}
					}
					cause := 0
					for _, c := range rc.Causes {
						if c.Driver == col && !c.Effect.Uncertain {
							cause = company.Sign(c.Effect.Estimate)
						}
					}
					if whatif != waterfall || whatif != cause || whatif != ind[col] {
						t.Errorf("%s %s: what-if %+d, waterfall %+d, causes %+d, indicators %+d: want one sign", q, col, whatif, waterfall, cause, ind[col])
					}
				}
				if scenario == "reform" && q == q2 {
					for _, c := range att.Contributions {
						if c.Column == "first_response_hours" && c.Change < 0 && c.Contribution.Estimate <= 0 {
							t.Errorf("reform 2025Q2: faster first response (change %+.2f h) contributes %+.4f to revenue, want > 0", c.Change, c.Contribution.Estimate)
						}
					}
					for _, c := range rc.Causes {
						if c.Driver == "first_response_hours" && c.Effect.Estimate >= 0 {
							t.Errorf("reform 2025Q2: causes give first response the effect %+.4f per hour, want < 0", c.Effect.Estimate)
						}
					}
				}
			}
		})
	}
}

// sameWay reports whether the driver sat on the same side of its baseline at every lag.
func sameWay(c driver.Contribution) bool {
	s := 0
	for _, a := range c.Actual {
		d := company.Sign(a - c.Baseline)
		if d == 0 {
			continue
		}
		if s != 0 && d != s {
			return false
		}
		s = d
	}
	return true
}

// TestVerdictAbstainsAgainstTheData fits the supply-delay company twice: with the catalogue,
// whose direction for supply lead time (longer is worse) the data agree with, the effect is
// clear; with that direction reversed, the sign constraint holds the posterior against the
// data at zero and the rule must say the data cannot tell rather than claim a gain.
func TestVerdictAbstainsAgainstTheData(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a company")
	}
	cfg := synth.DefaultConfig()
	cfg.Scenario = "supply-delay"
	dir := filepath.Join(t.TempDir(), "c")
	if _, err := synth.Generate(context.Background(), dir, cfg, nil); err != nil {
		t.Fatal(err)
	}
	flipped := indicators.Default()
	for _, ind := range flipped.Drivers() {
		if ind.Formula == "supply_lead_days" {
			ind.Direction, ind.Prior = "up", -ind.Prior
		}
	}
	for _, tt := range []struct {
		name      string
		cat       *indicators.Catalogue
		uncertain bool
	}{{"catalogue", indicators.Default(), false}, {"reversed", flipped, true}} {
		co, err := diagnose.Open(dir, diagnose.Options{Replicates: 400, Seed: 3, Catalogue: tt.cat})
		if err != nil {
			t.Fatal(err)
		}
		m, err := co.CompanyModel(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		v, ok := m.Verdict("supply_lead_days")
		if !ok || v.Uncertain != tt.uncertain || v.Uncertain != (v.Sentence != "") {
			t.Errorf("%s: verdict %v, want uncertain %v (with a sentence exactly when uncertain)", tt.name, v, tt.uncertain)
		}
	}
}

// TestUncertainSentence checks the one sentence every surface uses when the data cannot tell.
func TestUncertainSentence(t *testing.T) {
	if company.UncertainSentence("first_response_hours", -1) != "the data cannot tell whether faster first response raises revenue" {
		t.Errorf("sentence %q", company.UncertainSentence("first_response_hours", -1))
	}
}
