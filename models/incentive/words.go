package incentive

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/growthlens/growthlens/internal/numfmt"
)

// Reasons are built with strconv appends rather than fmt: a batch of 10,000 employees writes
// 90,000 sentences, and fmt made them a third of the scoring time.

// typeNames are the incentives as a manager would say them.
var typeNames = map[string]string{
	"cash_bonus":    "a cash bonus",
	"commission":    "commission",
	"promotion":     "a promotion",
	"training":      "training",
	"recognition":   "recognition",
	"equity":        "equity",
	"flexible_time": "flexible time",
}

// text is a sentence under construction.
type text []byte

func (t text) s(parts ...string) text {
	for _, p := range parts {
		t = append(t, p...)
	}
	return t
}

// f appends x with prec decimals.
func (t text) f(x float64, prec int) text { return strconv.AppendFloat(t, x, 'f', prec, 64) }

// signed appends x with prec decimals and a sign.
func (t text) signed(x float64, prec int) text {
	if x >= 0 {
		t = append(t, '+')
	}
	return t.f(x, prec)
}

// pct appends a probability or a share as a percentage with one decimal (numfmt.Percent), as
// every surface prints one.
func (t text) pct(p float64) text { return t.s(numfmt.Percent(p)) }

// amount appends an amount of money as every surface prints it (numfmt.Money: four
// significant digits, grouped, with the currency when there is one).
func (t text) amount(x float64, currency string) text {
	if math.IsNaN(x) {
		return t.s("unknown")
	}
	return t.s(numfmt.Money(x, currency))
}

// sayReasons puts an option's drivers and effects into short sentences; amounts carry the
// currency (the data's, "" for none).
func sayReasons(rec *Recommendation, o *Option, months float64, currency string) []string {
	name := typeNames[o.Type]
	share := func(t text) text {
		return t.pct(o.Preference).s(" likely to be their pick among ").f(float64(len(rec.Options)), 0).s(" eligible incentives")
	}
	buf := make(text, 0, 512) // one allocation for the three sentences
	drivers := func(t text) text {
		for i, d := range o.Drivers {
			if i > 0 {
				t = t.s(" and ")
			}
			t = describe(t, d.Feature, d.Value, d.Typical, currency)
		}
		return t
	}
	var first text
	switch {
	case len(o.Drivers) == 0:
		first = share(buf.s(capitalize(name), ": ")).s("; no single trait stands out.")
	case o.Fit >= 0.5:
		first = share(drivers(buf.s(capitalize(name), " suits them: ")).s(" (")).s(").")
	default:
		first = drivers(share(buf.s(capitalize(name), " is a weaker fit (")).s("); what speaks for it: ")).s(".")
	}
	second := first[len(first):].s("Expected: risk of leaving within a year ").pct(rec.Risk).s(" → ").pct(o.Risk).
		s("; performance ").signed(o.PerformanceChange, 2).s(" over the next ").f(months, 0).s(" months.")
	third := second[len(second):].s("Costs about ").amount(o.Cost, currency)
	switch {
	case rec.Salary > 0 && o.Benefit >= 0:
		third = third.s(" (").f(100*o.Cost/rec.Salary, 1).s(" % of salary); worth about ").amount(o.Benefit, currency).s(" in retention and performance.")
	case rec.Salary > 0:
		third = third.s(" (").f(100*o.Cost/rec.Salary, 1).s(" % of salary); expected to do more harm than good: a loss of about ").amount(-o.Benefit, currency).s(" in retention and performance.")
	default:
		third = third.s(".")
	}
	out := []string{string(first), string(second), string(third)}
	raises := slices.Contains(o.Flags, FlagRaisesRisk)
	switch {
	case raises && o.Recommended:
		out = append(out, string(text(nil).s("The only eligible incentive, although it raises the predicted risk of leaving (").pct(rec.Risk).s(" → ").pct(o.Risk).s(").")))
	case raises:
		out = append(out, string(text(nil).s("Not recommended: it raises the predicted risk of leaving (").pct(rec.Risk).s(" → ").pct(o.Risk).s(").")))
	case !o.Recommended:
		out = append(out, string(text(nil).s("Not recommended: its expected value after its cost is ").amount(o.Value, currency).s(".")))
	}
	if slices.Contains(o.Flags, FlagCostsMore) && o.Benefit > 0 {
		out = append(out, string(text(nil).s("It costs more than the ").amount(o.Benefit, currency).s(" it is expected to be worth.")))
	}
	if len(rec.Unknown) > 0 {
		t := text(nil).s("Not known, so taken as typical: ")
		for i, name := range rec.Unknown {
			if i > 0 {
				t = t.s(", ")
			}
			t = t.s(inputNames[name])
		}
		out = append(out, string(t.s(".")))
	}
	return out
}

