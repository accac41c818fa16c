package main

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/numfmt"
	"github.com/growthlens/growthlens/models/adjustment"
	"github.com/growthlens/growthlens/models/forecast"
)

func newForecastCmd(a *app) *cobra.Command {
	var (
		sf       storeFlags
		scope    string
		pipeline bool
		data     string
	)
	cmd := &cobra.Command{
		Use:   "forecast [--scope company|region:ID|team:ID] [--pipeline] [--json]",
		Short: "Print a scope's revenue forecast from the champion forecast model",
		Long: `forecast prints the revenue forecast of one scope — the figures GET /v1/forecast answers —
from the tenant's champion forecast model: each quarter's forecast with its 80 % and 95 %
intervals, its growth on the quarter before and on a year before, the quarter's revenue target
and the probability of reaching it (from --data's targets.csv, as GET /v1/forecast gives
them), a manager's adjusted figure beside the model's (growthlens adjust), or why the forecast
is withheld; then the last 8 quarters' actual against target and how far the forecast was off
on its own past. Every figure is the review page's, rounded alike; money carries the currency
of --data's dataset.json.

--pipeline adds where the first quarters' revenue comes from when the data has deals: won so
far in the quarter, expected from the deals open at the forecast date (how many, and their
amount if all were won), expected from deals not yet created, their total, the forecast from
revenue history alone and the weight of the pipeline's total in the published figure
(chosen by rolling-origin validation). docs/forecast.md describes the model.

Only one process may open a store: while ` + "`growthlens serve`" + ` holds it, ask GET /v1/forecast.`,
		Example: `  growthlens forecast --pipeline
  growthlens forecast --scope region:East --pipeline --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			sc0, err := cliScope(scope)
			if err != nil {
				return usageErr("--scope %q: want company, region:<id> or team:<id>", scope)
			}
			level, id, _ := strings.Cut(sc0, ":")
			st, err := openStoreDirect(a, sf, "ask the server: GET /v1/forecast?scope="+scope)
			if err != nil {
				return err
			}
			defer st.Close()
			set, v, err := loadForecastSet(st, sf.tenant)
			if err != nil {
				return err
			}
			sc, ok := set.Find(level, id)
			if !ok {
				return usageErr("--scope %s: no such scope in tenant %s's forecast", scope, sf.tenant)
			}
			all, err := adjustment.Load(st, sf.tenant)
			if err != nil {
				return err
			}
			ctx := forecastContext{adjustments: adjustment.Current(all), set: set}
			ctx.currency, ctx.targets = forecastData(a, data)
			return printForecast(a, sf.asJSON, pipeline, v, set, sc, ctx)
		},
	}
	addStoreFlags(cmd, &sf, true)
	cmd.Flags().StringVar(&scope, "scope", "company", "company, region:<id> or team:<id>")
	cmd.Flags().StringVar(&data, "data", envOr("GROWTHLENS_DATA", "var/default"), "the tenant's dataset directory: revenue targets and the currency (env GROWTHLENS_DATA)")
	cmd.Flags().BoolVar(&pipeline, "pipeline", false, "show where the first quarters' revenue comes from (won, open deals, not yet created)")
	return cmd
}

// forecastOut is the --json answer.
type forecastOut struct {
	Scope    string             `json:"scope"`
	Version  int                `json:"model_version"`
	AsOf     string             `json:"as_of"`
	Method   string             `json:"method,omitempty"`
	Status   string             `json:"status"`
	Reason   string             `json:"reason,omitempty"`
	Fix      string             `json:"fix,omitempty"`
	Excluded []string           `json:"excluded,omitempty"`
	Periods  []string           `json:"periods"`
	Mean     []float64          `json:"mean"`
	Lower80  []float64          `json:"lower80,omitempty"`
	Upper80  []float64          `json:"upper80,omitempty"`
	Lower95  []float64          `json:"lower95,omitempty"`
	Upper95  []float64          `json:"upper95,omitempty"`
	Pipeline *forecast.Pipeline `json:"pipeline,omitempty"`
	// Currency is the ISO 4217 code of the amounts (dataset.json), "" when unknown.
	Currency string `json:"currency,omitempty"`
	// Target and HitProbability are each quarter's revenue target and P(revenue ≥ target),
	// null without a target; Adjusted a manager's figure, null without one.
	Target         []*float64               `json:"target,omitempty"`
	HitProbability []*float64               `json:"hit_probability,omitempty"`
	Adjusted       []*adjustment.Adjustment `json:"adjusted,omitempty"`
	// Growth is each quarter's growth on the quarter before and on the same quarter a year
	// before, with their intervals (GET /v1/forecast's growth_qoq and growth_yoy).
	Growth *forecast.GrowthForecast `json:"growth,omitempty"`
	// AdjustmentOutcomes scores the scope's adjustments whose quarters have actuals.
	AdjustmentOutcomes []adjustment.Outcome `json:"adjustment_outcomes,omitempty"`
}

// forecastContext is what printForecast shows beside the model's figures.
type forecastContext struct {
	currency    string
	targets     map[string]float64 // by "<period> <scope>"
	adjustments []adjustment.Adjustment
	set         *forecast.Set
}

// forecastData reads the revenue targets and the currency of the dataset in dir (its
// targets.csv and dataset.json only, not the deals and tickets); without a dataset there, a
// warning says what is left out.
func forecastData(a *app, dir string) (string, map[string]float64) {
	ds, _, err := datasets.Load(dir, datasets.WithTables("targets"))
	if err != nil {
		a.log.Warn("no dataset read: targets, the probability of reaching them and the currency are left out (set --data)", "data", dir, "err", err)
		return "", nil
	}
	targets := map[string]float64{}
	for _, t := range ds.Targets {
		if t.Metric == "revenue" && t.Target > 0 {
			scope := "company"
			if t.Scope != "company" {
				scope = t.Scope + ":" + t.ScopeID
			}
			targets[t.Period.String()+" "+scope] = t.Target
		}
	}
	return ds.Settings.Currency, targets
}

func printForecast(a *app, asJSON, pipeline bool, version int, set *forecast.Set, sc *forecast.Scope, ctx forecastContext) error {
	name := sc.Level
	if sc.ID != "" {
		name += ":" + sc.ID
	}
	if sc.Forecast == nil {
		return fmt.Errorf("scope %s has no forecast: %s", name, sc.Error)
	}
	res := sc.Forecast
	out := forecastOut{Scope: name, Version: version, AsOf: set.AsOf, Method: res.Method, Status: forecast.StatusOK, Excluded: sc.Excluded,
		Periods: res.Periods, Mean: res.Mean}
	if v := sc.Verdict; v != nil {
		out.Status, out.Reason, out.Fix = v.Status, v.Reason, v.Fix
	}
	for _, iv := range res.Intervals {
		switch iv.Level {
		case 80:
			out.Lower80, out.Upper80 = iv.Lower, iv.Upper
		case 95:
			out.Lower95, out.Upper95 = iv.Lower, iv.Upper
		}
	}
	if out.Status == forecast.StatusWithheld {
		out.Periods, out.Mean, out.Lower80, out.Upper80, out.Lower95, out.Upper95 = []string{}, []float64{}, nil, nil, nil, nil
	}
	if pipeline {
		out.Pipeline = sc.Pipeline
	}
	if out.Status != forecast.StatusWithheld {
		out.Growth = sc.Growth
	}
	out.Currency = ctx.currency
	if out.Status != forecast.StatusWithheld {
		for h, p := range out.Periods {
			var tgt, prob *float64
			if t, ok := ctx.targets[p+" "+name]; ok {
				tgt = &t
				if o, err := sc.Outlook(h+1, t); err == nil {
					prob = &o.Probability
				}
			}
			out.Target, out.HitProbability = append(out.Target, tgt), append(out.HitProbability, prob)
			var adj *adjustment.Adjustment
			if x, ok := adjustment.For(ctx.adjustments, name, p); ok {
				adj = &x
			}
			out.Adjusted = append(out.Adjusted, adj)
		}
	}
	mine := slices.DeleteFunc(slices.Clone(ctx.adjustments), func(x adjustment.Adjustment) bool { return x.Scope != name })
	out.AdjustmentOutcomes = adjustment.Track(mine, adjustment.Actuals(ctx.set))
	if asJSON {
		return printJSON(a.stdout, out)
	}
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	// AsOf is the day after the data: "data to 2018-01-01" read as if January's data were in.
	// The header says "before", keeping the API's and the page's date, and names no method
	// for a forecast that is withheld.
	method := ", " + res.Method
	if out.Status == forecast.StatusWithheld {
		method = ""
	}
	fmt.Fprintf(w, "%s revenue forecast (model v%d, data before %s%s)\n", name, version, set.AsOf, method)
	for _, e := range sc.Excluded {
		fmt.Fprintf(w, "note: %s\n", e)
	}
	switch out.Status {
	case forecast.StatusWithheld:
		fmt.Fprintf(w, "withheld, because %s.%s\n", out.Reason, whatHelps(out.Fix))
		return w.Flush()
	case forecast.StatusUncertain:
		fmt.Fprintf(w, "uncertain, because %s.%s\n", out.Reason, whatHelps(out.Fix))
	}
	money := func(x float64) string { return numfmt.Money(x, out.Currency) }
	fmt.Fprintln(w, "quarter\tforecast\t80 % interval\t95 % interval\tgrowth on previous quarter\tgrowth on a year before\ttarget\tchance of reaching it\tmanager's figure")
	for h, p := range out.Periods {
		tgt, prob, adj := "–", "–", "–"
		if t := out.Target[h]; t != nil {
			tgt = money(*t)
		}
		if pr := out.HitProbability[h]; pr != nil {
			prob = numfmt.Percent(*pr)
		}
		if x := out.Adjusted[h]; x != nil {
			adj = money(x.Revenue) + " (" + x.Note + ")"
		}
		qoq, yoy := growthCells(out.Growth, h)
		fmt.Fprintf(w, "%s\t%s\t%s – %s\t%s – %s\t%s\t%s\t%s\t%s\t%s\n", p, money(out.Mean[h]), money(out.Lower80[h]), money(out.Upper80[h]), money(out.Lower95[h]), money(out.Upper95[h]),
			qoq, yoy, tgt, prob, adj)
	}
	if k := len(sc.History); k > 0 {
		// The review page's "Actual against target": the last 8 quarters with actuals.
		fmt.Fprintln(w, "\nquarter\tactual\ttarget\tcompletion")
		for t := max(0, k-8); t < k; t++ {
			tgt, done := "–", "–"
			if x, ok := ctx.targets[sc.Periods[t]+" "+name]; ok {
				tgt, done = money(x), numfmt.Percent(sc.History[t]/x)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", sc.Periods[t], money(sc.History[t]), tgt, done)
		}
		targetOf := func(q string) float64 { return ctx.targets[q+" "+name] }
		if y, ok := sc.YearToDate(sc.Periods[k-1], targetOf); ok {
			fmt.Fprintf(w, "year to date %s (%d quarters)\t%s\t%s\t%s\n", y.Year, y.Quarters, money(y.Actual), money(y.Target), numfmt.Percent(y.Completion))
		}
	}
	rec := sc.Record()
	fmt.Fprintf(w, "\n%s %s\n", rec.Summary(), rec.Metrics())
	if os := out.AdjustmentOutcomes; len(os) > 0 {
		fmt.Fprintf(w, "\nmanagers' adjustments against the actuals: %s\n", adjustment.Summarize(os))
		fmt.Fprintln(w, "quarter\tactual\tmodel\tmodel's error\tadjusted\tadjusted error")
		for _, o := range os {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", o.Quarter, money(o.Actual), money(o.Model), numfmt.SignedPercent(o.ModelError), money(o.Adjusted), numfmt.SignedPercent(o.AdjustedError))
		}
	}
	if pipeline {
		pl := sc.Pipeline
		if pl == nil {
			fmt.Fprintln(w, "\nno pipeline forecast: the data has no deals for this scope, or too little history")
			return w.Flush()
		}
		fmt.Fprintf(w, "\nfrom the sales pipeline as of %s\n", pl.AsOf)
		fmt.Fprintln(w, "quarter\twon so far\topen deals (expected)\topen deals (count, amount)\tnot yet created\tpipeline total\thistory only\tpipeline weight")
		for h, s := range pl.Splits {
			fmt.Fprintf(w, "%s\t%s\t%s\t%d, %s\t%s\t%s\t%s\t%s\n", s.Period, money(s.Closed), money(s.Open), s.OpenDeals, money(s.OpenAmount),
				money(s.NotCreated), money(s.Total()), money(pl.Univariate[h]), numfmt.Percent(pl.Weights[h]))
		}
	}
	return w.Flush()
}

// growthCells are the h-th quarter's growth on the quarter before and on a year before, with
// the latter's 80 % interval, as the review page shows them; "–" where a rate is undefined.
func growthCells(g *forecast.GrowthForecast, h int) (qoq, yoy string) {
	qoq, yoy = "–", "–"
	if g == nil {
		return qoq, yoy
	}
	if h < len(g.PoP) && g.PoP[h].Defined {
		qoq = numfmt.SignedPercent(g.PoP[h].Mean)
	}
	if h < len(g.YoY) && g.YoY[h].Defined {
		yoy = numfmt.SignedPercent(g.YoY[h].Mean)
		for _, iv := range g.YoY[h].Intervals {
			if iv.Level == 80 {
				yoy += " 80 %: " + numfmt.SignedPercent(iv.Lower) + " … " + numfmt.SignedPercent(iv.Upper)
			}
		}
	}
	return qoq, yoy
}

// whatHelps is the forecast's fix as the review page says it (" What would help: …."), or "".
func whatHelps(fix string) string {
	if fix == "" {
		return ""
	}
	return " What would help: " + fix + "."
}
