package review

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/company"
	"github.com/growthlens/growthlens/models/diagnose"
	"github.com/growthlens/growthlens/models/driver"
	"github.com/growthlens/growthlens/models/forecast"
	"github.com/growthlens/growthlens/models/incentive"
	"github.com/growthlens/growthlens/models/registry"
)

// The builders of Build's sections, one function each, from the models' answers.

func modelInfo(v registry.Version) ModelInfo {
	return ModelInfo{Name: v.Name, Version: v.Version, Created: v.Created, DataHash: v.DataHash}
}

// targetsOf maps a quarter to the company's revenue target, as the server reads them.
func targetsOf(ds *datasets.Dataset) map[string]float64 {
	out := map[string]float64{}
	if ds == nil {
		return out
	}
	for _, t := range ds.Targets {
		if t.Metric != "revenue" || !(t.Scope == "company" || t.Scope == "") || t.Period.Grain != datasets.Quarter {
			continue
		}
		out[t.Period.String()] = t.Target
	}
	return out
}

func target(targets map[string]float64, period string) float64 {
	if t, ok := targets[period]; ok && t > 0 {
		return t
	}
	return math.NaN()
}

func forecastSection(co *forecast.Scope, targets map[string]float64) *ForecastSection {
	fs := &ForecastSection{Method: co.Forecast.Method, Status: forecast.StatusOK, Excluded: co.Excluded}
	if v := co.Verdict; v != nil {
		fs.Status, fs.Reason, fs.Fix = v.Status, v.Reason, v.Fix
	}
	for t, y := range co.History {
		a := Actual{Period: co.Periods[t], Revenue: y, Target: target(targets, co.Periods[t])}
		a.Completion = y / a.Target
		fs.History = append(fs.History, a)
	}
	res := co.Forecast
	for h := range res.Mean {
		if fs.Status == forecast.StatusWithheld {
			break
		}
		pr := Projected{Revenue: res.Mean[h], GrowthQoQ: math.NaN(), GrowthYoY: math.NaN(), YoYLo80: math.NaN(), YoYHi80: math.NaN(),
			Lo80: math.NaN(), Hi80: math.NaN(), Lo95: math.NaN(), Hi95: math.NaN(), Target: math.NaN(), HitProb: math.NaN(), Needed: math.NaN(),
			Weight: math.NaN(), Univariate: math.NaN(), Adjusted: math.NaN()}
		if h < len(res.Periods) {
			pr.Period = res.Periods[h]
			pr.Target = target(targets, pr.Period)
		}
		if pl := co.Pipeline; pl != nil && h < len(pl.Splits) {
			pr.Split, pr.Weight, pr.Univariate = &pl.Splits[h], pl.Weights[h], pl.Univariate[h]
		}
		if !math.IsNaN(pr.Target) {
			if o, err := co.Outlook(h+1, pr.Target); err == nil {
				pr.HitProb = o.Probability
				if o.HasPipeline {
					pr.Needed = o.NeededFromOpen
				}
			}
		}
		for _, iv := range res.Intervals {
			switch iv.Level {
			case 80:
				pr.Lo80, pr.Hi80 = iv.Lower[h], iv.Upper[h]
			case 95:
				pr.Lo95, pr.Hi95 = iv.Lower[h], iv.Upper[h]
			}
		}
		if g := co.Growth; g != nil {
			if h < len(g.PoP) && g.PoP[h].Defined {
				pr.GrowthQoQ = g.PoP[h].Mean
			}
			if h < len(g.YoY) && g.YoY[h].Defined {
				pr.GrowthYoY = g.YoY[h].Mean
				for _, iv := range g.YoY[h].Intervals {
					if iv.Level == 80 {
						pr.YoYLo80, pr.YoYHi80 = iv.Lower, iv.Upper
					}
				}
			}
		}
		fs.Next = append(fs.Next, pr)
	}
	return fs
}

