package company

import (
	"fmt"

	"github.com/growthlens/growthlens/internal/numfmt"
	"github.com/growthlens/growthlens/internal/quantile"
	"github.com/growthlens/growthlens/models/driver"
	"github.com/growthlens/growthlens/models/indicators"
	"github.com/growthlens/growthlens/models/rootcause"
)

// WhatIf is a what-if answer: the driver model's outcome (intervals at Level) with the verdict
// every surface shows.
type WhatIf struct {
	*driver.Outcome
	// Sign is the direction of the revenue change (+1, −1), 0 when the data cannot tell.
	Sign      int  `json:"sign"`
	Uncertain bool `json:"uncertain"`
	// Withheld is true when the range is too wide to act on (WithheldWidth): surfaces show
	// Sentence instead of figures.
	Withheld bool   `json:"withheld"`
	Sentence string `json:"sentence,omitempty"`
}

// WhatIf predicts what the scenario does to revenue (driver.Model.WhatIf on the posterior
// draws) and applies the rules: a scenario that changes one driver is uncertain exactly when
// that driver's Verdict is, and its sign is the effect's sign times the change's; a scenario of
// several changes is uncertain when its 80 % interval spans zero or every driver it changes
// is uncertain. It is withheld when its 80 % interval is wider than WithheldWidth.
//
// Outcome.Draws and GrowthDraws hold the answer at every posterior draw: a caller that
// goal-seeks (what change reaches a target?) or combines scopes works draw by draw on them.
func (m *Model) WhatIf(sc driver.Scenario) (*WhatIf, error) {
	out, err := m.Driver.WhatIf(sc)
	if err != nil {
		return nil, err
	}
	w := &WhatIf{Outcome: out}
	p := out.SustainedPercent
	allUncertain := true
	var one Verdict
	for _, a := range out.Changes {
		v, _ := m.Verdict(a.Column)
		one = v
		if !v.Uncertain {
			allUncertain = false
		}
	}
	switch {
	case len(out.Changes) == 1 && one.Uncertain:
		w.Uncertain, w.Sentence = true, one.Sentence
	case len(out.Changes) == 1:
		w.Sign = one.Sign * Sign(out.Changes[0].Delta)
		if w.Sign == 0 {
			w.Uncertain, w.Sentence = true, "the change is zero"
		}
	case allUncertain || p.Lower <= 0 && p.Upper >= 0:
		w.Uncertain = true
		w.Sentence = "the data cannot tell whether these changes together raise or lower revenue"
	default:
		w.Sign = Sign(p.Estimate)
	}
	if p.Upper-p.Lower > WithheldWidth {
		w.Withheld, w.Sentence = true, WithheldSentence(p.Lower, p.Upper)
	}
	return w, nil
}

// Summary says the scenario's sustained revenue change in one English sentence, the one the
// review page and the CLI print: the change with its 80 % interval, or the range and why the
// data cannot tell, or why it is withheld. Figures are numfmt's.
func (w *WhatIf) Summary() string {
	p := w.SustainedPercent
	switch {
	case w.Withheld:
		return "The revenue change is " + w.Sentence + "."
	case w.Uncertain:
		return fmt.Sprintf("Revenue changes by somewhere between %s and %s (80 %% interval): %s.", numfmt.SignedPercent(p.Lower), numfmt.SignedPercent(p.Upper), w.Sentence)
	}
	return fmt.Sprintf("Once every lag has passed, revenue changes by %s (80 %% interval %s to %s).", numfmt.SignedPercent(p.Estimate), numfmt.SignedPercent(p.Lower), numfmt.SignedPercent(p.Upper))
}

// Attribution is the growth waterfall: the driver model's attribution (intervals at Level)
// with each contributing driver's verdict.
type Attribution struct {
	*driver.Attribution
	// Verdicts are the contributing drivers' verdicts, by column. A contribution whose
	// driver is uncertain is shown as its range with the verdict's sentence, never as a point.
	Verdicts map[string]Verdict `json:"verdicts"`
}

