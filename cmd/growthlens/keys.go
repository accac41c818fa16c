package main

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

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
	cmd.AddCommand(newKeysCreateCmd(a, &f), newKeysListCmd(a, &f), newKeysRevokeCmd(a, &f), newKeysRotateCmd(a, &f))
	return cmd
}

func newKeysCreateCmd(a *app, f *storeFlags) *cobra.Command {
	var role, label, expires string
	cmd := &cobra.Command{
		Use:   "create --tenant T --role R [--label TEXT] [--expires 90d]",
		Short: "Create an API key and print its secret (shown this once)",
		Example: `  growthlens keys create --tenant acme --role hr_system --label "workday sync" --expires 90d
  growthlens keys create --tenant acme --role viewer --expires 2027-01-01`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !registry.ValidRole(role) {
				return usageErr("--role %q: want one of %s", role, strings.Join(registry.Roles, ", "))
			}
			until, err := parseExpiry(expires, time.Now())
			if err != nil {
				return usageErr("--expires: %v", err)
			}
			s, err := connect(a, *f, false)
			if err != nil {
				return err
			}
			defer s.Close()
			secret, k, err := s.CreateKeyWith(f.tenant, role, label, registry.KeyOptions{Expires: until})
			target := ""
			if err == nil {
				target = k.ID
			}
			audit(a, s, f.tenant, "keys.create", target, err, "role "+role)
			if err != nil {
				return err
			}
			return printNewKey(a, f.asJSON, k, secret, fmt.Sprintf("key %s for tenant %s, role %s. The secret above is shown only now: store it safely.", k.ID, k.Tenant, k.Role))
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "role: "+strings.Join(registry.Roles, ", ")+" (required)")
	cmd.Flags().StringVar(&label, "label", "", "note saying who or what uses the key")
	cmd.Flags().StringVar(&expires, "expires", "", "when the key stops working: a duration (90d, 12h) or a date (2027-01-01, RFC 3339); default never")
	return cmd
}

// parseExpiry reads --expires: empty for never, a duration from now (Go's units, and d for
// days), or a date (YYYY-MM-DD, midnight UTC) or RFC 3339 time.
func parseExpiry(s string, now time.Time) (time.Time, error) {
	switch {
	case s == "":
		return time.Time{}, nil
	case strings.HasSuffix(s, "d"):
		days, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		if err != nil || days < 1 || days > 36500 {
			return time.Time{}, fmt.Errorf("%q: want whole days from 1 to 36500, e.g. 90d", s)
		}
		return now.Add(time.Duration(days) * 24 * time.Hour), nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return time.Time{}, fmt.Errorf("%q: want a positive duration", s)
		}
		return now.Add(d), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q: want a duration (90d, 12h) or a date (2027-01-01 or RFC 3339)", s)
}

func newKeysRotateCmd(a *app, f *storeFlags) *cobra.Command {
	var grace time.Duration
	var expires string
	cmd := &cobra.Command{
		Use:   "rotate ID --tenant T [--grace 24h] [--expires 90d]",
		Short: "Replace a key: print a new secret of the same role and label; the old key expires after --grace",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			until, err := parseExpiry(expires, time.Now())
			if err != nil {
				return usageErr("--expires: %v", err)
			}
			s, err := connect(a, *f, true)
			if err != nil {
				return err
			}
			defer s.Close()
			secret, k, err := s.RotateKey(f.tenant, args[0], grace, until)
			target := args[0]
			if err == nil {
				target = args[0] + " → " + k.ID
			}
			audit(a, s, f.tenant, "keys.rotate", target, err, "grace "+grace.String())
			if err != nil {
				return err
			}
			return printNewKey(a, f.asJSON, k, secret, fmt.Sprintf("key %s replaces %s (tenant %s, role %s); %s stops working in %s. The secret above is shown only now.",
				k.ID, args[0], k.Tenant, k.Role, args[0], grace))
		},
	}
	cmd.Flags().DurationVar(&grace, "grace", 24*time.Hour, "how long the old key keeps working")
	cmd.Flags().StringVar(&expires, "expires", "", "when the new key stops working (as for keys create); default never")
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
			fmt.Fprintln(tw, "ID\tTENANT\tROLE\tCREATED\tLAST USED\tEXPIRES\tREVOKED\tLABEL")
			for _, k := range keys {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Tenant, k.Role, fmtTime(k.Created),
					fmtTimePtr(k.LastUsed), fmtTimePtr(k.Expires), fmtTimePtr(k.Revoked), orDash(k.Label))
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

// printNewKey prints a new key's secret on stdout (the key with it, as JSON, with --json) and
// note on stderr.
func printNewKey(a *app, asJSON bool, k registry.APIKey, secret, note string) error {
	k.Hash = ""
	if asJSON {
		return printJSON(a.stdout, struct {
			registry.APIKey
			Secret string `json:"secret"`
		}{k, secret})
	}
	fmt.Fprintf(a.stdout, "%s\n", secret)
	fmt.Fprintln(a.stderr, note)
	return nil
}
