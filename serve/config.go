package serve

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"path/filepath"
	"time"

	"github.com/growthlens/growthlens/models/notify"
)

// Config says where the server listens, which store and data it serves, and its limits.
// DefaultConfig gives the defaults; Validate checks a config before New uses it.
type Config struct {
	// Addr is the TCP address to listen on ("127.0.0.1:8080"; ":0" picks a free port on every
	// interface, see Server.Addr). The default is loopback: serving other hosts is a choice.
	Addr string
	// TLSCert and TLSKey are PEM files of a certificate (chain) and its key: with them the
	// server speaks HTTPS only (TLS 1.2 or later) and its cookies are Secure.
	TLSCert, TLSKey string
	// TrustProxy says a reverse proxy in front terminates TLS and sets X-Forwarded-Proto and
	// X-Forwarded-For: cookies are Secure when it says https, and logs take the client address
	// from it. Without it those headers are ignored (anyone could send them).
	TrustProxy bool
	// Store is the store directory. The server opens it (creating it if needed) and holds it
	// while it runs; the CLI reaches it through the admin socket (AdminSocket).
	Store string
	// Cluster, when set, is the NATS URL (nats://host:4222, comma-separated for several) of a
	// JetStream cluster that holds the store instead of the Store directory: any number of
	// servers may share it, each keeping nothing but caches, and a promotion made through one
	// is served by all (each watches the alias bucket). See docs/cluster.md.
	Cluster string
	// ClusterReplicas is how many NATS servers hold each bucket when the store is created
	// there: 3 in a cluster, 1 on a single NATS server (the default).
	ClusterReplicas int
	// ClusterPrefix names the store's buckets (registry.DefaultJetStreamPrefix when empty).
	ClusterPrefix string
	// StoreQuota, when positive, bounds the store directory's disk space in bytes: writes are
	// refused (507) while less than registry.DefaultMinFreeBytes of it is left, as they are
	// when the disk itself has less free.
	StoreQuota int64
	// EncryptionKey is the store's encryption key, or nil for a plaintext store.
	EncryptionKey []byte
	// DataRoot holds one canonical dataset directory per tenant, DataRoot/<tenant>/. Uploads
	// are written there and training reads from there.
	DataRoot string
	// DefaultData, when set, is the dataset directory of DefaultTenant instead of
	// DataRoot/<DefaultTenant> (the --data shortcut).
	DefaultData   string
	DefaultTenant string

	// RateLimit is the sustained requests per second allowed per API key and RateBurst the
	// burst above it. RateLimit 0 turns rate limiting off.
	RateLimit float64
	RateBurst int
	// MaxBodyBytes bounds a JSON request body; MaxUploadBytes an uploaded table.
	MaxBodyBytes   int64
	MaxUploadBytes int64
	// MaxBatch is the most employees one recommendation or allocation request may name.
	MaxBatch int
	// PeopleConcurrency is how many requests one API key may have in flight at once on the
	// people endpoints (recommendations, allocations); more are refused with 429.
	PeopleConcurrency int
	// JSONReadTimeout bounds the time a client may take to send a JSON request body; uploads
	// have UploadReadTimeout. A request refused before its body is read is answered at once
	// and its connection closed, without waiting for the body.
	JSONReadTimeout   time.Duration
	UploadReadTimeout time.Duration
	// MaxConns bounds the connections open at once; further clients wait for one to close.
	MaxConns int

	// MetricsAddr is a second listener serving only GET /metrics, without a key; keep it on
	// loopback or an internal network ("" turns it off). On the API listener /metrics answers
	// only with MetricsToken as a bearer token ("" there: not served).
	MetricsAddr  string
	MetricsToken string
	// MetricsKPITenants lists the tenants whose business figures (KPI completion and pace by
	// scope, which name regions and teams) are exported; "*" means every tenant. Default none.
	MetricsKPITenants []string
	// ShutdownTimeout is how long Shutdown waits for in-flight requests to finish.
	ShutdownTimeout time.Duration
	// AdminSocket makes the server listen on <Store>/admin.sock (mode 0600) for the CLI.
	AdminSocket bool
	// CodeVersion is recorded with models trained through the server.
	CodeVersion string
	// Trainer runs the training runs started through the server; nil refuses them.
	Trainer Trainer
	// Queue, when set (cluster mode), takes the training runs the server starts instead of
	// Trainer: the server checks a run with Trainer.Check, stores its record "queued" and
	// hands it to Queue, and a worker (growthlens worker) trains it. See docs/cluster.md.
	Queue Queue
	// Logger receives one line per request (the access log: request id, method, route
	// template, status, milliseconds, tenant and key id, never the key) at debug level, or at
	// info level with AccessLog, and warnings and errors; nil discards them.
	Logger *slog.Logger
	// AccessLog logs every request at info level rather than debug.
	AccessLog bool
	// PlainDocs serves /docs as the plain reference even when the renderer's assets were
	// embedded (tests; a deployment that wants no script on the page).
	PlainDocs bool
	// KeyCacheTTL is how long an authenticated API key is trusted without reading the store
	// again. Revocations through this server take effect at once; the TTL bounds nothing
	// else, because no other process can write the store while the server holds it.
	KeyCacheTTL time.Duration
	// ReloadPoll is how often the server checks the store's alias generation, as a safety
	// net for alias moves whose notification was dropped.
	ReloadPoll time.Duration

	// SMTP is the mail server alert e-mails go through; nil refuses e-mail subscriptions.
	SMTP *notify.SMTP
	// Delivery is how often an alert delivery is tried before it is a dead letter, and
	// DeliveryPoll how often the outbox is looked at besides when an alert is raised.
	Delivery     notify.Policy
	DeliveryPoll time.Duration
	// PublicURL is the server's address as people reach it, for the links in alert e-mails
	// ("" leaves them relative).
	PublicURL string
}

