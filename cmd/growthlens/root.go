package main

import (
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// app holds what every subcommand shares: where output goes and the logger.
type app struct {
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger

	logLevel string
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	a := &app{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "growthlens",
		Short: "Growth forecasts, root causes, indicators and incentives for a sales company",
		Long: `growthlens turns a sales company's CRM, ERP, support, finance and HR tables into
growth forecasts with calibrated intervals, ranked causes of KPI shortfalls, suggested
indicators per role and incentive recommendations per employee.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			var lvl slog.Level
			if err := lvl.UnmarshalText([]byte(a.logLevel)); err != nil {
				return err
			}
			a.log = slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: lvl}))
			return sealDataDirs(cmd)
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVar(&a.logLevel, "log-level", envOr("GROWTHLENS_LOG_LEVEL", "info"), "log level: debug, info, warn, error (env GROWTHLENS_LOG_LEVEL)")
	root.AddCommand(
		newVersionCmd(a),
		newTrainCmd(a),
		newRunsCmd(a),
		newGenerateCmd(a),
		newFeaturesCmd(a),
		newEvaluateCmd(a),
		newImportCmd(a),
		newRootcauseCmd(a),
		newWhatifCmd(a),
		newAttributionCmd(a),
		newModelsCmd(a),
		newKeysCmd(a),
		newBackupCmd(a),
		newRestoreCmd(a),
		newMigrateCmd(a),
		newRecommendCmd(a),
		newIndicatorsCmd(a),
		newAlertsCmd(a),
		newServeCmd(a),
		newWorkerCmd(a),
		newReportCmd(a),
		newCascadeCmd(a),
		newForecastCmd(a),
		newAdjustCmd(a),
	)
	root.Long += "\n\n" + exitCodesHelp
	// Usage mistakes exit 2 wherever cobra finds them: a flag it cannot parse, or arguments a
	// command's Args refuses.
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })
	var argsAreUsage func(c *cobra.Command)
	argsAreUsage = func(c *cobra.Command) {
		if check := c.Args; check != nil {
			c.Args = func(cmd *cobra.Command, args []string) error {
				if err := check(cmd, args); err != nil {
					return usageError(err)
				}
				return nil
			}
		}
		for _, sub := range c.Commands() {
			argsAreUsage(sub)
		}
	}
	argsAreUsage(root)
	return root
}

// envOr returns the environment variable's value, or def when it is unset or empty.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// renamedFlag keeps old as a deprecated alias of the flag new (the same value; cobra prints
// "use --new" when it is given), for a flag renamed so that one name has one meaning.
func renamedFlag(fs *pflag.FlagSet, old, new string) {
	f := *fs.Lookup(new)
	f.Name, f.Shorthand, f.Deprecated = old, "", "use --"+new
	fs.AddFlag(&f)
}
