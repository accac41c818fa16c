package company

import (
	"fmt"

	"github.com/growthlens/growthlens/internal/numfmt"
	"github.com/growthlens/growthlens/internal/quantile"
)

// NegligibleShare is the part of a driver's catalogue prior below which its effect counts as
// negligible: the rule (Verdict) abstains when the data leave more than a 10 % chance that the
// effect is smaller than a tenth of what the catalogue expects.
const NegligibleShare = 0.1

// Verdict is what every surface says about one driver's effect: its direction, or that the
// data cannot tell.
type Verdict struct {
	Driver string `json:"driver"`
	// Sign is +1 when more of the driver raises revenue, −1 when it lowers it, 0 when the data
	// cannot tell (Uncertain).
	Sign      int  `json:"sign"`
	Uncertain bool `json:"uncertain"`
	// Median, Lower and Upper are the sustained effect's posterior median and 80 % interval,
	// in log revenue per unit of the driver (per log unit for spend and headcount).
	Median float64 `json:"median"`
	Lower  float64 `json:"lower"`
	Upper  float64 `json:"upper"`
	// Sentence says the verdict in words when the data cannot tell ("" otherwise).
	Sentence string `json:"sentence,omitempty"`
}

// Verdict applies the abstention rule to the driver's sustained effect. Let s be the
// direction the catalogue knows (the sign of the prior; for a driver without one, the sign of
// the posterior median) and q the posterior's 10th percentile of s × effect, the inner end of
// its 80 % interval. The effect is clear, with sign s, when q exceeds the driver's negligible
// effect (NegligibleShare × |prior|; 0 without a prior) and the data alone (least squares
// without prior or constraint, driver.Effect.DataOnly) do not put it on the other side of
// zero by more than one standard error — the sign constraint must not turn data that point
// the other way into a confident answer. Otherwise the data cannot tell whether the driver
// moves revenue and every surface says so with UncertainSentence. The boolean is false for
// a driver the model does not have.
func (m *Model) Verdict(column string) (Verdict, bool) {
	e, ok := m.effect(column)
	if !ok {
		return Verdict{}, false
	}
	draws := m.Driver.SustainedDraws(column)
	v := Verdict{Driver: column, Median: quantile.Of(draws, 0.5), Lower: quantile.Of(draws, (1-Level)/2), Upper: quantile.Of(draws, (1+Level)/2)}
	s := 0
	if pr, ok := m.Driver.Priors[column]; ok && pr.Sign != 0 {
		s = pr.Sign
	} else if v.Median > 0 {
		s = 1
	} else if v.Median < 0 {
		s = -1
	}
	inner := v.Lower
	if s < 0 {
		inner = -v.Upper
	}
	conflict := e.DataOnly != nil && s != 0 && float64(s)*e.DataOnly.Upper < 0 && float64(s)*e.DataOnly.Lower < 0
	if s != 0 && inner > m.Negligible[column] && !conflict {
		v.Sign = s
	} else {
		v.Uncertain = true
		v.Sentence = UncertainSentence(e.Column, s)
	}
	return v, true
}

// Verdicts returns every driver's verdict in the model's order.
func (m *Model) Verdicts() []Verdict {
	out := make([]Verdict, 0, len(m.Driver.Effects))
	for _, e := range m.Driver.Effects {
		v, _ := m.Verdict(e.Column)
		out = append(out, v)
	}
	return out
}

// phrases say, per driver column, the move that the catalogue expects to raise revenue.
var phrases = map[string]string{
	"marketing_spend":      "more marketing spend",
	"sales_headcount":      "more sales staff",
	"reimbursement_days":   "faster reimbursement",
	"supply_lead_days":     "shorter supply lead times",
	"first_response_hours": "faster first response",
}

// phrasesZh are phrases in Chinese.
var phrasesZh = map[string]string{
	"marketing_spend":      "增加市场投入",
	"sales_headcount":      "增加销售人员",
	"reimbursement_days":   "加快报销",
	"supply_lead_days":     "缩短供货周期",
	"first_response_hours": "加快首次响应",
}

// Phrase is the driver's move that the catalogue expects to raise revenue, in words ("faster
// first response"); sign is the effect's sign per unit (−1: less of the driver is better).
func Phrase(column string, sign int) string {
	if p, ok := phrases[column]; ok {
		return p
	}
	if sign < 0 {
		return "lower " + column
	}
	return "higher " + column
}

// UncertainSentence is the one sentence every surface uses when the data cannot tell a
// driver's effect: "the data cannot tell whether faster first response raises revenue".
func UncertainSentence(column string, sign int) string {
	return fmt.Sprintf("the data cannot tell whether %s raises revenue", Phrase(column, sign))
}

// UncertainSentenceZh is UncertainSentence in Chinese.
func UncertainSentenceZh(column string, sign int) string {
	p, ok := phrasesZh[column]
	if !ok {
		p = column
	}
	return "数据无法判断" + p + "是否能提高收入"
}

// WithheldWidth is the withholding rule: a what-if or contribution whose 80 % interval is
// wider than this many points of revenue (50 %) is withheld, with WithheldSentence, rather
// than printed — a range that wide says nothing a person can act on.
const WithheldWidth = 0.50

// WithheldSentence says why a figure is withheld.
func WithheldSentence(lower, upper float64) string {
	return fmt.Sprintf("withheld, because its 80 %% range (%s to %s) is too wide to act on", numfmt.SignedPercent(lower), numfmt.SignedPercent(upper))
}
