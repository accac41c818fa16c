package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/models/registry"
)

func newKeysCmd(a *app) *cobra.Command {
	var f storeFlags
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Create, list and revoke API keys",
		Long: `keys manages the API keys HR systems and people use to call the server. A key belongs to
one tenant and carries one role (` + strings.Join(registry.Roles, ", ") + `).
Only a SHA-256 of the secret is stored: the secret is printed once, by create.`,
	}
	addStoreFlags(cmd, &f, true)
	cmd.AddCommand(newKeysCreateCmd(a, &f), newKeysListCmd(a, &f), newKeysRevokeCmd(a, &f))
	return cmd
}

func newKeysCreateCmd(a *app, f *storeFlags) *cobra.Command {
	var role, label string
	cmd := &cobra.Command{
		Use:     "create --tenant T --role R [--label TEXT]",
		Short:   "Create an API key and print its secret (shown this once)",
		Example: `  growthlens keys create --tenant acme --role hr_system --label "workday sync"`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !registry.ValidRole(role) {
				return usageErr("--role %q: want one of %s", role, strings.Join(registry.Roles, ", "))
			}
			s, err := connect(a, *f, false)
			if err != nil {
				return err
			}
			defer s.Close()
			secret, k, err := s.CreateKey(f.tenant, role, label)
			target := ""
			if err == nil {
				target = k.ID
			}
			audit(a, s, f.tenant, "keys.create", target, err, "role "+role)
			if err != nil {
				return err
			}
			if f.asJSON {
				return printJSON(a.stdout, struct {
					registry.APIKey
					Secret string `json:"secret"`
				}{k, secret})
			}
			fmt.Fprintf(a.stdout, "%s\n", secret)
			fmt.Fprintf(a.stderr, "key %s for tenant %s, role %s. The secret above is shown only now: store it safely.\n", k.ID, k.Tenant, k.Role)
			return nil
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "role: "+strings.Join(registry.Roles, ", ")+" (required)")
	cmd.Flags().StringVar(&label, "label", "", "note saying who or what uses the key")
	return cmd
}

func newKeysListCmd(a *app, f *storeFlags) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "list [--tenant T | --all]",
		Short: "List API keys (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := connect(a, *f, true)
			if err != nil {
				return err
			}
			defer s.Close()
			tenant := f.tenant
			if all {
				tenant = ""
			}
			keys, err := s.Keys(tenant)
			if err != nil {
				return err
			}
			for i := range keys {
				keys[i].Hash = "" // not needed to manage keys; keep it out of terminals and logs
			}
			if f.asJSON {
				return printJSON(a.stdout, map[string]any{"tenant": tenant, "keys": keys})
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTENANT\tROLE\tCREATED\tLAST USED\tREVOKED\tLABEL")
			for _, k := range keys {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Tenant, k.Role, fmtTime(k.Created),
					fmtTimePtr(k.LastUsed), fmtTimePtr(k.Revoked), orDash(k.Label))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "list the keys of every tenant")
	return cmd
}

func newKeysRevokeCmd(a *app, f *storeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ID --tenant T",
		Short: "Revoke an API key; requests with it fail from then on",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := connect(a, *f, true)
			if err != nil {
				return err
			}
			defer s.Close()
			k, err := s.RevokeKey(f.tenant, args[0])
			audit(a, s, f.tenant, "keys.revoke", args[0], err, "")
			if err != nil {
				return err
			}
			k.Hash = ""
			if f.asJSON {
				return printJSON(a.stdout, k)
			}
			_, err = fmt.Fprintf(a.stdout, "revoked key %s of tenant %s (role %s) at %s\n", k.ID, k.Tenant, k.Role, fmtTimePtr(k.Revoked))
			return err
		},
	}
}
