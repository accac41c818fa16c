package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/internal/buildinfo"
)

// codeVersion is the code version recorded in run records and model versions.
func codeVersion() string { return buildinfo.Read().Version }

func newVersionCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the code version the binary was built from",
		Long: `version prints the code version the binary was built from (a git description, with
-dirty for uncommitted changes; "dev" when the build carried none), its commit and the Go
toolchain. The same version is in every run record, in /healthz and in the
growthlens_build_info metric. make build stamps it from git.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			info := buildinfo.Read()
			if asJSON {
				return printJSON(a.stdout, info)
			}
			rev := info.Revision
			if rev == "" {
				rev = "unknown"
			}
			_, err := fmt.Fprintf(a.stdout, "growthlens %s\ncommit     %s\ngo         %s\n", info.Version, rev, info.Go)
			return err
		},
	}
	addOutputFlags(cmd.Flags(), &asJSON, "version, revision and go")
	return cmd
}
