package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/train"
)

func newRunsCmd(a *app) *cobra.Command {
	var sf storeFlags
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List and show training runs",
	}
	addStoreFlags(cmd, &sf, true)
	var limit int
	list := &cobra.Command{
		Use:   "list",
		Short: "List training runs, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openStoreRO(a, sf)
			if err != nil {
				return err
			}
			defer s.Close()
			recs, err := s.Runs(sf.tenant, limit)
			if err != nil {
				return err
			}
			runs := make([]train.Record, 0, len(recs))
			for _, r := range recs {
				var rec train.Record
				if err := json.Unmarshal(r.Data, &rec); err != nil {
					return fmt.Errorf("run %s: %w", r.ID, err)
				}
				runs = append(runs, rec)
			}
			if sf.asJSON {
				return printJSON(a.stdout, map[string]any{"runs": runs})
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "id\tstatus\tstarted\tseconds\tmodels\tdata")
			for _, r := range runs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f\t%d\t%s\n", r.ID, r.Status, fmtTime(r.Started), r.Seconds, len(r.Models), r.Data)
			}
			return tw.Flush()
		},
	}
	list.Flags().IntVar(&limit, "limit", 20, "how many runs to list (0: all)")
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show one training run: data, steps, models, metrics, promotion decisions, warnings",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openStoreRO(a, sf)
			if err != nil {
				return err
			}
			defer s.Close()
			r, err := s.Run(sf.tenant, args[0])
			if err != nil {
				return err
			}
			var rec train.Record
			if err := json.Unmarshal(r.Data, &rec); err != nil {
				return fmt.Errorf("run %s: %w", r.ID, err)
			}
			if sf.asJSON {
				return printJSON(a.stdout, rec)
			}
			if err := printRunSummary(a, &rec); err != nil {
				return err
			}
			for _, st := range rec.Steps {
				fmt.Fprintf(a.stdout, "  %-22s %7.2f s\n", st.Name, st.Seconds)
			}
			return nil
		},
	}
	cmd.AddCommand(list, show)
	return cmd
}

// openStoreRO opens an existing store for reading, or reaches it through the server that
// holds it.
func openStoreRO(a *app, sf storeFlags) (storeConn, error) {
	return connect(a, sf, true)
}
