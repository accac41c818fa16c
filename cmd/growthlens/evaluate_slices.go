package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/internal/slicebench"
)

func newEvaluateSlicesCmd(a *app) *cobra.Command {
	var (
		bench, methods string
		cases, top     int
		jsonOut        bool
	)
	cmd := &cobra.Command{
		Use:   "slices [--bench all|validation|test|NAME,…] [--json]",
		Short: "Score slice root-cause methods on generated cube incidents (RiskLoc's and Squeeze's settings)",
		Long: `slices generates cube incidents following the published generators — RiskLoc's settings
S, L and H, Squeeze's B0–B4 and D (a derived, ratio measure) — plus ratio KPIs of counts
whose expected values are the mean of four earlier periods, and scores every method side by
side: the shipped method (rootcause.Rank, "current"), the naive excess ranking, Adtributor,
Squeeze, RiskLoc and a Shapley attribution. For every bench and method it prints recall@1/3/5
(the share of the true elements among the first k, out of min(k, number of true elements)),
MRR (1 / rank of the first true element) and the mean time per case.

Benches are validation (used to choose and tune the shipped method: B0, B2, B4, D, SR, RV, RO,
FV4, FV4S, FV5; seeds 100…) or test (reported, never tuned on: S, L, H, B1, B3, RT, FT4, FT5,
FT5S; seeds 4000…). See
docs/rootcause-slices.md for the settings and the latest figures.`,
		Example: `  growthlens evaluate slices --bench test
  growthlens evaluate slices --bench S,L --methods current,naive --cases 20 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			benches, err := slicebench.Select(bench)
			if err != nil {
				return usageErr("--bench: %v", err)
			}
			var ms []slicebench.Method
			for _, m := range slicebench.Methods() {
				if methods == "all" || containsName(methods, m.Name) {
					ms = append(ms, m)
				}
			}
			if len(ms) == 0 {
				var known []string
				for _, m := range slicebench.Methods() {
					known = append(known, m.Name)
				}
				return usageErr("--methods %q: want all or some of %s", methods, strings.Join(known, ", "))
			}
			if cases < 0 {
				return usageErr("--cases %d: want 0 (each bench's own) or more", cases)
			}
			if top < 5 || top > 20 {
				return usageErr("--top %d: want 5 to 20", top)
			}
			rows, err := slicebench.Run(cmd.Context(), slicebench.Config{
				Benches: benches, Methods: ms, Cases: cases, Top: top,
				Progress: func(b string, done, total int) {
					if done == total || done%10 == 0 {
						fmt.Fprintf(a.stderr, "evaluate slices: %s %d/%d cases\n", b, done, total)
					}
				},
			})
			if err != nil {
				return err
			}
			if jsonOut {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					Rows []slicebench.Row `json:"rows"`
				}{rows})
			}
			w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "bench\trole\tmethod\tcases\tseeds\trecall@1\trecall@3\trecall@5\tMRR\tms/case")
			for _, r := range rows {
				fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%.3f\t%.3f\t%.3f\t%.3f\t%.1f\n", r.Bench, r.Role, r.Method, r.Cases, r.Seeds, r.R1, r.R3, r.R5, r.MRR, r.MsPerCase)
			}
			return w.Flush()
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&bench, "bench", "all", "benches: all, validation, test, or names such as S,L,B0")
	fl.StringVar(&methods, "methods", "all", "methods: all, or names such as current,naive,riskloc")
	fl.IntVar(&cases, "cases", 0, "cases per bench (0: each bench's own count)")
	fl.IntVar(&top, "top", 5, "ranked elements asked of each method (5 to 20)")
	addOutputFlags(fl, &jsonOut, "one JSON object")
	return cmd
}

func containsName(list, name string) bool {
	for _, x := range strings.Split(list, ",") {
		if strings.TrimSpace(x) == name {
			return true
		}
	}
	return false
}
