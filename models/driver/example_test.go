package driver_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/datasets/synth"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/driver"
)

// regionPanel generates the article's 100-employee synthetic company and builds its quarterly
// panel by region.
func regionPanel() *features.Panel {
	dir, err := os.MkdirTemp("", "driver-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	company := filepath.Join(dir, "company")
	if _, err := synth.Generate(context.Background(), company, synth.DefaultConfig(), nil); err != nil {
		log.Fatal(err)
	}
	ds, _, err := datasets.Load(company)
	if err != nil {
		log.Fatal(err)
	}
	p, err := features.Build(ds, features.Options{Grain: datasets.Quarter, Level: features.Region})
	if err != nil {
		log.Fatal(err)
	}
	return p
}

// Fit the driver model on a company's region panel and ask what cutting supply lead time by
// two days in the East would do. The company is small (100 employees, 4 regions × 18
// quarters of growth), so the intervals are wide: each holds the generator's truth here
// (marketing 0.30, headcount 0.80, reimbursement −0.015 per day, supply −0.025 per day,
// response −0.004 per hour), but headcount and response come out with the wrong sign, and a
// 95 % interval misses the truth one time in twenty.
func Example() {
	m, err := driver.Fit(regionPanel(), driver.Options{Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d region-quarters, %s to %s\n", m.Observations, m.First, m.Last)
	for _, e := range m.Effects {
		per := "elasticity"
		if e.Scale == driver.Level {
			per = "per " + strings.TrimSuffix(e.Unit, "s")
		}
		fmt.Printf("%-21s %-16s %+.3f [%+.3f, %+.3f] %s\n", e.Column, e.Role, e.Sustained.Estimate, e.Sustained.Lower, e.Sustained.Upper, per)
	}
	out, err := m.WhatIf(driver.Scenario{Scope: "East", Changes: []driver.Change{{Driver: "supply_lead_days", Value: -2}}})
	if err != nil {
		log.Fatal(err)
	}
	c := out.Changes[0]
	fmt.Printf("supply %.1f → %.1f days: revenue %+.1f %% [%+.1f, %+.1f] once it has worked through\n",
		c.From, c.To, 100*out.SustainedPercent.Estimate, 100*out.SustainedPercent.Lower, 100*out.SustainedPercent.Upper)
	// Output:
	// 72 region-quarters, 2022Q2 to 2026Q3
	// marketing_spend       gm               +0.539 [-0.193, +1.497] elasticity
	// sales_headcount       hr               -0.773 [-2.631, +1.433] elasticity
	// reimbursement_days    finance          -0.015 [-0.040, +0.028] per day
	// supply_lead_days      procurement      -0.016 [-0.087, +0.061] per day
	// first_response_hours  customer_service +0.012 [-0.025, +0.035] per hour
	// supply 6.1 → 4.1 days: revenue +3.2 % [-11.6, +19.1] once it has worked through
}

// Split a quarter's shortfall against an expectation 10 % above what happened, projected from
// the quarter before, into driver contributions. Together the drivers explain about 60 % of
// the gap (−0.057 of −0.095), mostly the fall in marketing spend, but every interval is wide
// on a company this small: a root-cause ranking must weigh that before naming a cause.
func ExampleModel_Attribute() {
	p := regionPanel()
	m, err := driver.Fit(p, driver.Options{Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	q, _ := datasets.ParseQuarter("2026Q2")
	at, err := m.Attribute(driver.Query{Scope: "West", Period: q, Expected: 1.1 * p.Value("West", q, "revenue"), From: q.Add(-1)})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("gap %+.3f, explained %+.3f [%+.3f, %+.3f]\n", at.Gap, at.Explained.Estimate, at.Explained.Lower, at.Explained.Upper)
	for _, c := range at.Contributions[:3] {
		fmt.Printf("%-21s %+.3f [%+.3f, %+.3f]\n", c.Column, c.Contribution.Estimate, c.Contribution.Lower, c.Contribution.Upper)
	}
	// Output:
	// gap -0.095, explained -0.057 [-0.145, -0.003]
	// marketing_spend       -0.046 [-0.128, +0.017]
	// first_response_hours  -0.029 [-0.084, +0.059]
	// reimbursement_days    +0.016 [-0.030, +0.043]
}
