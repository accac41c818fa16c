package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/models/diagnose"
)

func newRootcauseLocateCmd(a *app) *cobra.Command {
	var (
		f          rootcauseDataFlags
		funnelOnly bool
	)
	cmd := &cobra.Command{
		Use:   "locate --data DIR --period PERIOD",
		Short: "Rank the region × product × team slices where the company's revenue went wrong",
		Long: `locate ranks the slices (region, product, team and their combinations) that explain a
period's revenue shortfall, from two kinds of evidence:

  - the sales funnel of every leaf (opportunities by region × product × team): deals created,
    win rate and average deal against values expected from the year before, moved by the
    drivers' usual variation; each KPI is drilled down (see "rootcause slices") and a slice
    is claimed when it is significant and abnormal against its own history;
  - the drivers: a region (or a region's product, for supply lead time) whose driver made an
    abnormal move that held its revenue back.

--funnel-only leaves the driver-located slices out.`,
		Example: `  growthlens rootcause locate --data var/scenarios/supply-delay --period 2026Q3`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.direction == "gap" {
				f.direction = "down"
			}
			if f.direction != "down" && f.direction != "up" && f.direction != "both" {
				return usageErr("--direction %q: want down, up or both", f.direction)
			}
			c, p, err := f.open(a)
			if err != nil {
				return err
			}
			ans, err := c.Slices(cmd.Context(), diagnose.SliceRequest{Period: p, Direction: f.direction, FunnelOnly: funnelOnly})
			if err != nil {
				return err
			}
			if f.jsonOut {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(ans)
			}
			w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintf(w, "%s: %d leaves\n", ans.Period, ans.Leaves)
			if ans.NoDominantCause {
				fmt.Fprintln(w, "no dominant cause; closest candidates:")
			}
			fmt.Fprintln(w, "rank\tslice\tsource\tkpi\trole\tchange\thistory z\tabnormal\tclaimed")
			for i, s := range ans.Slices {
				if i >= 10 {
					break
				}
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%+.3g\t%+.1f\t%.2f\t%v\n", i+1, s.String(), s.Source, s.KPI, s.Role, s.Change, s.HistoryZ, s.Abnormal, s.Claimed)
			}
			return w.Flush()
		},
	}
	addDataFlags(cmd, &f)
	cmd.Flags().Lookup("direction").DefValue = "down"
	cmd.Flags().Lookup("direction").Usage = "down (falls), up (rises) or both"
	cmd.Flags().BoolVar(&funnelOnly, "funnel-only", false, "leave out the slices located by the drivers")
	return cmd
}
