package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/models/registry"
)

func newRestoreCmd(a *app) *cobra.Command {
	var (
		f                 storeFlags
		in, backupKeyFile string
		force, plaintext  bool
	)
	cmd := &cobra.Command{
		Use:   "restore --store DIR --in FILE",
		Short: "Rebuild a store from a backup, verifying all of it before anything is replaced",
		Long: `restore rebuilds the store in --store from a backup made by growthlens backup. The store is
built in a temporary directory beside it; every chunk of the backup is authenticated before it
is used, the end of the backup must be intact, and the rebuilt store is checked (every
artifact's SHA-256, every alias and its history) before it is moved into place. A damaged,
tampered or truncated backup changes nothing.

The restored store is encrypted with the store key (` + registry.EnvEncryptionKey + ` or
--encryption-key-file) if one is given, and plaintext otherwise, whatever the old store was;
an encrypted backup is restored without a store key only with --plaintext.
An encrypted backup is opened with the backup key if given, else with the store key.

--store must not exist or be empty. With --force an existing store is replaced; it is not
deleted but renamed to DIR.replaced-<time>. The store must not be open (stop the server).`,
		Example: `  growthlens restore --store var/store --in backups/store-2026-03-01.glbk
  ` + registry.EnvEncryptionKey + `=$(cat store.key) growthlens restore --store var/store --in b.glbk --force`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if in == "" {
				return usageErr("--in is required")
			}
			storeKey, err := registry.LoadKey(registry.EnvEncryptionKey, f.keyFile)
			if err != nil {
				return err
			}
			bkKey, err := registry.LoadKey(registry.EnvBackupKey, backupKeyFile)
			if err != nil {
				return fmt.Errorf("backup key: %w", err)
			}
			file, err := os.Open(in)
			if err != nil {
				return err
			}
			defer file.Close()
			info, err := registry.Restore(f.dir, file, registry.RestoreOptions{StoreKey: storeKey, BackupKey: bkKey, Force: force, Plaintext: plaintext, Logger: a.log})
			if err != nil {
				return fmt.Errorf("restore %s from %s: %w", f.dir, in, err)
			}
			// The restored store records its own restore, so the audit log says where it came from.
			if s, err := connect(a, f, true); err == nil {
				audit(a, s, "", "store.restore", in, nil, fmt.Sprintf("%d versions, %d aliases", info.Check.Versions, info.Check.Aliases))
				s.Close()
			}
			if f.asJSON {
				return printJSON(a.stdout, info)
			}
			fmt.Fprintf(a.stdout, "restored %s from %s (backup of %s): %d tenants, %d models, %d versions, %d aliases, %d artifact bytes verified\n",
				info.Dir, in, fmtTime(info.Created), info.Check.Tenants, info.Check.Models, info.Check.Versions, info.Check.Aliases, info.Check.Bytes)
			if info.Replaced != "" {
				fmt.Fprintf(a.stdout, "the previous store was moved to %s\n", info.Replaced)
			}
			return nil
		},
	}
	addStoreFlags(cmd, &f, false)
	cmd.Flags().StringVar(&in, "in", "", "backup file to read (required)")
	cmd.Flags().BoolVar(&plaintext, "plaintext", false, "allow restoring an encrypted backup into a plaintext store (no store key)")
	cmd.Flags().StringVar(&backupKeyFile, "backup-key-file", "", "file holding the backup key, for backups made with one (or set "+registry.EnvBackupKey+")")
	cmd.Flags().BoolVar(&force, "force", false, "replace an existing store (it is kept as DIR.replaced-<time>)")
	return cmd
}
