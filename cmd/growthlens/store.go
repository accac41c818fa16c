package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"time"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/models/registry"
	"github.com/growthlens/growthlens/serve"
)

// Environment variables of the store flags.
const (
	envStore  = "GROWTHLENS_STORE"
	envTenant = "GROWTHLENS_TENANT"
)

// storeFlags are the flags every subcommand that touches the store shares.
type storeFlags struct {
	dir     string
	keyFile string
	tenant  string
	asJSON  bool
}

// addStoreFlags registers --store and --encryption-key-file, and --tenant when withTenant.
func addStoreFlags(cmd *cobra.Command, f *storeFlags, withTenant bool) {
	fl := cmd.PersistentFlags()
	fl.StringVar(&f.dir, "store", envOr(envStore, "var/store"), "store directory (env "+envStore+")")
	fl.StringVar(&f.keyFile, "encryption-key-file", "", "file holding the store's encryption key in hex or base64 (or set "+registry.EnvEncryptionKey+")")
	if withTenant {
		fl.StringVar(&f.tenant, "tenant", envOr(envTenant, "default"), "tenant (env "+envTenant+")")
	}
	addOutputFlags(fl, &f.asJSON, "one JSON object")
}

// storeConn is what the models, keys, backup and runs subcommands need from the store. The
// CLI opens the Badger directory itself (*registry.Store) unless a running `growthlens serve`
// holds it — only one process may open a store — and then talks to that server over its
// admin socket (*serve.AdminClient, the same methods), so the subcommands work either way.
type storeConn interface {
	Models(tenant string) ([]registry.Model, error)
	Versions(tenant, name string) ([]registry.Version, error)
	Version(tenant, name string, version int) (registry.Version, error)
	Aliases(tenant, name string) ([]registry.Alias, error)
	History(tenant, name, alias string, limit int) ([]registry.AliasEvent, error)
	SetAlias(tenant, name, alias string, version int, ch registry.Change) (registry.AliasEvent, error)
	RollbackAlias(tenant, name, alias string, ch registry.Change) (registry.AliasEvent, error)
	Delete(tenant, name string, version int) error

	CreateKey(tenant, role, label string) (string, registry.APIKey, error)
	CreateKeyWith(tenant, role, label string, opt registry.KeyOptions) (string, registry.APIKey, error)
	RotateKey(tenant, id string, grace time.Duration, expires time.Time) (string, registry.APIKey, error)
	Keys(tenant string) ([]registry.APIKey, error)
	RevokeKey(tenant, id string) (registry.APIKey, error)

	Backup(w io.Writer, opt registry.BackupOptions) (registry.BackupInfo, error)
	Audit(e registry.AuditEntry) (registry.AuditEntry, error)
	Runs(tenant string, limit int) ([]registry.Record, error)
	Run(tenant, id string) (registry.Record, error)
	Close() error
}

var (
	_ storeConn = (*registry.Store)(nil)
	_ storeConn = (*serve.AdminClient)(nil)
)

// connect opens the store named by f, or, when a running server holds it, connects to that
// server's admin socket. With mustExist it refuses to create a new store, so that a typo in
// --store is reported instead of answered from an empty store.
func connect(a *app, f storeFlags, mustExist bool) (storeConn, error) {
	key, err := registry.LoadKey(registry.EnvEncryptionKey, f.keyFile)
	if err != nil {
		return nil, err
	}
	s, err := registry.Open(f.dir, registry.Options{EncryptionKey: key, MustExist: mustExist, Logger: a.log})
	if errors.Is(err, registry.ErrNoStore) {
		return nil, fmt.Errorf("%w (set --store or %s; a store is created by growthlens train, keys create or restore)", err, envStore)
	}
	var inUse *registry.InUseError
	if errors.As(err, &inUse) {
		return viaServer(a, f.dir, err)
	}
	return s, err
}

// viaServer connects to the server that holds the store in dir, or returns inUse with the
// reason when none answers on its admin socket.
func viaServer(a *app, dir string, inUse error) (*serve.AdminClient, error) {
	c, err := serve.DialAdmin(dir)
	if err != nil {
		return nil, fmt.Errorf("%w; its admin socket did not answer: %v", inUse, err)
	}
	a.log.Debug("the store is held by a running server: using its admin socket", "server", c.Addr)
	return c, nil
}

// actor names the person at the terminal in alias history and the audit log. Whoever can
// open the store directory can do anything with it, so the CLI acts as admin.
func actor() registry.Change {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if name == "" {
		name = "unknown"
	}
	return registry.Change{By: "cli:" + name, Role: registry.RoleAdmin}
}

// audit appends the outcome of a mutation to the audit log. A failure to audit is reported
// but does not hide the mutation's own result.
func audit(a *app, s storeConn, tenant, action, target string, opErr error, detail string) {
	who := actor()
	e := registry.AuditEntry{Who: who.By, Role: who.Role, Tenant: tenant, Action: action, Target: target, Outcome: "ok", Detail: detail}
	if opErr != nil {
		e.Outcome, e.Detail = "error", opErr.Error() // the store cuts a long one
	}
	if _, err := s.Audit(e); err != nil {
		a.log.Warn("audit entry not written", "action", action, "err", err)
	}
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

func fmtTimePtr(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return fmtTime(*t)
}