// GrowthSummary says a year-on-year waterfall's lead in one English sentence, the one the
// review page and `growthlens attribution` print: "Revenue in 2026Q3 against 2025Q3, a year
// before: +13.9 %, or +13.0 pt in points of growth on the log scale, which the drivers' parts
// below add up to." quarter is the attributed quarter, base the one the expectation came from.
func (a *Attribution) GrowthSummary(quarter, base string) string {
	return fmt.Sprintf("Revenue in %s against %s, a year before: %s, or %s in points of growth on the log scale, which the drivers' parts below add up to.",
		quarter, base, numfmt.SignedPercent(a.Actual/a.Expected-1), numfmt.Points(a.Gap))
}

// Attribute splits a period's revenue gap into driver contributions (driver.Model.Attribute
// on the posterior draws) and attaches the verdicts.
func (m *Model) Attribute(q driver.Query) (*Attribution, error) {
	att, err := m.Driver.Attribute(q)
	if err != nil {
		return nil, err
	}
	out := &Attribution{Attribution: att, Verdicts: map[string]Verdict{}}
	for _, c := range att.Contributions {
		v, _ := m.Verdict(c.Column)
		out.Verdicts[c.Column] = v
	}
	return out, nil
}

// RootcauseEffects returns every driver's effect for the root-cause ranking: the posterior
// median with its 95 % interval (rootcause reads intervals as 95 %), Uncertain set by the
// Verdict rule (rootcause never claims such a driver as a cause), and the lag shares given
// (by column; nil lands the whole effect in the period of the move).
func (m *Model) RootcauseEffects(lagShares map[string][]float64) map[string]rootcause.Effect {
	out := map[string]rootcause.Effect{}
	for _, e := range m.Driver.Effects {
		d := m.Driver.SustainedDraws(e.Column)
		v, _ := m.Verdict(e.Column)
		out[e.Column] = rootcause.Effect{
			Estimate: v.Median, Lower: quantile.Of(d, 0.025), Upper: quantile.Of(d, 0.975),
			LagShare: lagShares[e.Column], Source: "company model", Uncertain: v.Uncertain, Sentence: v.Sentence,
		}
	}
	return out
}

// IndicatorEffects returns every driver's effect for the indicator suggestions: the
// posterior median with the 80 % interval and the verdict.
func (m *Model) IndicatorEffects() map[string]indicators.Effect {
	out := map[string]indicators.Effect{}
	for _, e := range m.Driver.Effects {
		v, _ := m.Verdict(e.Column)
		out[e.Column] = indicators.Effect{Estimate: v.Median, Lower: v.Lower, Upper: v.Upper, Source: "company model",
			Uncertain: v.Uncertain, Sentence: v.Sentence}
	}
	return out
}

// Predict is the goal cascade's entry: the change in log revenue of a scope (driver.Scenario's
// scope: "" for the company) in each quarter after the scenario's changes, at every posterior
// draw — Growth[k][b] is quarter k's growth change at draw b — plus the sustained change per
// draw. Draws are shared with every other answer of the model.
func (m *Model) Predict(sc driver.Scenario) (growth [][]float64, sustained []float64, err error) {
	out, err := m.Driver.WhatIf(sc)
	if err != nil {
		return nil, nil, err
	}
	return out.GrowthDraws, out.Draws, nil
}

// Sign is the sign of x as −1, 0 or +1: how every answer reports a direction.
func Sign(x float64) int {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// String formats a verdict for logs and tests.
func (v Verdict) String() string {
	if v.Uncertain {
		return fmt.Sprintf("%s: uncertain (%s)", v.Driver, v.Sentence)
	}
	return fmt.Sprintf("%s: %+d, median %.4g [%.4g, %.4g]", v.Driver, v.Sign, v.Median, v.Lower, v.Upper)
}
