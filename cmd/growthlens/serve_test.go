package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines and the test to share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestServeWithCLI runs the whole program as make run does: train a generated company with
// the CLI, start `growthlens serve` on :0, and, while the server holds the store, use the
// CLI's keys, models, train, runs and backup commands, which reach the store through the
// server's admin socket. A key made that way works on the API; a promotion made that way is
// served at once; a training run made that way runs in the server. Cancelling the command
// shuts the server down and frees the store.
func TestServeWithCLI(t *testing.T) {
	dir := t.TempDir()
	data, store := filepath.Join(dir, "data"), filepath.Join(dir, "store")
	mustRun := cliRunner(t)
	mustRun("generate", "--out", data, "--employees", "40", "--years", "3", "--regions", "North,South")
	mustRun("train", "--data", data, "--store", store, "--tenant", "acme")

	base, errOut, stop := serveInProcess(t, store, data, "acme")
	if !strings.Contains(errOut.String(), "keys create --store "+store+" --tenant acme --role admin") || !strings.Contains(errOut.String(), "curl -H") {
		t.Errorf("serve does not say how to make a key and call the API:\n%s", errOut.String())
	}
	get := func(path, secret string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		if secret != "" {
			req.Header.Set("Authorization", "Bearer "+secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	secret := strings.TrimSpace(mustRun("keys", "create", "--store", store, "--tenant", "acme", "--role", "admin", "--label", "test"))
	if st, b := get("/v1/forecast?scope=company", secret); st != 200 {
		t.Fatalf("forecast with a key made through the CLI while serving: %d %s", st, b)
	}
	if list := mustRun("keys", "list", "--store", store, "--tenant", "acme"); !strings.Contains(list, "test") {
		t.Errorf("keys list through the server:\n%s", list)
	}
	mustRun("train", "--data", data, "--store", store, "--tenant", "acme", "--seed", "9", "--promote", "always")
	if runs := mustRun("runs", "list", "--store", store, "--tenant", "acme"); strings.Count(runs, "succeeded") != 2 {
		t.Errorf("runs list through the server, want 2 runs:\n%s", runs)
	}
	var models struct {
		Models []struct {
			Name     string `json:"name"`
			Versions int    `json:"versions"`
		} `json:"models"`
	}
	if err := json.Unmarshal([]byte(mustRun("models", "list", "--store", store, "--tenant", "acme", "--json")), &models); err != nil {
		t.Fatal(err)
	}
	driverVersions := 0
	for _, m := range models.Models {
		if m.Name == "driver" {
			driverVersions = m.Versions
		}
	}
	if driverVersions != 2 {
		t.Fatalf("the training through the server registered %d driver versions in all, want 2", driverVersions)
	}
	mustRun("models", "promote", "driver", "1", "--reason", "back to the first fit", "--store", store, "--tenant", "acme")
	st, b := get("/v1/drivers", secret)
	var drivers struct {
		Model struct {
			Version int `json:"version"`
		} `json:"model"`
	}
	if json.Unmarshal(b, &drivers); st != 200 || drivers.Model.Version != 1 {
		t.Errorf("after promoting driver v1 through the CLI the server answers with: %d %s", st, b)
	}
	backup := filepath.Join(dir, "store.glbk")
	mustRun("backup", "--store", store, "--out", backup)
	if fi, err := os.Stat(backup); err != nil || fi.Size() == 0 {
		t.Errorf("backup through the server: %v", err)
	}

	stop()
	// The store is free again: the CLI opens it itself.
	if list := mustRun("models", "list", "--store", store, "--tenant", "acme"); !strings.Contains(list, "champion=v1") {
		t.Errorf("models list after the server stopped:\n%s", list)
	}
}
