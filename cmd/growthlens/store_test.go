package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/growthlens/growthlens/models/registry"
)

// seedStore creates a store with three versions of acme/forecast and returns its directory.
func seedStore(t *testing.T, key []byte) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	s, err := registry.Open(dir, registry.Options{EncryptionKey: key})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := 1; i <= 3; i++ {
		meta := registry.Metadata{DataHash: "data-1", Seed: 7, Metrics: map[string]float64{"mase": 1 - float64(i)/10}}
		if _, err := s.Put("acme", "forecast", []byte(fmt.Sprint("forecast model ", i)), meta); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func auditLog(t *testing.T, dir string, key []byte) []registry.AuditEntry {
	t.Helper()
	s, err := registry.Open(dir, registry.Options{EncryptionKey: key, MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	page, err := s.AuditLog(registry.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return page.Entries
}

func TestModelsCommands(t *testing.T) {
	dir := seedStore(t, nil)
	run := func(args ...string) (string, error) {
		t.Helper()
		out, _, err := runCLI(t, append(args, "--store", dir, "--tenant", "acme")...)
		return out, err
	}

	out, err := run("models", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Tenant string           `json:"tenant"`
		Models []registry.Model `json:"models"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("models list --json: %v\n%s", err, out)
	}
	if list.Tenant != "acme" || len(list.Models) != 1 || list.Models[0].Latest != 3 || len(list.Models[0].Aliases) != 0 {
		t.Errorf("models list = %+v", list)
	}

	for _, v := range []string{"2", "v3"} {
		if _, err := run("models", "promote", "forecast", v, "--reason", "better MASE"); err != nil {
			t.Fatalf("promote %s: %v", v, err)
		}
	}
	out, err = run("models", "rollback", "forecast", "--reason", "v3 misfires", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var ev registry.AliasEvent
	if err := json.Unmarshal([]byte(out), &ev); err != nil || ev.From != 3 || ev.To != 2 || ev.Action != "rollback" || !strings.HasPrefix(ev.By, "cli:") {
		t.Errorf("rollback --json = %s (%v)", out, err)
	}
	if _, err := run("models", "delete", "forecast", "2"); err == nil || !strings.Contains(err.Error(), "champion") {
		t.Errorf("deleting the champion: err = %v, want a refusal naming champion", err)
	}
	if _, err := run("models", "delete", "forecast", "3"); err != nil {
		t.Errorf("deleting v3: %v", err)
	}

	out, err = run("models", "show", "forecast", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var show struct {
		Versions []registry.Version               `json:"versions"`
		Aliases  []registry.Alias                 `json:"aliases"`
		History  map[string][]registry.AliasEvent `json:"history"`
	}
	if err := json.Unmarshal([]byte(out), &show); err != nil {
		t.Fatalf("models show --json: %v\n%s", err, out)
	}
	if len(show.Versions) != 2 || show.Versions[0].Version != 2 || len(show.Aliases) != 1 || show.Aliases[0].Version != 2 ||
		len(show.History["champion"]) != 3 || show.History["champion"][0].Reason != "v3 misfires" {
		t.Errorf("models show = %s", out)
	}
	out, err = run("models", "show", "forecast")
	if err != nil || !strings.Contains(out, "champion → v2") || !strings.Contains(out, "mase=0.8") {
		t.Errorf("models show (table) = %v\n%s", err, out)
	}
	out, err = run("models", "show", "forecast", "--version", "1", "--json")
	var v registry.Version
	if err != nil || json.Unmarshal([]byte(out), &v) != nil || v.Version != 1 || v.DataHash != "data-1" || v.Size != int64(len("forecast model 1")) {
		t.Errorf("show --version 1 = %v\n%s", err, out)
	}

	// Every mutation, refused ones included, is in the audit log.
	var got []string
	for _, e := range auditLog(t, dir, nil) {
		got = append(got, e.Action+" "+e.Outcome)
		if e.Tenant != "acme" || !strings.HasPrefix(e.Who, "cli:") || e.Role != registry.RoleAdmin {
			t.Errorf("audit entry %+v lacks tenant, who or role", e)
		}
	}
	want := "models.delete ok|models.delete error|models.rollback ok|models.promote ok|models.promote ok"
	if strings.Join(got, "|") != want {
		t.Errorf("audit = %s, want %s", strings.Join(got, "|"), want)
	}
}

func TestModelsCommandErrors(t *testing.T) {
	dir := seedStore(t, nil)
	std := []string{"--store", dir, "--tenant", "acme"}
	tests := []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"promote without reason", append([]string{"models", "promote", "forecast", "2"}, std...), 2, "--reason is required"},
		{"promote bad version", append([]string{"models", "promote", "forecast", "two", "--reason", "r"}, std...), 2, "positive number"},
		{"promote missing version", append([]string{"models", "promote", "forecast", "9", "--reason", "r"}, std...), 1, "not found"},
		{"rollback without champion", append([]string{"models", "rollback", "forecast", "--reason", "r"}, std...), 1, "not found"},
		{"show unknown model", append([]string{"models", "show", "nope"}, std...), 1, "no model"},
		{"bad tenant", []string{"models", "list", "--store", dir, "--tenant", "a/b"}, 1, "tenant"},
		{"missing store", []string{"models", "list", "--store", filepath.Join(t.TempDir(), "none")}, 1, "no store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runCLI(t, tt.args...)
			if exitCode(err) != tt.code || err == nil || !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("err = %v (exit %d), want exit %d mentioning %q", err, exitCode(err), tt.code, tt.contains)
			}
		})
	}
}

func TestKeysCommands(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	stdout, stderr, err := runCLI(t, "keys", "create", "--store", dir, "--tenant", "acme", "--role", "hr_system", "--label", "workday")
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(stdout)
	if strings.Count(stdout, "\n") != 1 || !strings.HasPrefix(secret, "glk_") {
		t.Fatalf("keys create stdout = %q, want the secret alone on one line", stdout)
	}
	if strings.Contains(stderr, secret) || !strings.Contains(stderr, "shown only now") {
		t.Errorf("stderr = %q", stderr)
	}

	out, _, err := runCLI(t, "keys", "list", "--store", dir, "--tenant", "acme", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Keys []registry.APIKey `json:"keys"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list.Keys) != 1 || list.Keys[0].Role != "hr_system" {
		t.Fatalf("keys list = %s (%v)", out, err)
	}
	if strings.Contains(out, secret) || strings.Contains(out, `"hash"`) {
		t.Errorf("keys list shows the secret or its hash: %s", out)
	}
	id := list.Keys[0].ID

	authenticate := func() error {
		s, err := registry.Open(dir, registry.Options{MustExist: true})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		_, err = s.Authenticate(secret)
		return err
	}
	if err := authenticate(); err != nil {
		t.Fatalf("the printed secret does not authenticate: %v", err)
	}
	if _, _, err := runCLI(t, "keys", "revoke", id, "--store", dir, "--tenant", "other"); err == nil {
		t.Error("revoked a key through another tenant")
	}
	if _, _, err := runCLI(t, "keys", "revoke", id, "--store", dir, "--tenant", "acme"); err != nil {
		t.Fatal(err)
	}
	if err := authenticate(); !errors.Is(err, registry.ErrRevoked) {
		t.Errorf("after revoke: err = %v, want ErrRevoked", err)
	}
	_, _, err = runCLI(t, "keys", "create", "--store", dir, "--tenant", "acme", "--role", "root")
	if exitCode(err) != 2 {
		t.Errorf("unknown role: err = %v, want exit 2", err)
	}
	for _, e := range auditLog(t, dir, nil) {
		if strings.Contains(e.Detail+e.Target, secret) {
			t.Errorf("the audit log holds the secret: %+v", e)
		}
	}
}

func TestBackupRestoreCommands(t *testing.T) {
	key := "hex:" + strings.Repeat("ab", 32)
	t.Setenv(registry.EnvEncryptionKey, key)
	rawKey, _ := hex.DecodeString(strings.Repeat("ab", 32))
	src := seedStore(t, rawKey)
	if _, _, err := runCLI(t, "models", "promote", "forecast", "3", "--reason", "r", "--store", src, "--tenant", "acme"); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "store.glbk")
	out, _, err := runCLI(t, "backup", "--store", src, "--out", file)
	if err != nil || !strings.Contains(out, "encrypted with AES-256-GCM") {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	if _, _, err := runCLI(t, "backup", "--store", src, "--out", file); exitCode(err) != 2 {
		t.Errorf("overwriting a backup without --force: err = %v, want exit 2", err)
	}

	dst := filepath.Join(t.TempDir(), "restored")
	t.Run("wrong key", func(t *testing.T) {
		t.Setenv(registry.EnvEncryptionKey, strings.Repeat("cd", 32))
		_, _, err := runCLI(t, "restore", "--store", dst, "--in", file)
		if err == nil || !strings.Contains(err.Error(), "wrong encryption key") {
			t.Errorf("err = %v, want wrong encryption key", err)
		}
		if _, err := os.Stat(dst); err == nil {
			t.Error("a failed restore created the store")
		}
	})
	out, _, err = runCLI(t, "restore", "--store", dst, "--in", file, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var info registry.RestoreInfo
	if err := json.Unmarshal([]byte(out), &info); err != nil || info.Check.Versions != 3 || !info.Encrypted {
		t.Errorf("restore --json = %s (%v)", out, err)
	}
	out, _, err = runCLI(t, "models", "list", "--store", dst, "--tenant", "acme", "--json")
	if err != nil || !strings.Contains(out, `"champion": 3`) {
		t.Errorf("restored models list: %v\n%s", err, out)
	}
	if _, _, err := runCLI(t, "restore", "--store", dst, "--in", file); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("restore over a store without --force: err = %v", err)
	}
}

func TestStoreInUse(t *testing.T) {
	dir := seedStore(t, nil)
	s, err := registry.Open(dir, registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, _, err = runCLI(t, "models", "list", "--store", dir, "--tenant", "acme")
	want := fmt.Sprintf("in use by another growthlens process (pid %d)", os.Getpid())
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want it to say %q", err, want)
	}
}
