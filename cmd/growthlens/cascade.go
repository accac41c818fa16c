package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/internal/numfmt"
	seedpkg "github.com/growthlens/growthlens/internal/seed"
	"github.com/growthlens/growthlens/models/champion"
	"github.com/growthlens/growthlens/models/company"
	"github.com/growthlens/growthlens/models/diagnose"
	"github.com/growthlens/growthlens/models/goal"
	"github.com/growthlens/growthlens/models/indicators"
	"github.com/growthlens/growthlens/models/registry"
	"github.com/growthlens/growthlens/serve/review"
)

func newCascadeCmd(a *app) *cobra.Command {
	var (
		cf               companyFlags
		data, period     string
		target           float64
		persons, jsonOut bool
		seed             uint64
	)
	cmd := &cobra.Command{
		Use:   "cascade --period 2027 [--target 0.30] [--tenant T] [--data DIR]",
		Short: "Cascade the GM's growth goal to every role, team and person through the company model",
		Long: `cascade reads the period's growth goal (set with POST /v1/goals; --target previews one
without setting it) and the tenant's registered company model (the champion the API uses;
--refit fits one on --data instead), and goal-seeks: the smallest set of driver changes, each
within what the company's history has seen, that brings the model's estimate of the period's
year-on-year growth to the target on top of the run rate, with the share of the model's
posterior draws that reach it. Then each role's indicators with weights and targets, and each
team's and person's share by their contribution over the last four quarters and their
capacity. The same answer as GET /v1/cascade; docs/goals.md has the method.

A target no plausible change reaches is refused: the reason, the growth with every driver at
the edge of its range, and how far each driver alone would have to go; the exit code is 3.
Only one process may open a store: while growthlens serve holds it, ask its API.`,
		Example: `  growthlens cascade --period 2027
  growthlens cascade --period 2027 --target 0.30 --tenant acme --data var/tenants/acme -o json
  growthlens cascade --period 2027Q1 --target 0.10 --refit --data var/default --persons`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := goal.ParsePeriod(period)
			if err != nil {
				return usageErr("--period: %v", err)
			}
			preview := cmd.Flags().Changed("target")
			g := goal.Goal{Period: p.String(), Metric: goal.MetricGrowthYoY, Target: target}
			if err := g.Validate(); preview && err != nil {
				return usageErr("--target: %v", err)
			}
			var (
				m   *company.Model
				cat *indicators.Catalogue
			)
			if !cf.refit || !preview {
				if m, g, cat, err = cascadeInputs(a, cf, g, preview); err != nil {
					return err
				}
			}
			co, err := diagnose.Open(data, diagnose.Options{Seed: seed, Model: m, Catalogue: cat})
			if err != nil {
				return err
			}
			plan, err := goal.Cascade(cmd.Context(), co, g, goal.Options{Seed: seed})
			if err != nil {
				return err
			}
			if jsonOut {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(plan); err != nil {
					return err
				}
			} else {
				printPlan(a.stdout, plan, persons, co.Dataset().Settings.Currency)
			}
			if !plan.Reachable {
				return exitError{code: 3, err: errors.New(plan.Refusal.Reason)}
			}
			return nil
		},
	}
	addCompanyFlags(cmd, &cf)
	fl := cmd.Flags()
	fl.StringVar(&data, "data", envOr("GROWTHLENS_DATA", "var/default"), "the tenant's dataset directory (env GROWTHLENS_DATA)")
	fl.StringVar(&period, "period", "", "the goal's year (2027) or quarter (2027Q1); required")
	fl.Float64Var(&target, "target", 0, "preview this growth target, a fraction (0.30 is +30 %), instead of the stored goal")
	fl.BoolVar(&persons, "persons", false, "print every person's targets too")
	addOutputFlags(fl, &jsonOut, "the plan, GET /v1/cascade's answer")
	fl.Uint64Var(&seed, "seed", seedpkg.Default, "seed of the indicator suggestions' bootstrap (the API uses the same default)")
	return cmd
}

