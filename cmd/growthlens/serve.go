package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/models/notify"
	"github.com/growthlens/growthlens/models/registry"
	"github.com/growthlens/growthlens/serve"
	"github.com/growthlens/growthlens/train"
	"github.com/growthlens/growthlens/train/queue"
)

// Environment variables of the serve flags.
const (
	envAddr     = "GROWTHLENS_ADDR"
	envDataRoot = "GROWTHLENS_DATA_ROOT"
)

func newServeCmd(a *app) *cobra.Command {
	cfg := serve.DefaultConfig()
	var keyFile, metricsTokenFile string
	var smtp notify.SMTP
	var smtpPasswordFile string
	cmd := &cobra.Command{
		Use:   "serve [--addr :8080] [--store DIR] [--data-root DIR | --data DIR]",
		Short: "Serve the forecasting, root-cause and recommendation API over HTTP",
		Long: `serve runs the HTTP API (JSON under /v1, described at /openapi.json) on the store's champion
models: forecasts with intervals and backtest accuracy, what-if scenarios, root causes by
driver with the responsible roles, slice drilldown, suggested indicators per role, alerts
raised from posted period-to-date actuals, incentive recommendations and allocations, data
upload, training runs, model promotion and rollback, and the audit log; /healthz, /readyz
and /metrics (Prometheus; deploy/prometheus/alerts.yml has example alerting rules).

Every /v1 request needs an API key (Authorization: Bearer <key>), made with
growthlens keys create --tenant T --role R. A key sees only its tenant. Roles:
viewer (forecasts and diagnostics), gm (also people's recommendations), hr_system
(recommendations, data upload, actuals), trainer (data, training, promotion), admin (all,
and the audit log).

The server owns the store while it runs. The CLI's models, keys, backup, runs and train
commands reach it through the admin socket <store>/admin.sock (mode 0600), so they keep
working. Each tenant's dataset is DATA_ROOT/<tenant>/ (uploads are written there and training
reads from there); --data names the default tenant's directory directly.

SIGINT or SIGTERM stops accepting connections, lets requests in flight finish (up to
--shutdown-timeout), cancels running training and closes the store.`,
		Example: `  growthlens serve --store var/store --data var/default
  growthlens serve --addr 127.0.0.1:9000 --data-root /srv/growthlens/tenants --rate-limit 100`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			key, err := registry.LoadKey(registry.EnvEncryptionKey, keyFile)
			if err != nil {
				return err
			}
			cfg.EncryptionKey, cfg.Logger, cfg.CodeVersion, cfg.Trainer = key, a.log, codeVersion(), pipeline{}
			if metricsTokenFile != "" {
				if cfg.MetricsToken, err = registry.ReadSecretFile(metricsTokenFile); err != nil {
					return err
				}
			}
			if smtp.Addr != "" {
				if smtpPasswordFile != "" {
					if smtp.Password, err = registry.ReadSecretFile(smtpPasswordFile); err != nil {
						return err
					}
				}
				cfg.SMTP = &smtp
			}
			if err := cfg.Validate(); err != nil {
				return usageError(err)
			}
			if cfg.Cluster != "" {
				// Training runs go to the workers (growthlens worker) through the job queue.
				q, nc, err := dialQueue(cfg.Cluster, queue.Options{Prefix: cfg.ClusterPrefix, Replicas: cfg.ClusterReplicas})
				if err != nil {
					return err
				}
				defer nc.Close()
				cfg.Queue = clusterQueue{q}
			}
			return serve.Run(cmd.Context(), cfg, func(s *serve.Server) {
				printServing(a, cfg, s.Addr())
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Addr, "addr", envOr(envAddr, cfg.Addr), "address to listen on (env "+envAddr+"; loopback by default, :8080 for every interface)")
	f.StringVar(&cfg.Store, "store", envOr(envStore, cfg.Store), "store directory (env "+envStore+")")
	f.StringVar(&cfg.Cluster, "cluster", os.Getenv(envCluster), "NATS URL of a JetStream cluster holding the store instead of --store: replicas share it and hot-swap each other's promotions (env "+envCluster+"; docs/cluster.md)")
	f.IntVar(&cfg.ClusterReplicas, "cluster-replicas", 1, "NATS servers holding each bucket when --cluster creates the store (3 in a cluster)")
	f.StringVar(&cfg.ClusterPrefix, "cluster-prefix", os.Getenv(envClusterPrefix), "bucket prefix of the cluster store (default "+registry.DefaultJetStreamPrefix+"; env "+envClusterPrefix+")")
	f.StringVar(&cfg.TLSCert, "tls-cert", "", "PEM certificate (chain): serve HTTPS only, with Secure cookies (needs --tls-key)")
	f.StringVar(&cfg.TLSKey, "tls-key", "", "PEM private key of --tls-cert")
	f.BoolVar(&cfg.TrustProxy, "trust-proxy", false, "a reverse proxy terminates TLS: trust its X-Forwarded-Proto (Secure cookies) and X-Forwarded-For")
	f.StringVar(&keyFile, "encryption-key-file", "", "file holding the store's encryption key in hex or base64 (or set "+registry.EnvEncryptionKey+")")
	f.StringVar(&cfg.DataRoot, "data-root", envOr(envDataRoot, cfg.DataRoot), "directory holding one dataset directory per tenant (env "+envDataRoot+")")
	f.StringVar(&cfg.DefaultData, "data", "", "dataset directory of the default tenant (instead of DATA_ROOT/<tenant>)")
	f.StringVar(&cfg.DefaultTenant, "tenant", envOr(envTenant, cfg.DefaultTenant), "the default tenant, whose data --data names (env "+envTenant+")")
	f.Float64Var(&cfg.RateLimit, "rate-limit", cfg.RateLimit, "requests per second allowed per API key (0: no limit)")
	f.IntVar(&cfg.RateBurst, "rate-burst", cfg.RateBurst, "requests per API key allowed in a burst above the rate")
	f.Int64Var(&cfg.MaxBodyBytes, "max-body-bytes", cfg.MaxBodyBytes, "largest JSON request body")
	f.Int64Var(&cfg.MaxUploadBytes, "max-upload-bytes", cfg.MaxUploadBytes, "largest uploaded table")
	f.IntVar(&cfg.MaxBatch, "max-batch", cfg.MaxBatch, "most employees in one recommendation or allocation request")
	f.IntVar(&cfg.PeopleConcurrency, "people-concurrency", cfg.PeopleConcurrency, "recommendation or allocation requests one API key may have in flight (more: 429)")
	f.Int64Var(&cfg.StoreQuota, "store-quota", 0, "bytes the store directory may take on disk (0: no quota); writes are refused with 507 near it, as on a full disk")
	f.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", cfg.ShutdownTimeout, "how long to let requests in flight finish on shutdown")
	f.BoolVar(&cfg.AccessLog, "access-log", false, "log every request at info level (request id, route, status, milliseconds, tenant, key id; never the key); without it they are logged at debug level")
	f.StringVar(&cfg.MetricsAddr, "metrics-addr", cfg.MetricsAddr, "address of the listener serving GET /metrics without a key (\"\" turns it off); keep it private")
	f.StringVar(&metricsTokenFile, "metrics-token-file", "", "file holding a scrape token that lets GET /metrics be served on --addr too (mode 0600)")
	f.StringVar(&smtp.Addr, "smtp-addr", "", "host:port of the SMTP server alert e-mails go through (\"\": e-mail subscriptions are refused)")
	f.StringVar(&smtp.From, "smtp-from", "", "sender address of alert e-mails")
	f.StringVar(&smtp.Username, "smtp-user", "", "SMTP user (PLAIN authentication, over STARTTLS or to localhost only)")
	f.StringVar(&smtpPasswordFile, "smtp-password-file", "", "file holding the SMTP password (mode 0600)")
	f.StringVar(&cfg.PublicURL, "public-url", "", "the server's address as people reach it, for the links in alert e-mails")
	f.StringSliceVar(&cfg.MetricsKPITenants, "metrics-kpi-tenants", nil, "tenants whose KPI completion and pace by region and team are exported in /metrics (\"*\": all)")
	return cmd
}

// printServing tells the person who started the server how to use it.
func printServing(a *app, cfg serve.Config, addr string) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = "localhost", strings.TrimPrefix(addr, ":")
	}
	if host == "" || host == "::" || host == "0.0.0.0" || host == "[::]" {
		host = "localhost"
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	base := fmt.Sprintf("%s://%s", scheme, net.JoinHostPort(host, port))
	fmt.Fprintf(a.stderr, `growthlens is serving on %s (store %s, tenant %s). Ctrl-C stops it.

Make an API key (from another terminal; the CLI reaches the store through the server):
  KEY=$(%s keys create --store %s --tenant %s --role admin --label curl)
Then:
  curl -H "Authorization: Bearer $KEY" '%s/v1/forecast?scope=company'
  curl %s/openapi.json     # every endpoint; docs/api.md has more examples
The API reference page: %s/docs
The quarterly review page: %s/review (sign in with a key of role gm or admin)
`, base, cfg.Store, cfg.DefaultTenant, binName(), cfg.Store, cfg.DefaultTenant, base, base, base, base)
}

// binName is how the user ran growthlens, for copy-paste examples.
func binName() string {
	if len(os.Args) > 0 && strings.Contains(os.Args[0], "growthlens") {
		return os.Args[0]
	}
	return "growthlens"
}

// pipeline is the server's serve.Trainer: package train, which serve does not import.
type pipeline struct{}

func (pipeline) config(r serve.TrainRun) train.Config {
	p := r.Params
	return train.Config{Data: p.Data, Tenant: r.Tenant, Seed: p.Seed, Promote: p.Promote, Horizon: p.Horizon, Levels: p.Levels,
		Incentive: p.Incentive, CodeVersion: r.CodeVersion, By: r.By, RunID: p.RunID, Logger: r.Logger, Progress: r.Progress}
}

func (t pipeline) Check(r serve.TrainRun) error {
	cfg := t.config(r)
	return cfg.Validate()
}

func (t pipeline) Train(ctx context.Context, st registry.Store, r serve.TrainRun) (string, json.RawMessage, error) {
	rec, err := train.Run(ctx, st, t.config(r))
	if rec == nil {
		return "", nil, err
	}
	b, merr := json.Marshal(rec)
	return rec.ID, b, errors.Join(err, merr)
}
