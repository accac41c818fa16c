package main

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/models/registry"
)

func newModelsCmd(a *app) *cobra.Command {
	var f storeFlags
	cmd := &cobra.Command{
		Use:   "models",
		Short: "List, inspect, promote, roll back and delete registered model versions",
		Long: `models manages the model registry in the store: immutable versions numbered 1, 2, 3… per
model, and aliases — champion (the version the server serves), challenger, or any name — that
are moved to promote or roll back. Every move is kept in the alias's history with who made it
and why, and every change is written to the audit log.`,
	}
	addStoreFlags(cmd, &f, true)
	cmd.AddCommand(
		newModelsListCmd(a, &f),
		newModelsShowCmd(a, &f),
		newModelsPromoteCmd(a, &f),
		newModelsRollbackCmd(a, &f),
		newModelsDeleteCmd(a, &f),
	)
	return cmd
}

func newModelsListCmd(a *app, f *storeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List a tenant's models with their latest version and aliases",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := connect(a, *f, true)
			if err != nil {
				return err
			}
			defer s.Close()
			ms, err := s.Models(f.tenant)
			if err != nil {
				return err
			}
			if f.asJSON {
				return printJSON(a.stdout, map[string]any{"tenant": f.tenant, "models": ms})
			}
			if len(ms) == 0 {
				fmt.Fprintf(a.stdout, "tenant %s has no models\n", f.tenant)
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "MODEL\tVERSIONS\tLATEST\tALIASES")
			for _, m := range ms {
				fmt.Fprintf(tw, "%s\t%d\tv%d\t%s\n", m.Name, m.Versions, m.Latest, aliasList(m.Aliases))
			}
			return tw.Flush()
		},
	}
}

func aliasList(as map[string]int) string {
	if len(as) == 0 {
		return "-"
	}
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(as)) {
		parts = append(parts, fmt.Sprintf("%s=v%d", name, as[name]))
	}
	return strings.Join(parts, " ")
}

