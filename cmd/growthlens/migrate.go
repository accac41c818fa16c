package main

import (
	"fmt"
	"io"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/models/registry"
)

func newMigrateCmd(a *app) *cobra.Command {
	var (
		fromBadger, toBadger string
		from, to, prefix     string
		keyFile              string
		replicas             int
		asJSON               bool
	)
	cmd := &cobra.Command{
		Use:   "migrate (--from-badger DIR --to nats://… | --from nats://… --to-badger DIR)",
		Short: "Copy a store between a Badger directory and a NATS JetStream cluster",
		Long: `migrate copies a whole store — every tenant's versions (numbers kept), aliases with their
history, training runs, alerts, the audit log and the API keys (as hashes) — from a Badger
directory into an empty NATS JetStream store, or back. It streams a backup of the source
into a restore of the target (growthlens backup / restore), so the target is checked (every
artifact's SHA-256, every alias and its history) before the command reports success.

Encryption stays at the application layer: with ` + registry.EnvEncryptionKey + ` (or
--encryption-key-file) the source is read and the target written with that key, every
artifact and record is sealed before it is sent, and the key is never sent to NATS.

The source must not be open by another process (stop the Badger server first); the target
must be empty.`,
		Example: `  growthlens migrate --from-badger var/store --to nats://127.0.0.1:4222 --replicas 3
  growthlens migrate --from nats://127.0.0.1:4222 --to-badger var/store-copy`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if (fromBadger == "") == (from == "") || (fromBadger != "" && to == "") || (from != "" && toBadger == "") {
				return usageErr("give --from-badger DIR --to nats://…, or --from nats://… --to-badger DIR")
			}
			key, err := registry.LoadKey(registry.EnvEncryptionKey, keyFile)
			if err != nil {
				return err
			}
			jo := registry.JetStreamOptions{Prefix: prefix, Replicas: replicas}
			opt := registry.Options{EncryptionKey: key, MustExist: true, Logger: a.log}
			var (
				src     registry.Store
				restore func(io.Reader) (registry.RestoreInfo, error)
				what    string
			)
			if fromBadger != "" {
				if src, err = registry.Open(fromBadger, opt); err != nil {
					return err
				}
				nc, err := nats.Connect(to, nats.Name("growthlens migrate"))
				if err != nil {
					src.Close()
					return fmt.Errorf("connect to NATS at %s: %w", to, err)
				}
				defer nc.Close()
				restore = func(r io.Reader) (registry.RestoreInfo, error) {
					return registry.RestoreJetStream(nc, r, registry.RestoreOptions{StoreKey: key, Logger: a.log}, jo)
				}
				what = fmt.Sprintf("%s to %s", fromBadger, to)
			} else {
				if src, err = registry.DialJetStream(from, opt, jo); err != nil {
					return err
				}
				restore = func(r io.Reader) (registry.RestoreInfo, error) {
					return registry.Restore(toBadger, r, registry.RestoreOptions{StoreKey: key, Logger: a.log})
				}
				what = fmt.Sprintf("%s to %s", from, toBadger)
			}
			defer src.Close()
			info, err := copyStore(src, restore)
			if err != nil {
				return fmt.Errorf("migrate %s: %w", what, err)
			}
			// The target records where it came from in its own audit log.
			if dst, err := connect(a, storeFlags{dir: toBadger, cluster: to, prefix: prefix, keyFile: keyFile}, true); err == nil {
				audit(a, dst, "", "store.migrate", what, nil, fmt.Sprintf("%d versions, %d aliases", info.Check.Versions, info.Check.Aliases))
				dst.Close()
			}
			if asJSON {
				return printJSON(a.stdout, info)
			}
			fmt.Fprintf(a.stdout, "migrated %s: %d tenants, %d models, %d versions, %d aliases, %d artifact bytes verified\n",
				what, info.Check.Tenants, info.Check.Models, info.Check.Versions, info.Check.Aliases, info.Check.Bytes)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&fromBadger, "from-badger", "", "Badger store directory to copy from")
	f.StringVar(&to, "to", "", "NATS URL to copy into (with --from-badger)")
	f.StringVar(&from, "from", "", "NATS URL to copy from")
	f.StringVar(&toBadger, "to-badger", "", "Badger store directory to copy into (must not hold a store)")
	f.StringVar(&prefix, "cluster-prefix", "", "bucket prefix on NATS (default "+registry.DefaultJetStreamPrefix+")")
	f.IntVar(&replicas, "replicas", 1, "NATS servers holding each new bucket (3 in a cluster)")
	f.StringVar(&keyFile, "encryption-key-file", "", "file holding the store's encryption key (or set "+registry.EnvEncryptionKey+")")
	addOutputFlags(f, &asJSON, "the target's check report as one JSON object")
	return cmd
}

// copyStore streams a backup of src into restore.
func copyStore(src registry.Store, restore func(io.Reader) (registry.RestoreInfo, error)) (registry.RestoreInfo, error) {
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := src.Backup(pw, registry.BackupOptions{})
		pw.CloseWithError(err)
		done <- err
	}()
	info, err := restore(pr)
	pr.CloseWithError(fmt.Errorf("restore ended: %v", err))
	if berr := <-done; berr != nil && err == nil {
		err = berr
	}
	return info, err
}
