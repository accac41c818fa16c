package registry

import (
	"encoding/json"
	"io"
	"time"
)

// Store is the registry's contract: what the server, the training pipeline, the champion
// loader and the CLI may ask of a store, whichever back end holds it. Badger (Open: one
// directory, one process) is the default; every implementation keeps the promises written on
// Badger's methods — version numbers, the atomicity of a version and of an alias move, the
// errors returned — and is held to them by the same tests.
//
// A Store is safe for concurrent use by many goroutines.
type Store interface {
	// Model versions (model.go).
	Put(tenant, name string, artifact []byte, meta Metadata) (int, error)
	Version(tenant, name string, version int) (Version, error)
	Versions(tenant, name string) ([]Version, error)
	Models(tenant string) ([]Model, error)
	Tenants() ([]string, error)
	Artifact(tenant, name string, version int) ([]byte, Version, error)
	Delete(tenant, name string, version int) error

	// Aliases (alias.go).
	Promote(tenant, name string, version int, ch Change) (AliasEvent, error)
	Rollback(tenant, name string, ch Change) (AliasEvent, error)
	SetAlias(tenant, name, alias string, version int, ch Change) (AliasEvent, error)
	RollbackAlias(tenant, name, alias string, ch Change) (AliasEvent, error)
	Alias(tenant, name, alias string) (Alias, error)
	Aliases(tenant, name string) ([]Alias, error)
	History(tenant, name, alias string, limit int) ([]AliasEvent, error)
	LoadAlias(tenant, name, alias string) ([]byte, Version, error)
	Subscribe(buffer int) (<-chan AliasEvent, func())
	Generation() uint64

	// Training runs and alerts (record.go).
	PutRun(tenant, id string, data json.RawMessage) (Record, error)
	CreateRun(tenant, base string, data func(id string) (json.RawMessage, error)) (string, error)
	Run(tenant, id string) (Record, error)
	Runs(tenant string, limit int) ([]Record, error)
	PutAlert(tenant, id string, data json.RawMessage) (Record, error)
	Alert(tenant, id string) (Record, error)
	Alerts(tenant string, limit int) ([]Record, error)
	DeleteAlert(tenant, id string) error

	// Goals and the tenant's KPI catalogue, versioned documents (document.go).
	PutGoal(tenant, id string, data func(version int) (json.RawMessage, error)) (Document, error)
	Goals(tenant string) ([]Document, error)
	Goal(tenant, id string) ([]Document, error)
	PutCatalogue(tenant string, data func(version int) (json.RawMessage, error)) (Document, error)
	Catalogue(tenant string) ([]Document, error)
	// Managers' forecast adjustments, versioned documents too (document.go).
	PutAdjustment(tenant, id string, data func(version int) (json.RawMessage, error)) (Document, error)
	Adjustments(tenant string) ([]Document, error)

	// Alert subscriptions and states, and the delivery outbox (outbox.go; the JetStream
	// store's in jetstream_outbox.go).
	PutSubscription(tenant, id string, data json.RawMessage) (Record, error)
	Subscriptions(tenant string) ([]Record, error)
	DeleteSubscription(tenant, id string) error
	PutAlertState(tenant, id string, data json.RawMessage) (Record, error)
	AlertStates(tenant string) ([]Record, error)
	RecordAlerts(tenant string, alerts []AlertRecord, deliveries []Delivery) (int, error)
	DueDeliveries(now time.Time, limit int) ([]Delivery, error)
	AttemptDelivery(tenant, id string, a Attempt, next time.Time) (Delivery, error)
	RetryDelivery(tenant, id string) (Delivery, error)
	CancelDeliveries(tenant string, alertIDs []string) (int, error)
	Deliveries(tenant, status string, limit int) ([]Delivery, error)

	// The audit log (audit.go).
	Audit(e AuditEntry) (AuditEntry, error)
	AuditLog(q AuditQuery) (AuditPage, error)

	// API keys (apikey.go).
	CreateKey(tenant, role, label string) (string, APIKey, error)
	CreateKeyWith(tenant, role, label string, opt KeyOptions) (string, APIKey, error)
	Authenticate(secret string) (APIKey, error)
	Keys(tenant string) ([]APIKey, error)
	RevokeKey(tenant, id string) (APIKey, error)
	RotateKey(tenant, id string, grace time.Duration, expires time.Time) (string, APIKey, error)

	// The whole store: a backup stream (backup.go), a consistency check (check.go), the
	// room left for writes (space.go), whether it is encrypted, and closing it.
	Backup(w io.Writer, opt BackupOptions) (BackupInfo, error)
	Check() (CheckReport, error)
	CheckSpace() error
	Encrypted() bool
	Close() error
}

var _ Store = (*Badger)(nil)
