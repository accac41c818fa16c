package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/growthlens/growthlens/internal/numfmt"
	seedpkg "github.com/growthlens/growthlens/internal/seed"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/internal/atomicfile"
	"github.com/growthlens/growthlens/models/alert"
	"github.com/growthlens/growthlens/models/diagnose"
)

func newAlertsCmd(a *app) *cobra.Command {
	var (
		cf                                  companyFlags
		data, asOf, history, levels, grains string
		record, jsonOut                     bool
		replicates                          int
		seed                                uint64
	)
	cfg := alert.DefaultConfig()
	cmd := &cobra.Command{
		Use:   "alerts --data DIR --as-of DATE",
		Short: "Raise alerts where revenue to date is behind the target's pace, with linked causes",
		Long: `alerts reads the data as it was known on --as-of (rows dated from that day on are left
out, and what happened later to earlier rows is undone), and checks the month and the quarter
that hold the day before: for the company and every region, revenue to date against the
period's target pro-rated by the share of a period's revenue that history says is in by now
(B2B revenue bunches at the end of months and quarters, so not a flat share of days).

An alert fires when that pace is strictly below --threshold (0.8: exactly 80 % does not
fire); it is critical below --critical. Each alert lists the drivers that held revenue back
(see "rootcause drivers"), with the responsible roles added to the roles to notify.

--history-file FILE (a JSON array of alerts, or an earlier --json output) deduplicates: an alert
whose scope, metric and period were alerted within --cooldown is suppressed unless its
severity rose. --record appends the raised alerts to that file.`,
		Example: `  growthlens alerts --data var/scenarios/supply-delay --as-of 2026-09-15
  growthlens alerts --data var/default --as-of 2026-08-20 --history-file var/alerts.json --record --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if data == "" || asOf == "" {
				return usageErr("--data and --as-of are required")
			}
			day, err := datasets.ParseDate(asOf)
			if err != nil {
				return usageErr("--as-of: %v", err)
			}
			if _, err := cfg.Validate(); err != nil {
				return usageErr("%v", err)
			}
			if record && history == "" {
				return usageErr("--record needs --history-file FILE")
			}
			if replicates < 100 {
				return usageErr("--replicates %d: want at least 100", replicates)
			}
			req := diagnose.AlertRequest{Config: cfg}
			for _, l := range splitList(levels) {
				lvl, err := features.ParseLevel(l)
				if err != nil {
					return usageErr("--scope-levels: %v", err)
				}
				req.Levels = append(req.Levels, lvl)
			}
			for _, g := range splitList(grains) {
				gr, err := datasets.ParseGrain(g)
				if err != nil {
					return usageErr("--grains: %v", err)
				}
				req.Grains = append(req.Grains, gr)
			}
			if history != "" {
				req.Log = &alertFile{path: history, record: record}
			}
			// The day given is the last day known: the data end the day after it.
			m, err := cf.model(a)
			if err != nil {
				return err
			}
			c, err := diagnose.Open(data, diagnose.Options{AsOf: day.AddDate(0, 0, 1), Replicates: replicates, Seed: seed, Model: m})
			if err != nil {
				return err
			}
			ans, err := c.Alerts(cmd.Context(), req)
			if err != nil {
				return err
			}
			if jsonOut {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(ans)
			}
			return printAlerts(a, ans, c.Dataset().Settings.Currency)
		},
	}
	addCompanyFlags(cmd, &cf)
	fl := cmd.Flags()
	fl.StringVar(&data, "data", "", "dataset directory (canonical CSV tables; required)")
	fl.StringVar(&asOf, "as-of", "", "last day known, YYYY-MM-DD (required)")
	fl.Float64Var(&cfg.Threshold, "threshold", cfg.Threshold, "pace (revenue to date / pro-rated target) below which an alert fires")
	fl.Float64Var(&cfg.Critical, "critical", cfg.Critical, "pace below which an alert is critical")
	fl.Float64Var(&cfg.MinShare, "min-share", cfg.MinShare, "least expected share of the period's revenue by now for a period to be judged")
	fl.DurationVar(&cfg.Cooldown, "cooldown", cfg.Cooldown, "how long an alerted scope and period stay quiet unless the alert escalates")
	fl.StringVar(&history, "history-file", "", "JSON file of alerts raised before, for deduplication")
	renamedFlag(fl, "history", "history-file") // --history is a switch in adjust list
	fl.BoolVar(&record, "record", false, "append the raised alerts to the --history file")
	fl.StringVar(&levels, "scope-levels", "company,region", "scope levels to check: company, region, team")
	// --levels means prediction-interval levels everywhere else; the old name still works.
	fl.StringVar(&levels, "levels", "company,region", "")
	fl.MarkDeprecated("levels", "use --scope-levels (--levels is for interval levels)")
	fl.StringVar(&grains, "grains", "month,quarter", "periods to check: month, quarter")
	addOutputFlags(fl, &jsonOut, "one JSON object")
	fl.IntVar(&replicates, "replicates", 1000, "bootstrap replicates of the driver model (at least 100)")
	fl.Uint64Var(&seed, "seed", seedpkg.Default, "bootstrap seed")
	return cmd
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// alertFile is the --history file as the alert log: read for deduplication, and with
// --record the raised alerts are appended to it.
type alertFile struct {
	path   string
	record bool
	read   []alert.Alert
}

func (f *alertFile) History() ([]alert.Alert, error) {
	var err error
	f.read, err = readAlertHistory(f.path)
	return f.read, err
}

func (f *alertFile) Record(raised []alert.Alert) ([]alert.Alert, error) {
	if !f.record {
		return nil, nil
	}
	return nil, writeAlertHistory(f.path, append(f.read, raised...))
}

// readAlertHistory reads a JSON array of alerts or an object with an "alerts" array; a missing
// file is an empty history.
func readAlertHistory(path string) ([]alert.Alert, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSpace(b)
	var hist []alert.Alert
	if len(b) > 0 && b[0] == '{' {
		var wrapped struct {
			Alerts []alert.Alert `json:"alerts"`
		}
		err = json.Unmarshal(b, &wrapped)
		hist = wrapped.Alerts
	} else if len(b) > 0 {
		err = json.Unmarshal(b, &hist)
	}
	if err != nil {
		return nil, fmt.Errorf("--history-file %s: %w", path, err)
	}
	return hist, nil
}

func writeAlertHistory(path string, alerts []alert.Alert) error {
	b, err := json.MarshalIndent(alerts, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, 0o600, func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
}

// printAlerts prints the alerts; revenue carries the currency code when it is not "".
func printAlerts(a *app, ans *diagnose.AlertAnswer, currency string) error {
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "as of %s: %d scope-periods checked, %d alerts, %d suppressed\n", ans.AsOf.AddDate(0, 0, -1).Format(time.DateOnly),
		ans.Checked, len(ans.Alerts), len(ans.Suppressed))
	for _, al := range ans.Alerts {
		fmt.Fprintf(w, "\n%s %s %s: %s to date %s against %s expected by now (%s of the target %s): pace %s (%s)\n",
			strings.ToUpper(al.Severity), al.Scope, al.Period, al.Metric, numfmt.Money(al.Actual, currency), numfmt.Money(al.Expected, currency),
			numfmt.Percent(al.ExpectedShare), numfmt.Money(al.Target, currency), numfmt.Percent(al.Pace), al.Key)
		if al.NoDominantCause {
			fmt.Fprintln(w, "  no dominant cause among the drivers")
		}
		for _, c := range al.Causes {
			mark := " "
			if c.Claimed {
				mark = "*"
			}
			fmt.Fprintf(w, "  %s %s (%s): %s\n", mark, c.Name, c.Role, c.Detail)
		}
		fmt.Fprintf(w, "  notify: %s\n", strings.Join(al.Notify, ", "))
	}
	for _, n := range ans.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	return w.Flush()
}
