package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/models/champion"
	"github.com/growthlens/growthlens/models/forecast"
	"github.com/growthlens/growthlens/train"
)

func newForecastCmd(a *app) *cobra.Command {
	var (
		sf       storeFlags
		scope    string
		pipeline bool
	)
	cmd := &cobra.Command{
		Use:   "forecast [--scope company|region:ID|team:ID] [--pipeline] [--json]",
		Short: "Print a scope's revenue forecast from the champion forecast model",
		Long: `forecast prints the revenue forecast of one scope — the figures GET /v1/forecast answers —
from the tenant's champion forecast model: each quarter's forecast with its 80 % and 95 %
intervals, or why the forecast is withheld.

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
			level, id, ok := strings.Cut(scope, ":")
			if scope == "company" {
				level, id, ok = "company", "", true
			}
			if !ok || (level != "company" && id == "") || (level != "company" && level != "region" && level != "team") {
				return usageErr("--scope %q: want company, region:<id> or team:<id>", scope)
			}
			st, err := openStoreDirect(a, sf, "ask the server: GET /v1/forecast?scope="+scope)
			if err != nil {
				return err
			}
			defer st.Close()
			b, v, err := st.LoadAlias(sf.tenant, champion.Forecast, train.Champion)
			if err != nil {
				return fmt.Errorf("tenant %s: %w (growthlens train makes a forecast model)", sf.tenant, err)
			}
			set, err := forecast.UnmarshalSet(b)
			if err != nil {
				return fmt.Errorf("forecast v%d: %w", v.Version, err)
			}
			sc, ok := set.Find(level, id)
			if !ok {
				return usageErr("--scope %s: no such scope in tenant %s's forecast", scope, sf.tenant)
			}
			return printForecast(a, sf.asJSON, pipeline, v.Version, set, sc)
		},
	}
	addStoreFlags(cmd, &sf, true)
	cmd.Flags().StringVar(&scope, "scope", "company", "company, region:<id> or team:<id>")
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
}

func printForecast(a *app, asJSON, pipeline bool, version int, set *forecast.Set, sc *forecast.Scope) error {
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
	if asJSON {
		return printJSON(a.stdout, out)
	}
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "%s revenue forecast (model v%d, data to %s, %s)\n", name, version, set.AsOf, res.Method)
	for _, e := range sc.Excluded {
		fmt.Fprintf(w, "note: %s\n", e)
	}
	switch out.Status {
	case forecast.StatusWithheld:
		fmt.Fprintf(w, "withheld, because %s. %s.\n", out.Reason, out.Fix)
		return w.Flush()
	case forecast.StatusUncertain:
		fmt.Fprintf(w, "uncertain, because %s.\n", out.Reason)
	}
	fmt.Fprintln(w, "quarter\tforecast\t80 % interval\t95 % interval")
	for h, p := range out.Periods {
		fmt.Fprintf(w, "%s\t%s\t%s – %s\t%s – %s\n", p, moneyPlain(out.Mean[h]), moneyPlain(out.Lower80[h]), moneyPlain(out.Upper80[h]), moneyPlain(out.Lower95[h]), moneyPlain(out.Upper95[h]))
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
			fmt.Fprintf(w, "%s\t%s\t%s\t%d, %s\t%s\t%s\t%s\t%.0f %%\n", s.Period, moneyPlain(s.Closed), moneyPlain(s.Open), s.OpenDeals, moneyPlain(s.OpenAmount),
				moneyPlain(s.NotCreated), moneyPlain(s.Total()), moneyPlain(pl.Univariate[h]), 100*pl.Weights[h])
		}
	}
	return w.Flush()
}
