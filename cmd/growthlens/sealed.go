package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/models/registry"
)

// dataDirFlags are the flags that name a dataset directory a command reads or writes.
var dataDirFlags = []string{"data", "into"}

// sealDataDirs gives the store's encryption key, when one is set (the command's
// --encryption-key-file, or GROWTHLENS_ENCRYPTION_KEY), to the dataset directories the
// command names, so that every command reads a data root the server encrypted (see
// datasets.Seal) and writes into it encrypted, as train and serve do. Without a key nothing
// changes: a sealed file then fails to read with an error that asks for the key.
func sealDataDirs(cmd *cobra.Command) error {
	var dirs []string
	for _, name := range dataDirFlags {
		f := cmd.Flags().Lookup(name)
		if f == nil || f.Value.String() == "" {
			continue
		}
		if st, err := os.Stat(f.Value.String()); err == nil && st.IsDir() {
			dirs = append(dirs, f.Value.String())
		}
	}
	if len(dirs) == 0 {
		return nil
	}
	keyFile := ""
	if f := cmd.Flags().Lookup("encryption-key-file"); f != nil {
		keyFile = f.Value.String()
	}
	key, err := registry.LoadKey(registry.EnvEncryptionKey, keyFile)
	if err != nil || key == nil {
		return err
	}
	for _, d := range dirs {
		if err := datasets.Seal(d, key); err != nil {
			return err
		}
	}
	return nil
}