// cascadeInputs opens the store once: the tenant's champion company model (unless --refit),
// its catalogue (the built-in one with the roles and indicators it added) and, unless a
// target is previewed, the period's latest goal.
func cascadeInputs(a *app, cf companyFlags, g goal.Goal, preview bool) (*company.Model, goal.Goal, *indicators.Catalogue, error) {
	key, err := registry.LoadKey(registry.EnvEncryptionKey, cf.keyFile)
	if err != nil {
		return nil, g, nil, err
	}
	st, err := registry.Open(cf.store, registry.Options{EncryptionKey: key, MustExist: true, Logger: a.log})
	var inUse *registry.InUseError
	switch {
	case errors.Is(err, registry.ErrNoStore):
		return nil, g, nil, fmt.Errorf("%w (set --store or %s; growthlens train creates it)", err, envStore)
	case errors.As(err, &inUse):
		return nil, g, nil, fmt.Errorf("%w (the server answers GET /v1/cascade)", err)
	case err != nil:
		return nil, g, nil, err
	}
	defer st.Close()
	if !preview {
		docs, err := st.Goal(cf.tenant, g.Key())
		if errors.Is(err, registry.ErrNotFound) {
			return nil, g, nil, usageErr("no %s goal for %s in tenant %s: set one with POST /v1/goals, or preview one with --target", g.Metric, g.Period, cf.tenant)
		}
		if err != nil {
			return nil, g, nil, err
		}
		if err := json.Unmarshal(docs[0].Data, &g); err != nil {
			return nil, g, nil, fmt.Errorf("stored goal %s v%d: %w", docs[0].ID, docs[0].Version, err)
		}
	}
	cat, err := review.TenantCatalogue(st, cf.tenant)
	if err != nil {
		return nil, g, nil, err
	}
	if cf.refit {
		return nil, g, cat, nil
	}
	set, err := champion.Load(st, cf.tenant, champion.Data{Problem: "the cascade reads the company model from the store and the data from --data"})
	if err != nil {
		return nil, g, nil, err
	}
	m, v := set.Company()
	if m == nil {
		why := ""
		if v.Version > 0 {
			why = fmt.Sprintf("version %d was trained by an older build without priors: retrain", v.Version)
		}
		return nil, g, nil, noChampion(set, champion.Driver, "company model", cf.store, why, "fit one")
	}
	return m, g, cat, nil
}

// printPlan writes a plan for a person: the goal, the baseline, the driver changes, then each
// role's indicators and teams (and people with persons).
func printPlan(w io.Writer, p *goal.Plan, persons bool, currency string) {
	pct := goal.Percent
	version := fmt.Sprintf("version %d", p.GoalVersion)
	if p.GoalVersion == 0 {
		version = "a preview, not stored"
	}
	fmt.Fprintf(w, "Goal %s: revenue growth %s (%s); data to %s\n", p.Period, pct(p.Target), version, p.DataAsOf)
	b := p.Baseline
	fmt.Fprintf(w, "Baseline: %s, the %s; revenue a year earlier %s, at the baseline %s, the goal %s\n\n",
		pct(b.Growth), b.Basis, numfmt.Money(b.PriorRevenue, currency), numfmt.Money(b.Revenue, currency), numfmt.Money(b.TargetRevenue, currency))
	fmt.Fprintln(w, p.Summary)
	if !p.Reachable {
		fmt.Fprintln(w, "\nWhat each driver alone would need (the others at the edge of their range):")
		for _, n := range p.Refusal.Needed {
			fmt.Fprintln(w, "  "+n.Text)
		}
		return
	}
	if len(p.Changes) > 0 {
		fmt.Fprintln(w, "\nDriver changes (made at the start of the period and held):")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  driver\trole\tfrom\tto\tchange\tgrowth added (80 %)\t")
		for _, c := range p.Changes {
			// As the review page says it: the estimate and its 80 % interval, or only the range
			// where the data cannot tell the driver's direction.
			add := fmt.Sprintf("%s (%s … %s)", numfmt.Points(c.Contribution.Estimate), numfmt.Points(c.Contribution.Lower), numfmt.Points(c.Contribution.Upper))
			if c.Uncertain {
				add = fmt.Sprintf("somewhere between %s and %s", numfmt.Points(c.Contribution.Lower), numfmt.Points(c.Contribution.Upper))
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t\n", c.Driver, c.Role, numfmt.Level(c.From, c.Unit, currency), numfmt.Level(c.To, c.Unit, currency), pct(c.Relative), add)
		}
		tw.Flush()
		for _, c := range p.Changes {
			if c.Uncertain {
				fmt.Fprintf(w, "  %s: %s.\n", c.Driver, c.Sentence)
			}
		}
	}
	for _, r := range p.Roles {
		fmt.Fprintf(w, "\n%s (%s): %s\n", r.Name, r.Role, r.Rationale)
		if len(r.Indicators) == 0 {
			continue
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  indicator\tweight\tcurrent\ttarget\tbasis\t")
		for _, it := range r.Indicators {
			basis := it.Basis
			if it.Uncertain {
				basis += "; " + it.Sentence
			}
			fmt.Fprintf(tw, "  %s\t%d %%\t%s\t%s\t%s\t\n", it.Name, it.Weight, numfmt.Level(float64(it.Current), it.Unit, currency), numfmt.Level(it.Target, it.Unit, currency), basis)
		}
		tw.Flush()
		if len(r.Teams) == 0 {
			continue
		}
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		head := []string{"  team", "weight"}
		for _, it := range r.Indicators {
			head = append(head, it.ID)
		}
		fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
		for _, tm := range r.Teams {
			row := []string{"  " + tm.TeamID, numfmt.Percent(tm.Weight)}
			for k, n := range tm.Indicators {
				row = append(row, numfmt.Level(n.Target, r.Indicators[k].Unit, currency))
			}
			fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
			if !persons {
				continue
			}
			for _, ps := range tm.Persons {
				row := []string{"    " + ps.EmployeeID, numfmt.Percent(ps.Weight)}
				for k, n := range ps.Indicators {
					row = append(row, numfmt.Level(n.Target, r.Indicators[k].Unit, currency))
				}
				fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
			}
		}
		tw.Flush()
	}
	for _, n := range p.Notes {
		fmt.Fprintln(w, "note: "+n)
	}
}
