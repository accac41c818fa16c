package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/internal/seed"
	"github.com/growthlens/growthlens/models/incentive"
	"github.com/growthlens/growthlens/models/registry"
	"github.com/growthlens/growthlens/serve"
	"github.com/growthlens/growthlens/train"
)

func newTrainCmd(a *app) *cobra.Command {
	var (
		sf            storeFlags
		dataDir       string
		incentiveFile string
		cfg           = train.DefaultConfig("")
		levels        []float64
	)
	cmd := &cobra.Command{
		Use:   "train --data DIR",
		Short: "Train every model from a dataset, register the versions and promote them",
		Long: `train loads and validates a dataset, builds its feature panels, fits the revenue
forecasts (company, regions, teams), the driver model and the incentive models, backtests
them, registers the new versions in the store and promotes them.

--promote auto (the default) makes a version champion only when its backtest is not worse
than the current champion's on the same data; always and never do what they say. The same
data and seed give byte-identical artifacts: a run on unchanged data reuses the stored
versions. The run record is kept in the store (growthlens runs list|show).`,
		Example: `  growthlens train --data var/default
  growthlens train --data var/acme --store var/store --tenant acme --seed 3 --promote never --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dataDir == "" {
				return usageError(errors.New("--data is required"))
			}
			cfg.Data, cfg.Tenant, cfg.Levels = dataDir, sf.tenant, levels
			cfg.CodeVersion, cfg.By, cfg.Logger = codeVersion(), actor().By, a.log
			if incentiveFile != "" {
				ic, err := incentive.LoadConfig(incentiveFile)
				if err != nil {
					return err
				}
				cfg.Incentive = &ic
			}
			if err := cfg.Validate(); err != nil {
				return usageError(err)
			}
			// The root command has already given the key to --data (sealDataDirs), so a data
			// root the server encrypted is read with it.
			key, err := registry.LoadKey(registry.EnvEncryptionKey, sf.keyFile)
			if err != nil {
				return err
			}
			bars := map[string]*progress{}
			cfg.Progress = func(step string, done, total int) {
				b := bars[step]
				if b == nil {
					b = newProgress(a, step, total)
					bars[step] = b
				}
				b.set(done, total)
				if done == total {
					b.finish()
				}
			}
			var (
				rec    *train.Record
				runErr error
				conn   storeConn
			)
			store, err := registry.Open(sf.dir, registry.Options{EncryptionKey: key, Logger: a.log})
			var inUse *registry.InUseError
			switch {
			case errors.As(err, &inUse):
				c, err := viaServer(a, sf.dir, err)
				if err != nil {
					return err
				}
				defer c.Close()
				conn = c
				rec, runErr = trainViaServer(cmd.Context(), a, c, cfg)
			case err != nil:
				return err
			default:
				defer store.Close()
				conn = store
				rec, runErr = train.Run(cmd.Context(), store, cfg)
			}
			if rec != nil {
				audit(a, conn, cfg.Tenant, "train", "run/"+rec.ID, runErr, fmt.Sprintf("data %s, %d models", dataDir, len(rec.Models)))
			}
			if runErr != nil {
				return runErr
			}
			if sf.asJSON {
				return printJSON(a.stdout, rec)
			}
			return printRunSummary(a, rec)
		},
	}
	addStoreFlags(cmd, &sf, true)
	f := cmd.Flags()
	f.StringVar(&dataDir, "data", "", "dataset directory (canonical CSV tables)")
	f.Uint64Var(&cfg.Seed, "seed", seed.Default, "random seed (same data and seed give the same artifacts)")
	f.StringVar(&cfg.Promote, "promote", train.PromoteAuto, "auto (only if the backtest is not worse than the champion's), always or never")
	f.IntVar(&cfg.Horizon, "horizon", cfg.Horizon, "quarters to forecast (1 to 12)")
	f.Float64SliceVar(&levels, "levels", cfg.Levels, "prediction interval levels in percent")
	f.StringVar(&incentiveFile, "incentive-config", "", "incentive eligibility and valuation (YAML or JSON; default: the built-in rules)")
	return cmd
}

// printRunSummary prints one line per model: version, whether it was promoted, its main
// metrics and the time it took, then the warnings.
func printRunSummary(a *app, rec *train.Record) error {
	fmt.Fprintf(a.stdout, "run %s: %s in %.1f s (data %s, hash %s, seed %d)\n", rec.ID, rec.Status, rec.Seconds, rec.Data, rec.DataHash[:12], rec.Seed)
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "model\tversion\tchampion\tmetrics\tseconds\tdecision")
	for _, m := range rec.Models {
		keys := make([]string, 0, len(m.Metrics))
		for k := range m.Metrics {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s=%.4g", k, m.Metrics[k]))
		}
		v := fmt.Sprint(m.Version)
		if m.Reused {
			v += " (same)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%.2f\t%s\n", m.Name, v, m.Champion, strings.Join(parts, " "), m.Seconds, m.Decision)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, w := range rec.Warnings {
		fmt.Fprintln(a.stderr, "warning:", w)
	}
	return nil
}

// trainViaServer runs the training on the server that holds the store and follows it until it
// finishes; the server swaps the promoted models in before it reports success. Interrupting
// the command cancels the run.
func trainViaServer(ctx context.Context, a *app, c *serve.AdminClient, cfg train.Config) (*train.Record, error) {
	data, err := filepath.Abs(cfg.Data)
	if err != nil {
		return nil, err
	}
	p := serve.TrainParams{Seed: cfg.Seed, Promote: cfg.Promote, Horizon: cfg.Horizon, Levels: cfg.Levels, Data: data, Incentive: cfg.Incentive}
	j, err := c.StartTraining(cfg.Tenant, cfg.By, p)
	if err != nil {
		return nil, err
	}
	a.log.Info("training on the running server", "server", c.Addr, "job", j.ID)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for !serve.FinishedJob(j) {
		select {
		case <-ctx.Done():
			if _, err := c.CancelJob(j.ID); err != nil {
				a.log.Warn("cancel the run on the server", "job", j.ID, "err", err)
			}
			return nil, ctx.Err()
		case <-tick.C:
		}
		if j, err = c.Job(j.ID); err != nil {
			return nil, err
		}
		if pr := j.Progress; pr != nil && cfg.Progress != nil {
			cfg.Progress(pr.Step, pr.Done, pr.Total)
		}
	}
	var rec *train.Record
	if j.Run != nil {
		rec = new(train.Record)
		if err := json.Unmarshal(j.Run, rec); err != nil {
			return nil, fmt.Errorf("the server's run record: %w", err)
		}
	}
	if j.Status != "succeeded" {
		if j.Error == "" {
			j.Error = j.Status
		}
		return rec, fmt.Errorf("training on the server %s: %s", j.Status, j.Error)
	}
	return rec, nil
}