func targetSection(p *Page, co *forecast.Scope, targets map[string]float64) *TargetSection {
	hist := p.Forecast.History
	i := slices.IndexFunc(hist, func(a Actual) bool { return a.Period == p.Assessed })
	a := hist[i]
	ts := &TargetSection{Quarter: a.Period, Actual: a.Revenue, Target: a.Target, Completion: a.Completion,
		YTDCompletion: math.NaN(), ForecastCompletion: math.NaN(), ForecastRevenue: math.NaN(), ForecastTarget: math.NaN()}
	// The year to date as GET /v1/forecast and growthlens forecast sum it.
	if y, ok := co.YearToDate(a.Period, func(q string) float64 { return target(targets, q) }); ok {
		ts.Year, ts.YTDQuarters, ts.YTDActual, ts.YTDTarget, ts.YTDCompletion = y.Year, y.Quarters, y.Actual, y.Target, y.Completion
	}
	ts.Recent = hist[max(0, i-7) : i+1]
	for _, n := range p.Forecast.Next {
		if n.Period == p.Quarter {
			ts.ForecastQuarter, ts.ForecastRevenue, ts.ForecastTarget = n.Period, n.Revenue, n.Target
			ts.ForecastCompletion = n.Revenue / n.Target
			ts.HasForecastCompletion = !math.IsNaN(ts.ForecastCompletion)
		}
	}
	return ts
}

func accuracySection(co *forecast.Scope, v registry.Version) *AccuracySection {
	res := co.Forecast
	r := co.Record()
	a := &AccuracySection{Record: r, Origins: r.Origins, SMAPE: r.SMAPE, MASE: r.MASE, Horizon: r.Horizon, Method: r.Method,
		MAPE1: r.MAPE1, MAPE: r.MAPE, HasBacktest: r.HasBacktest(), ModelVersion: v.Version, ModelCreated: v.Created, ForecastModel: res.Method}
	bt := res.Backtest
	for k, o := range bt.Origins {
		if o < len(co.History) && len(bt.Forecasts[k]) > 0 {
			a.Points = append(a.Points, BacktestPoint{Period: co.Periods[o], Actual: co.History[o], Forecast: bt.Forecasts[k][0]})
		}
	}
	return a
}

// stepOf converts an attribution's contribution. sign is the gap's sign.
func stepOf(c driver.Contribution, sign float64, v company.Verdict) Step {
	return Step{Driver: c.Column, Role: c.Role, Unit: c.Unit, Contribution: c.Contribution.Estimate, Lower: c.Contribution.Lower,
		Upper: c.Contribution.Upper, Share: c.Share, Baseline: c.Baseline, Actual: c.Actual[0],
		Significant: !v.Uncertain && (sign < 0 && c.Contribution.Upper < 0 || sign > 0 && c.Contribution.Lower > 0),
		Uncertain:   v.Uncertain, Sentence: v.Sentence, Sign: v.Sign}
}

// companyOf is the company model the page's driver answers come from: the champion driver
// model read as the company model (its posterior draws and verdicts). A champion trained
// before the company model has no priors: it is read as a company model all the same, with
// its bootstrap replicates as draws and no known directions, until the next training run.
func companyOf(m *driver.Model) *company.Model {
	return company.FromDriver(m)
}

func growthSection(cm *company.Model, co *forecast.Scope, quarter string) (*GrowthSection, string) {
	pq, err := datasets.ParseQuarter(quarter)
	if err != nil {
		return nil, err.Error()
	}
	base := pq.Add(-4).String()
	prev, ok := co.Actual(base)
	if !ok {
		return nil, fmt.Sprintf("no revenue for %s, a year before %s", base, quarter)
	}
	att, err := cm.Attribute(driver.Query{Period: pq, Expected: prev})
	if err != nil {
		return nil, "the driver model cannot explain " + quarter + ": " + err.Error()
	}
	g := &GrowthSection{Quarter: quarter, BaseQuarter: base, Base: att.Expected, Actual: att.Actual, Growth: att.Actual/att.Expected - 1,
		Gap: att.Gap, Unexplained: att.Unexplained.Estimate, Summary: att.GrowthSummary(quarter, base)}
	sign := math.Copysign(1, att.Gap)
	for _, c := range att.Contributions {
		g.Steps = append(g.Steps, stepOf(c, sign, att.Verdicts[c.Column]))
	}
	return g, ""
}