func newModelsShowCmd(a *app, f *storeFlags) *cobra.Command {
	var (
		version int
		history int
	)
	cmd := &cobra.Command{
		Use:   "show MODEL",
		Short: "Show a model's versions, aliases and recent alias moves, or one version's metadata",
		Example: `  growthlens models show forecast
  growthlens models show forecast --version 3 --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := connect(a, *f, true)
			if err != nil {
				return err
			}
			defer s.Close()
			name := args[0]
			if version > 0 {
				v, err := s.Version(f.tenant, name, version)
				if err != nil {
					return err
				}
				if f.asJSON {
					return printJSON(a.stdout, v)
				}
				return printVersion(a, v)
			}
			vs, err := s.Versions(f.tenant, name)
			if err != nil {
				return err
			}
			if len(vs) == 0 {
				return fmt.Errorf("tenant %s has no model %q: %w", f.tenant, name, registry.ErrNotFound)
			}
			as, err := s.Aliases(f.tenant, name)
			if err != nil {
				return err
			}
			hist := map[string][]registry.AliasEvent{}
			for _, al := range as {
				if hist[al.Alias], err = s.History(f.tenant, name, al.Alias, history); err != nil {
					return err
				}
			}
			if f.asJSON {
				return printJSON(a.stdout, map[string]any{"tenant": f.tenant, "model": name, "versions": vs, "aliases": as, "history": hist})
			}
			return printModel(a, vs, as, hist)
		},
	}
	cmd.Flags().IntVar(&version, "version", 0, "show this version's full metadata")
	cmd.Flags().IntVar(&history, "moves", 10, "alias moves to show per alias (0 for all)")
	renamedFlag(cmd.Flags(), "history", "moves") // --history is a file in alerts
	return cmd
}

func printModel(a *app, vs []registry.Version, as []registry.Alias, hist map[string][]registry.AliasEvent) error {
	byVersion := map[int][]string{}
	for _, al := range as {
		byVersion[al.Version] = append(byVersion[al.Version], al.Alias)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tCREATED\tSIZE\tSHA256\tDATA\tSEED\tMETRICS\tALIASES")
	for _, v := range vs {
		fmt.Fprintf(tw, "v%d\t%s\t%d\t%.12s\t%.12s\t%d\t%s\t%s\n", v.Version, fmtTime(v.Created), v.Size, v.ArtifactSHA256,
			orDash(v.DataHash), v.Seed, metricList(v.Metrics), orDash(strings.Join(byVersion[v.Version], ",")))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, al := range as {
		fmt.Fprintf(a.stdout, "\n%s → v%d (moved %s by %s)\n", al.Alias, al.Version, fmtTime(al.Moved), al.By)
		for _, ev := range hist[al.Alias] {
			fmt.Fprintf(a.stdout, "  #%d %s %s v%d → v%d by %s: %s\n", ev.Seq, fmtTime(ev.Time), ev.Action, ev.From, ev.To, ev.By, orDash(ev.Reason))
		}
	}
	return nil
}

func printVersion(a *app, v registry.Version) error {
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	row := func(k, val string) { fmt.Fprintf(tw, "%s:\t%s\n", k, val) }
	row("model", fmt.Sprintf("%s/%s v%d", v.Tenant, v.Name, v.Version))
	row("kind", orDash(v.Kind))
	row("created", fmtTime(v.Created))
	row("artifact", fmt.Sprintf("%d bytes in %d chunks, sha256 %s", v.Size, v.Chunks, v.ArtifactSHA256))
	row("data hash", orDash(v.DataHash))
	row("code version", orDash(v.CodeVersion))
	row("seed", strconv.FormatInt(v.Seed, 10))
	row("run", orDash(v.RunID))
	row("metrics", metricList(v.Metrics))
	row("feature spec", orDash(string(v.FeatureSpec)))
	row("backtest", orDash(string(v.Backtest)))
	return tw.Flush()
}

func metricList(m map[string]float64) string {
	if len(m) == 0 {
		return "-"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s=%.4g", k, m[k]))
	}
	return strings.Join(parts, " ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// parseVersionArg reads a version argument written as 3 or v3.
func parseVersionArg(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(s, "v"))
	if err != nil || n < 1 {
		return 0, usageErr("version %q: want a positive number such as 3 or v3", s)
	}
	return n, nil
}

func newModelsPromoteCmd(a *app, f *storeFlags) *cobra.Command {
	var alias, reason string
	cmd := &cobra.Command{
		Use:   "promote MODEL VERSION --reason TEXT",
		Short: "Point an alias (champion by default) at a version",
		Long: `promote moves an alias — champion unless --alias says otherwise — to a version, in one
transaction with its history entry. A running server picks the new champion up without a
restart. The previous version is remembered, so "models rollback" can return to it.`,
		Example: `  growthlens models promote forecast 4 --reason "MASE 0.71 vs 0.80 on the 2026Q2 backtest"`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := parseVersionArg(args[1])
			if err != nil {
				return err
			}
			if strings.TrimSpace(reason) == "" {
				return usageErr("--reason is required: say why, it is kept in the alias history")
			}
			s, err := connect(a, *f, true)
			if err != nil {
				return err
			}
			defer s.Close()
			ch := actor()
			ch.Reason = reason
			ev, err := s.SetAlias(f.tenant, args[0], alias, v, ch)
			audit(a, s, f.tenant, "models.promote", fmt.Sprintf("%s@%d as %s", args[0], v, alias), err, reason)
			if err != nil {
				return err
			}
			return printMove(a, *f, ev)
		},
	}
	cmd.Flags().StringVar(&alias, "alias", registry.Champion, "alias to move")
	cmd.Flags().StringVar(&reason, "reason", "", "why (required)")
	return cmd
}

func newModelsRollbackCmd(a *app, f *storeFlags) *cobra.Command {
	var alias, reason string
	cmd := &cobra.Command{
		Use:   "rollback MODEL --reason TEXT",
		Short: "Move an alias (champion by default) back to the version it pointed at before",
		Long: `rollback moves an alias back to its previous version, skipping versions deleted since.
Rolling back twice goes two steps back; promote again to go forward.`,
		Example: `  growthlens models rollback forecast --reason "v4 overshoots West"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(reason) == "" {
				return usageErr("--reason is required: say why, it is kept in the alias history")
			}
			s, err := connect(a, *f, true)
			if err != nil {
				return err
			}
			defer s.Close()
			ch := actor()
			ch.Reason = reason
			ev, err := s.RollbackAlias(f.tenant, args[0], alias, ch)
			audit(a, s, f.tenant, "models.rollback", args[0]+" "+alias, err, reason)
			if err != nil {
				return err
			}
			return printMove(a, *f, ev)
		},
	}
	cmd.Flags().StringVar(&alias, "alias", registry.Champion, "alias to move back")
	cmd.Flags().StringVar(&reason, "reason", "", "why (required)")
	return cmd
}

func printMove(a *app, f storeFlags, ev registry.AliasEvent) error {
	if f.asJSON {
		return printJSON(a.stdout, ev)
	}
	from := "(new)"
	if ev.From > 0 {
		from = fmt.Sprintf("v%d", ev.From)
	}
	_, err := fmt.Fprintf(a.stdout, "%s/%s: %s %s → v%d (%s by %s)\n", ev.Tenant, ev.Model, ev.Alias, from, ev.To, ev.Action, ev.By)
	return err
}

func newModelsDeleteCmd(a *app, f *storeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "delete MODEL VERSION",
		Short: "Delete a version no alias points at",
		Long: `delete removes a version and its artifact. A version an alias points at is refused: move
the alias first. Version numbers are never reused. The artifact's disk space is not reclaimed
in place; "growthlens backup" then "growthlens restore --force" rebuilds the store from live
data only.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := parseVersionArg(args[1])
			if err != nil {
				return err
			}
			s, err := connect(a, *f, true)
			if err != nil {
				return err
			}
			defer s.Close()
			err = s.Delete(f.tenant, args[0], v)
			audit(a, s, f.tenant, "models.delete", fmt.Sprintf("%s@%d", args[0], v), err, "")
			if err != nil {
				return err
			}
			if f.asJSON {
				return printJSON(a.stdout, map[string]any{"tenant": f.tenant, "model": args[0], "deleted": v})
			}
			_, err = fmt.Fprintf(a.stdout, "%s/%s: deleted v%d\n", f.tenant, args[0], v)
			return err
		},
	}
}