// Defaults of Config.
const (
	DefaultAddr           = "127.0.0.1:8080"
	DefaultRateLimit      = 50.0
	DefaultRateBurst      = 100
	DefaultMaxBodyBytes   = 8 << 20
	DefaultMaxUploadBytes = 256 << 20
	DefaultMaxBatch       = 10_000
	DefaultMaxConns       = 1024
	DefaultMetricsAddr    = "127.0.0.1:9464"
)

// DefaultConfig returns the configuration `growthlens serve` starts from: 127.0.0.1:8080, store
// var/store, data root var/tenants, tenant "default", 50 requests/s per key with bursts of
// 100, 8 MiB JSON bodies, 256 MiB uploads, batches of up to 10,000 employees, 20 s to drain.
func DefaultConfig() Config {
	return Config{
		Addr:              DefaultAddr,
		Store:             "var/store",
		DataRoot:          "var/tenants",
		DefaultTenant:     "default",
		RateLimit:         DefaultRateLimit,
		RateBurst:         DefaultRateBurst,
		MaxBodyBytes:      DefaultMaxBodyBytes,
		MaxUploadBytes:    DefaultMaxUploadBytes,
		MaxBatch:          DefaultMaxBatch,
		PeopleConcurrency: 4,
		JSONReadTimeout:   10 * time.Second,
		UploadReadTimeout: 5 * time.Minute,
		MaxConns:          DefaultMaxConns,
		MetricsAddr:       DefaultMetricsAddr,
		ShutdownTimeout:   20 * time.Second,
		AdminSocket:       true,
		KeyCacheTTL:       30 * time.Second,
		ReloadPoll:        time.Second,
		Delivery:          notify.DefaultPolicy(),
		DeliveryPoll:      time.Second,
	}
}

