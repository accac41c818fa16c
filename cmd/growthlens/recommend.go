package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/internal/atomicfile"
	"github.com/growthlens/growthlens/internal/numfmt"
	"github.com/growthlens/growthlens/internal/seed"
	"github.com/growthlens/growthlens/models/champion"
	"github.com/growthlens/growthlens/models/incentive"
)

// recommendFlags are the flags of "recommend".
type recommendFlags struct {
	data, team, asOf, config string
	model, saveModel         string
	employees                []string
	budget                   float64
	budgetSet                bool
	top                      int
	seed                     uint64
	costUnit                 float64
	jsonOut                  bool
	// source: the tenant's registered incentive champion, or with --refit models trained on
	// --data.
	source companyFlags
}

func newRecommendCmd(a *app) *cobra.Command {
	var f recommendFlags
	cmd := &cobra.Command{
		Use:   "recommend --data DIR [--employee ID ...] [--team T --budget N] [--as-of DATE] [--top 3] [--refit] [--json]",
		Short: "Recommend incentives per employee, with reasons, and allocate a team's budget",
		Long: `recommend reads the tenant's registered incentive models (trained by growthlens train, the
ones the API serves) from --store and, for each employee of --data, ranks the incentives they
are eligible for by value and explains the top ones. The models know which incentives
employees prefer, what leaving risk and performance follow an incentive that fits (or does
not), and what each incentive costs. --refit trains them on --data's employees, rewards and
reviews instead; --model reads models saved by an earlier --save-model.

Value (money) = retention value × salary × fall in 12-month leaving risk
              + performance value × salary × expected performance change × months/12
              − cost weight × cost.
The defaults (1 salary per employee kept, 1 salary per performance point-year, 6 months,
cost weight 1: value net of cost) and the eligibility rules (commission for sales, equity from
level 3, promotion 365 days after the last one or hire, up to level 7, with a two-year mean
review score of at least 3.0) are the trained models'; with --refit they can be changed with
--config (YAML or JSON; docs/examples/incentives.yaml, docs/hr.md). An option that raises the
predicted leaving risk is not recommended unless it is the only eligible one, and the reasons
then say so; age is not a model input unless the policy allows protected inputs.

Employees: --employee (repeatable or comma-separated), or everyone on staff in --team, or
everyone on staff. With --budget, one incentive at most per employee is allocated so that the
total value is largest within the budget; a budget of 0 allows only incentives that cost
nothing. Training (--refit) takes seconds for a 100-employee company and minutes for
thousands: --save-model keeps the models in a file and --model reuses them on the same or
fresher data.`,
		Example: `  growthlens recommend --data var/default --employee E000012
  growthlens recommend --data var/default --team east-sales-01 --budget 20000
  growthlens recommend --data var/big --tenant big --team east-sales-01 --as-of 2026-10-01 --top 3 --json
  growthlens recommend --refit --data var/default --config incentives.yaml --save-model var/incentive.model`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			f.budgetSet = cmd.Flags().Changed("budget")
			return runRecommend(cmd.Context(), a, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.data, "data", "", "dataset directory with employees.csv, rewards.csv and reviews.csv (required)")
	fl.StringSliceVar(&f.employees, "employee", nil, "employee id to recommend for (repeatable, or comma-separated)")
	fl.StringVar(&f.team, "team", "", "recommend for everyone on staff in this team")
	fl.Float64Var(&f.budget, "budget", 0, "allocate incentives within this budget (money, ≥ 0)")
	fl.StringVar(&f.asOf, "as-of", "", "date to recommend on, YYYY-MM-DD (default: the day after the HR history ends)")
	fl.IntVar(&f.top, "top", 3, "incentives listed per employee")
	fl.StringVar(&f.config, "config", "", "YAML or JSON file with eligibility rules, costs and money values (with --refit)")
	fl.Uint64Var(&f.seed, "seed", seed.Default, "random seed of the models' cross-validation (with --refit)")
	fl.StringVar(&f.model, "model", "", "use the models saved in this file instead of training (see --save-model)")
	fl.StringVar(&f.saveModel, "save-model", "", "save the trained models to this file, for --model")
	fl.Float64Var(&f.costUnit, "cost-unit", 10, "money unit costs are rounded up to when allocating a budget")
	addOutputFlags(fl, &f.jsonOut, "one JSON object")
	addChampionFlags(cmd, &f.source, "incentive models")
	return cmd
}

// recommendJSON is the --json output.
type recommendJSON struct {
	AsOf            string                     `json:"as_of"`
	Training        incentive.Summary          `json:"training"`
	Values          incentive.Values           `json:"values"`
	Recommendations []incentive.Recommendation `json:"recommendations"`
	Allocation      *incentive.Allocation      `json:"allocation,omitempty"`
	Seconds         float64                    `json:"seconds"`
}

func runRecommend(ctx context.Context, a *app, f recommendFlags) error {
	start := time.Now()
	if f.data == "" {
		return usageErr("--data is required")
	}
	if f.top < 1 {
		return usageErr("--top %d: want at least 1", f.top)
	}
	if len(f.employees) > 0 && f.team != "" {
		return usageErr("--employee and --team are exclusive: give one or the other")
	}
	if f.budgetSet && f.budget < 0 {
		return usageErr("--budget %g: want 0 or more", f.budget)
	}
	var asOf time.Time
	if f.asOf != "" {
		var err error
		if asOf, err = datasets.ParseDate(f.asOf); err != nil {
			return usageErr("--as-of: %v", err)
		}
	}
	if f.model != "" && (f.config != "" || f.saveModel != "" || f.source.refit) {
		return usageErr("--model reuses saved models and their config: it excludes --config, --save-model and --refit")
	}
	if f.config != "" && !f.source.refit {
		return usageErr("--config applies to models being trained: add --refit (the registered models keep the config they were trained with)")
	}
	cfg := incentive.DefaultConfig()
	if f.config != "" {
		var err error
		if cfg, err = incentive.LoadConfig(f.config); err != nil {
			return err
		}
	}
	ds, _, err := datasets.Load(f.data, datasets.WithTables(features.EmployeeTables...))
	if err != nil {
		return err
	}
	var rec *incentive.Recommender
	switch {
	case f.model != "":
		b, err := os.ReadFile(f.model)
		if err != nil {
			return err
		}
		if rec, err = incentive.Restore(b, ds); err != nil {
			return fmt.Errorf("%s: %w", f.model, err)
		}
		cfg = rec.Config()
	case !f.source.refit:
		set, err := loadChampions(a, f.source.store, f.source.keyFile, f.source.tenant, champion.Data{Dataset: ds})
		if err != nil {
			return err
		}
		in, v := set.Incentive()
		if in == nil {
			return noChampion(set, champion.Incentive, "incentive models", f.source.store, "", "train them")
		}
		a.log.Debug("incentive models", "tenant", f.source.tenant, "version", v.Version)
		rec = in.Recommender
		cfg = rec.Config()
	default:
		a.log.Info("training incentive models", "employees", len(ds.Employees), "rewards", len(ds.Rewards))
		if rec, err = incentive.Train(ctx, ds, cfg, incentive.TrainOptions{Seed: f.seed}); err != nil {
			return err
		}
		a.log.Info("trained", "preference", rec.Summary().PreferenceModel, "attrition", rec.Summary().AttritionModel, "seconds", rec.Summary().Seconds)
	}
	if f.saveModel != "" {
		b, err := rec.MarshalBinary()
		if err != nil {
			return err
		}
		if err := atomicfile.Write(f.saveModel, 0o644, func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
			return err
		}
		a.log.Info("saved models", "file", f.saveModel, "bytes", len(b))
	}
	sum := rec.Summary()

	ids := f.employees
	if len(ids) == 0 {
		if ids, err = rec.OnStaff(asOf, f.team); err != nil {
			return err
		}
		if len(ids) == 0 {
			return fmt.Errorf("no employee on staff%s on the as-of date", map[bool]string{true: " in team " + f.team}[f.team != ""])
		}
	}
	recs, err := rec.Recommend(ctx, ids, incentive.Options{AsOf: asOf, Top: f.top})
	if err != nil {
		return err
	}
	var alloc *incentive.Allocation
	if f.budgetSet {
		if alloc, err = incentive.Allocate(recs, f.budget, incentive.AllocateOptions{CostUnit: f.costUnit, TypeBudget: rec.Config().Budget}); err != nil {
			return err
		}
	}
	if asOf.IsZero() {
		asOf = rec.ObservedUntil().AddDate(0, 0, 1)
	}
	for i := range recs {
		recs[i].Options = recs[i].Options[:min(f.top, len(recs[i].Options))]
	}
	if f.jsonOut {
		out := recommendJSON{AsOf: datasets.FormatDate(asOf), Training: sum, Values: cfg.Value, Recommendations: recs,
			Allocation: alloc, Seconds: time.Since(start).Seconds()}
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	var staff *staffTurnover
	if len(f.employees) == 0 && f.team == "" {
		// Everyone on staff: their expected leavers, as the review page shows them.
		past, err := rec.PastTurnover(incentive.Options{AsOf: asOf}, champion.TurnoverYears, "company")
		if err != nil {
			return err
		}
		staff = &staffTurnover{leavers: rec.LeaversOf(recs), past: past}
	}
	return printRecommendations(a, asOf, recs, alloc, staff, ds.Settings.Currency)
}

// staffTurnover is the expected leavers of everyone on staff (the company's, each region's
// and each team's) and the company's turnover of the years before.
type staffTurnover struct {
	leavers []incentive.Leavers
	past    []incentive.Turnover
}

// printRecommendations prints the recommendations, their sums by team (the review page's
// table), the staff's expected leavers when staff is not nil, and the allocation; money
// carries the currency code when it is not "".
func printRecommendations(a *app, asOf time.Time, recs []incentive.Recommendation, alloc *incentive.Allocation, staff *staffTurnover, currency string) error {
	w := a.stdout
	money := func(x float64) string { return numfmt.Money(x, currency) }
	fmt.Fprintf(w, "Incentive recommendations as of %s\n", datasets.FormatDate(asOf))
	for _, r := range recs {
		fmt.Fprintf(w, "\n%s (%s, team %s): risk of leaving within a year %s\n", r.EmployeeID, r.Role, r.TeamID, numfmt.Percent(r.Risk))
		for _, n := range r.Notes {
			fmt.Fprintf(w, "  note: %s\n", n)
		}
		for i, o := range r.Options {
			fmt.Fprintf(w, "  %d. %-13s preference %7s  risk %7s  performance %+.2f  cost %12s  value %12s\n",
				i+1, o.Type, numfmt.Percent(o.Preference), numfmt.Points(o.RiskChange), o.PerformanceChange, money(o.Cost), money(o.Value))
			for _, s := range o.Reasons {
				fmt.Fprintf(w, "       %s\n", s)
			}
		}
	}
	teams, total, types := incentive.SummarizeTeams(recs)
	fmt.Fprintf(w, "\nBy team (each employee's first recommended incentive):\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  team\temployees\trecommended first\tattrition risk now\twith the incentive\tcost\texpected value")
	for _, t := range append(teams, total) {
		top := []string{}
		for _, typ := range types {
			if n := t.Top[typ]; n > 0 {
				top = append(top, fmt.Sprintf("%s %d", typ, n))
			}
		}
		if len(top) == 0 {
			top = append(top, "–")
		}
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\t%s\t%s\t%s\n", t.Team, t.Employees, strings.Join(top, ", "), numfmt.Percent(t.MeanRisk), numfmt.Percent(t.MeanRiskAfter),
			money(t.Cost), money(t.Value))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if staff != nil && len(staff.leavers) > 0 {
		fmt.Fprintf(w, "\n%s\n", staff.leavers[0].Summary(datasets.FormatDate(asOf), staff.past))
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  years or scope\ton staff\tleft or expected to leave\tturnover")
		for _, y := range staff.past {
			fmt.Fprintf(tw, "  %s – %s\t%d\t%d\t%s\n", y.From, y.To, y.Employees, y.Left, numfmt.Percent(y.Rate))
		}
		for _, l := range staff.leavers {
			if l.Scope == "company" || strings.HasPrefix(l.Scope, "region:") {
				fmt.Fprintf(tw, "  next 12 months: %s\t%d\t%s (%d–%d)\t%s\n", l.Scope, l.Employees, strconv.FormatFloat(l.Expected, 'f', 1, 64), l.Low, l.High, numfmt.Percent(l.Turnover))
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if alloc == nil {
		return nil
	}
	fmt.Fprintf(w, "\nBudget %s: %d incentive(s), spent %s, total value %s\n", money(alloc.Budget), len(alloc.Grants), money(alloc.Spent), money(alloc.Value))
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  employee\tincentive\trank\tcost\tvalue")
	for _, g := range alloc.Grants {
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\t%s\n", g.EmployeeID, g.Type, g.Rank, money(g.Cost), money(g.Value))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(alloc.Unfunded) > 0 {
		fmt.Fprintf(w, "  not funded within the budget: %s\n", strings.Join(alloc.Unfunded, ", "))
	}
	return nil
}
