package main

import (
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/internal/numfmt"
	"github.com/growthlens/growthlens/models/adjustment"
	"github.com/growthlens/growthlens/models/champion"
	"github.com/growthlens/growthlens/models/diagnose"
	"github.com/growthlens/growthlens/models/forecast"
	"github.com/growthlens/growthlens/models/registry"
	"github.com/growthlens/growthlens/train"
)

func newAdjustCmd(a *app) *cobra.Command {
	var sf storeFlags
	var data string
	cmd := &cobra.Command{
		Use:   "adjust",
		Short: "Set, list or withdraw a manager's adjusted forecast figure",
		Long: `adjust keeps a general manager's figure for a scope's forecast quarter beside the model's —
the same adjustments PUT, GET and DELETE /v1/forecast/adjustments keep: each set is a new
version in the store with the model's figure of the moment, written to the audit log (as
cli:<user>, role admin); withdraw stores a version that withdraws it. GET /v1/forecast, the
review page and growthlens forecast show them, and score them once the quarter's actuals are
in (docs/forecast.md, "Manager adjustments").

Only one process may open a store: while ` + "`growthlens serve`" + ` holds it, use the API.`,
		Example: `  growthlens adjust set region:East 2026Q4 1250000 --note "two renewals signed early"
  growthlens adjust list --history
  growthlens adjust withdraw region:East 2026Q4`,
	}
	addStoreFlags(cmd, &sf, true)
	cmd.PersistentFlags().StringVar(&data, "data", envOr("GROWTHLENS_DATA", "var/default"), "the tenant's dataset directory, for the currency of the amounts (env GROWTHLENS_DATA)")
	hint := "use the API: /v1/forecast/adjustments"

	var note string
	set := &cobra.Command{
		Use:   "set SCOPE QUARTER REVENUE --note TEXT",
		Short: "Set the figure you expect for a scope's forecast quarter, with why",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			rev, err := strconv.ParseFloat(args[2], 64)
			if err != nil {
				return usageErr("REVENUE %q: want a number", args[2])
			}
			scope, err := cliScope(args[0])
			if err != nil {
				return err
			}
			st, err := openStoreDirect(a, sf, hint)
			if err != nil {
				return err
			}
			defer st.Close()
			set, v, err := loadForecastSet(st, sf.tenant)
			if err != nil {
				return err
			}
			adj := adjustment.Adjustment{Scope: scope, Quarter: args[1], Revenue: rev, Note: note}
			if err := adjustment.Prepare(&adj, set, v); err != nil {
				var fe *adjustment.FieldError
				if errors.As(err, &fe) || errors.Is(err, adjustment.ErrNoScope) {
					return usageErr("%v", err)
				}
				return err
			}
			who := actor()
			adj, prev, err := adjustment.Put(st, sf.tenant, adj, who.By, who.Role, time.Now())
			cur := dataCurrency(a, data)
			detail := ""
			if err == nil {
				detail = adjustment.Detail(adj, prev, cur)
			}
			audit(a, st, sf.tenant, "forecast.adjust", "forecast adjustment "+scope+" "+adj.Quarter, err, detail)
			if err != nil {
				return err
			}
			if sf.asJSON {
				return printJSON(a.stdout, map[string]any{"currency": cur, "adjustment": adj, "previous": prev})
			}
			fmt.Fprintln(a.stdout, detail)
			return nil
		},
	}
	set.Flags().StringVar(&note, "note", "", "why the figure differs from the model's (required; one line, at most 500 characters)")

	var history bool
	list := &cobra.Command{
		Use:   "list [--history]",
		Short: "List the adjustments in force (or every version)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := openStoreDirect(a, sf, hint)
			if err != nil {
				return err
			}
			defer st.Close()
			all, err := adjustment.Load(st, sf.tenant)
			if err != nil {
				return err
			}
			out := adjustment.Current(all)
			if history {
				out = all
				adjustment.Sort(out)
			}
			cur := dataCurrency(a, data)
			if sf.asJSON {
				return printJSON(a.stdout, map[string]any{"currency": cur, "adjustments": out})
			}
			if len(out) == 0 {
				fmt.Fprintf(a.stdout, "tenant %s has no forecast adjustment\n", sf.tenant)
				return nil
			}
			w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "scope\tquarter\tadjusted\tmodel (version)\tversion\tset by\tset at\tnote")
			for _, x := range out {
				fig := numfmt.Money(x.Revenue, cur)
				if x.Withdrawn {
					fig = "withdrawn"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s (v%d)\t%d\t%s\t%s\t%s\n", x.Scope, x.Quarter, fig, numfmt.Money(x.ModelRevenue, cur), x.ModelVersion,
					x.Version, x.SetBy, fmtTime(x.SetAt), x.Note)
			}
			return w.Flush()
		},
	}
	list.Flags().BoolVar(&history, "history", false, "every version, withdrawals included")

	withdraw := &cobra.Command{
		Use:   "withdraw SCOPE QUARTER",
		Short: "Withdraw the adjustment of a scope's quarter (its versions stay in the history)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			scope, err := cliScope(args[0])
			if err != nil {
				return err
			}
			q, err := datasets.ParseQuarter(args[1])
			if err != nil {
				return usageErr("QUARTER: %v", err)
			}
			st, err := openStoreDirect(a, sf, hint)
			if err != nil {
				return err
			}
			defer st.Close()
			who := actor()
			w, prev, err := adjustment.Withdraw(st, sf.tenant, scope, q.String(), who.By, who.Role, time.Now())
			if errors.Is(err, adjustment.ErrNone) {
				return usageErr("%v (growthlens adjust list shows them)", err)
			}
			detail := ""
			if err == nil {
				detail = adjustment.Detail(w, prev, dataCurrency(a, data))
			}
			audit(a, st, sf.tenant, "forecast.adjust.withdraw", "forecast adjustment "+scope+" "+q.String(), err, detail)
			if err != nil {
				return err
			}
			if sf.asJSON {
				return printJSON(a.stdout, map[string]any{"withdrawn": w})
			}
			fmt.Fprintln(a.stdout, detail)
			return nil
		},
	}
	cmd.AddCommand(set, list, withdraw)
	return cmd
}

// cliScope reads company, region:<id> or team:<id> as the API writes it.
func cliScope(s string) (string, error) {
	sc, err := diagnose.ParseScope(s)
	if err != nil || sc.Level == features.Employee {
		return "", usageErr("scope %q: want company, region:<id> or team:<id>", s)
	}
	return sc.String(), nil
}

// loadForecastSet loads the tenant's champion forecast set and its version.
func loadForecastSet(st registry.Store, tenant string) (*forecast.Set, int, error) {
	b, v, err := st.LoadAlias(tenant, champion.Forecast, train.Champion)
	if err != nil {
		return nil, 0, fmt.Errorf("tenant %s: %w (growthlens train makes a forecast model)", tenant, err)
	}
	set, err := forecast.UnmarshalSet(b)
	if err != nil {
		return nil, 0, fmt.Errorf("forecast v%d: %w", v.Version, err)
	}
	return set, v.Version, nil
}

// dataCurrency is the currency of the dataset in dir (its dataset.json), "" with a warning
// when it cannot be read or does not say.
func dataCurrency(a *app, dir string) string {
	s, err := datasets.ReadSettings(dir)
	if err != nil {
		a.log.Warn("dataset settings not read: amounts are shown without a currency", "data", dir, "err", err)
		return ""
	}
	if s.Currency == "" {
		a.log.Warn("the dataset does not name its currency: amounts are shown without one", "data", dir)
	}
	return s.Currency
}