// Validate reports every field out of range, each naming its field.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if c.Addr == "" {
		bad("addr", "required (e.g. :8080, or :0 for any free port)")
	}
	if c.Store == "" && c.Cluster == "" {
		bad("store", "required (a store directory, or --cluster nats://…)")
	}
	if c.ClusterReplicas < 0 || c.ClusterReplicas > 5 {
		bad("cluster-replicas", "%d: want 1 to 5 (0 means 1)", c.ClusterReplicas)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		bad("tls-cert", "give both --tls-cert and --tls-key, or neither")
	}
	if c.DataRoot == "" && c.DefaultData == "" {
		bad("data-root", "a data root or a default tenant's data directory is required")
	}
	if c.DefaultTenant == "" {
		bad("tenant", "the default tenant is required")
	} else if !validTenant(c.DefaultTenant) {
		bad("tenant", "%q: use 1–64 letters, digits, '.', '_' and '-', starting with a letter or digit", c.DefaultTenant)
	}
	if math.IsNaN(c.RateLimit) || math.IsInf(c.RateLimit, 0) || c.RateLimit < 0 {
		bad("rate-limit", "%v: want requests per second ≥ 0 (0 turns it off)", c.RateLimit)
	}
	if c.RateLimit > 0 && c.RateBurst < 1 {
		bad("rate-burst", "%d: want at least 1", c.RateBurst)
	}
	if c.MaxBodyBytes < 1<<10 {
		bad("max-body-bytes", "%d: want at least 1024", c.MaxBodyBytes)
	}
	if c.MaxUploadBytes < 1<<10 {
		bad("max-upload-bytes", "%d: want at least 1024", c.MaxUploadBytes)
	}
	if c.MaxBatch < 1 || c.MaxBatch > 100_000 {
		bad("max-batch", "%d: want 1 to 100000", c.MaxBatch)
	}
	if c.PeopleConcurrency < 1 {
		bad("people-concurrency", "%d: want at least 1", c.PeopleConcurrency)
	}
	if c.JSONReadTimeout <= 0 || c.UploadReadTimeout <= 0 {
		bad("read-timeout", "%v and %v: want > 0", c.JSONReadTimeout, c.UploadReadTimeout)
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		bad("metrics-token", "%d characters: want at least 16", len(c.MetricsToken))
	}
	for _, t := range c.MetricsKPITenants {
		if t != "*" && !validTenant(t) {
			bad("metrics-kpi-tenants", "%q is not a tenant name", t)
		}
	}
	if c.MaxConns < 1 {
		bad("max-conns", "%d: want at least 1", c.MaxConns)
	}
	if c.ShutdownTimeout < 0 {
		bad("shutdown-timeout", "%v: want ≥ 0", c.ShutdownTimeout)
	}
	if c.KeyCacheTTL < 0 {
		bad("key-cache-ttl", "%v: want ≥ 0", c.KeyCacheTTL)
	}
	if c.ReloadPoll <= 0 {
		bad("reload-poll", "%v: want > 0", c.ReloadPoll)
	}
	if c.DeliveryPoll <= 0 {
		bad("delivery-poll", "%v: want > 0", c.DeliveryPoll)
	}
	if p := c.Delivery; p.MaxAttempts < 1 || p.Base <= 0 || p.Max < p.Base {
		bad("delivery", "%+v: want at least one attempt and 0 < base ≤ max", p)
	}
	if m := c.SMTP; m != nil && (m.Addr == "" || m.From == "") {
		bad("smtp-addr", "an SMTP server needs an address and a sender (--smtp-from)")
	}
	return errors.Join(errs...)
}

// dataDir returns the dataset directory of a tenant.
func (c *Config) dataDir(tenant string) string {
	if tenant == c.DefaultTenant && c.DefaultData != "" {
		return c.DefaultData
	}
	if c.DataRoot == "" {
		return ""
	}
	return filepath.Join(c.DataRoot, tenant)
}

// AdminSocketPath is where a server with the store dir listens for the CLI.
func AdminSocketPath(store string) string { return filepath.Join(store, "admin.sock") }

// validTenant mirrors the registry's name rule, so that a tenant name can never reach
// outside the data root.
func validTenant(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && !(i > 0 && (c == '.' || c == '_' || c == '-')) {
			return false
		}
	}
	return true
}