// causesSection asks diagnose what GET /v1/rootcauses?scope=company&period=quarter asks:
// the company's revenue in the quarter against its target, the causes the gap's way.
func causesSection(ctx context.Context, diagnosis func(context.Context) (*diagnose.Company, error), quarter string) (*CausesSection, string) {
	pq, err := datasets.ParseQuarter(quarter)
	if err != nil {
		return nil, err.Error()
	}
	dc, err := diagnosis(ctx)
	if err != nil {
		return nil, "the tenant's data cannot be diagnosed: " + err.Error()
	}
	ans, err := dc.Drivers(ctx, diagnose.DriverRequest{Scope: diagnose.Scope{Level: features.Company}, Period: pq})
	if err != nil {
		return nil, "the causes of " + quarter + " cannot be ranked: " + err.Error()
	}
	c := &CausesSection{Quarter: quarter, Actual: ans.Actual, Expected: ans.Expected, Completion: ans.Actual / ans.Expected, Gap: ans.Gap,
		Shortfall: ans.Gap < 0, NoDominantCause: ans.NoDominantCause, Reason: ans.Reason, Explained: ans.Explained,
		ExplainedShare: ans.ExplainedShare, Notes: ans.Notes}
	for _, ct := range ans.Causes {
		c.Causes = append(c.Causes, Step{Driver: ct.Driver, Role: ct.Role, Unit: ct.Unit, Contribution: ct.Contribution.Estimate,
			Lower: ct.Contribution.Lower, Upper: ct.Contribution.Upper, Share: ct.Share, Significant: ct.Significant,
			Baseline: ct.Baseline, Actual: ct.Actual, Where: ct.Where, Lag: ct.Lag, Uncertain: ct.Effect.Uncertain, Sentence: ct.Effect.Sentence,
			Sign: company.Sign(ct.Effect.Estimate)})
	}
	return c, ""
}

func whatIfSection(cm *company.Model, co *forecast.Scope, sc Scenario) *WhatIfSection {
	m := cm.Driver
	w := &WhatIfSection{Scenario: sc}
	var changes []driver.Change
	for _, e := range m.Effects {
		switch e.Column {
		case SpendDriver:
			w.SpendOK = true
			if sc.SpendPercent != 0 {
				changes = append(changes, driver.Change{Driver: SpendDriver, Value: sc.SpendPercent / 100, Relative: true})
			}
		case ResponseDriver:
			w.ResponseOK = true
			if sc.ResponsePercent != 0 {
				changes = append(changes, driver.Change{Driver: ResponseDriver, Value: sc.ResponsePercent / 100, Relative: true})
			}
		}
	}
	if len(changes) == 0 {
		w.Error = "no change: give a non-zero change of marketing spend or first-response time"
		return w
	}
	out, err := cm.WhatIf(driver.Scenario{Changes: changes})
	if err != nil {
		w.Error = err.Error()
		return w
	}
	w.Uncertain, w.Withheld, w.Sentence, w.Summary = out.Uncertain, out.Withheld, out.Sentence, out.Summary()
	if out.Uncertain && len(out.Changes) == 1 {
		w.UncertainDriver = out.Changes[0].Column
	}
	w.Sustained = out.Sustained.Estimate
	w.SustainedPercent, w.SustainedPercentLo, w.SustainedPercentHi = out.SustainedPercent.Estimate, out.SustainedPercent.Lower, out.SustainedPercent.Upper
	for _, a := range out.Changes {
		w.Changes = append(w.Changes, WhatIfChange{Driver: a.Column, Role: a.Role, Unit: a.Unit, Percent: 100 * a.Change.Value,
			From: a.From, To: a.To, Sustained: a.Sustained.Estimate})
	}
	// The scenario's forecast as POST /v1/whatif computes it.
	w.Quarters = out.Forecast(co.Forecast.Periods, co.Forecast.Mean)
	return w
}

func incentiveSection(recs []incentive.Recommendation, asOf time.Time) *IncentiveSection {
	s := &IncentiveSection{}
	if !asOf.IsZero() {
		s.AsOf = datasets.FormatDate(asOf)
	}
	s.Teams, s.Total, s.Types = incentive.SummarizeTeams(recs)
	return s
}