// inputNames name the inputs that can be unknown (unknownable) in reasons.
var inputNames = map[string]string{
	"level": "level", "tenure_years": "time with the company", "salary_ratio": "pay against the role median",
	"perf_mean_24m": "average review score over two years", "perf_last": "last review score", "kpi_last": "last KPI completion",
	"promotion_wait_months": "time since the last promotion", "reimbursement_days": "expense claim payment time",
	"rewards_24m": "incentives in the last two years", "age": "age",
}

// describe appends what one feature value is, against the typical one: "7.1 years with the
// company (typical 4.0)"; money (the salary) with the data's currency ("" for none).
func describe(t text, feature, value, typical, currency string) text {
	if value == "" {
		return t.s(strings.ReplaceAll(feature, "_", " "), " not recorded")
	}
	v, verr := strconv.ParseFloat(value, 64)
	tv, terr := strconv.ParseFloat(typical, 64)
	say := func(t text, prec int, unit string) text {
		return t.f(v, prec).s(unit, " (typical ").f(tv, prec).s(")")
	}
	switch {
	case feature == "role":
		return t.s("works in ", strings.ReplaceAll(value, "_", " "))
	case feature == "region":
		return t.s("works in region ", value)
	case verr != nil || terr != nil:
		return t.s(strings.ReplaceAll(feature, "_", " "), " ", value, " (typical ", typical, ")")
	case feature == "age":
		return say(t.s("age "), 0, "")
	case feature == "tenure_years":
		return say(t, 1, " years with the company")
	case feature == "level":
		return say(t.s("level "), 0, "")
	case feature == "salary":
		return t.s("salary ").amount(v, currency).s(" (typical ").amount(tv, currency).s(")")
	case feature == "salary_ratio":
		d := 100 * (v - 1)
		switch {
		case math.Abs(d) < 0.5:
			return t.s("paid the role median")
		case d < 0:
			return t.s("paid ").f(-d, 0).s(" % below the role median")
		}
		return t.s("paid ").f(d, 0).s(" % above the role median")
	case feature == "perf_last":
		return say(t.s("last review score "), 1, "")
	case feature == "perf_trend":
		if v < 0 {
			return t.s("review scores falling (").signed(v, 1).s(" on the previous ones)")
		}
		return t.s("review scores rising (").signed(v, 1).s(" on the previous ones)")
	case feature == "kpi_last":
		return t.s("last KPI completion ").pct(v).s(" (typical ").pct(tv).s(")")
	case feature == "perf_mean_24m":
		return say(t.s("average review score over two years "), 1, "")
	case feature == "kpi_mean_24m":
		return t.s("average KPI completion over two years ").pct(v).s(" (typical ").pct(tv).s(")")
	case feature == "rewards_24m":
		return say(t, 0, " incentives in the last two years")
	case feature == colLastFit:
		return t.s("their last incentive was ").pct(v).s(" as attractive to them as their favourite (typical ").pct(tv).s(")")
	case strings.HasPrefix(feature, "role_") && (v == 0 || v == 1):
		role := strings.ReplaceAll(strings.TrimPrefix(feature, "role_"), "_", " ")
		if v == 1 {
			return t.s("works in ", role)
		}
		return t.s("does not work in ", role)
	case feature == "promotion_wait_months":
		return say(t, 0, " months since the last promotion or hire")
	case feature == "months_since_reward":
		return say(t, 0, " months since the last incentive")
	case strings.HasPrefix(feature, "rewards_24m_"):
		kind := strings.ReplaceAll(strings.TrimPrefix(feature, "rewards_24m_"), "_", " ")
		return say(t, 0, " × "+kind+" in the last two years")
	case feature == "reimbursement_days":
		return say(t.s("expense claims paid in "), 0, " days")
	case strings.HasPrefix(feature, "no_"+colPastDelta):
		kind := typeNames[strings.TrimPrefix(feature, "no_"+colPastDelta)]
		if v == 1 {
			return t.s("no measured result of ", kind, " yet")
		}
		return t.s("a measured result of ", kind, " before")
	case strings.HasPrefix(feature, colPastDelta):
		kind := typeNames[strings.TrimPrefix(feature, colPastDelta)]
		return t.s("performance ").signed(v, 2).s(" after ", kind, " before (typical ").signed(tv, 2).s(")")
	case strings.HasPrefix(feature, colChosenShare):
		kind := typeNames[strings.TrimPrefix(feature, colChosenShare)]
		return t.s("chose ", kind, " for ").pct(v).s(" of the incentives they picked (typical ").pct(tv).s(")")
	}
	return t.s(strings.ReplaceAll(feature, "_", " "), " ", value, " (typical ", typical, ")")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// fmtNum formats a number for a message, "unknown" when NaN.
func fmtNum(x float64) string {
	if math.IsNaN(x) {
		return "unknown"
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}
