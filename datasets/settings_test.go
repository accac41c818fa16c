package datasets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSettings(t *testing.T) {
	dir := t.TempDir()
	if s, err := ReadSettings(dir); err != nil || s != (Settings{}) {
		t.Fatalf("no settings file: %+v, %v; want the zero settings", s, err)
	}
	if err := WriteSettings(dir, Settings{Currency: "EUR"}); err != nil {
		t.Fatal(err)
	}
	if s, err := ReadSettings(dir); err != nil || s.Currency != "EUR" {
		t.Fatalf("read back %+v, %v; want EUR", s, err)
	}
	if err := WriteSettings(dir, Settings{Currency: "euro"}); err == nil {
		t.Error("wrote currency \"euro\"")
	}
	for _, tc := range []struct{ body, want string }{
		{`{"currency": "eur"}`, "ISO 4217"},
		{`{"currency": "EURO"}`, "ISO 4217"},
		{`{"currency": "EUR", "colour": "red"}`, "colour"},
		{`{"currency": 3}`, "currency"},
		{`{"currency": "EUR"} {}`, "more than one"},
	} {
		if err := os.WriteFile(filepath.Join(dir, SettingsFile), []byte(tc.body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := ReadSettings(dir)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), SettingsFile) {
			t.Errorf("%s: error %v, want one naming %s and %q", tc.body, err, SettingsFile, tc.want)
		}
	}
}

// TestLoadReadsSettings checks that Load carries the settings and refuses a bad file rather
// than print amounts in no currency.
func TestLoadReadsSettings(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "revenue.csv"), []byte("period,scope,scope_id,revenue\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteSettings(dir, Settings{Currency: "CNY"}); err != nil {
		t.Fatal(err)
	}
	ds, _, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Settings.Currency != "CNY" {
		t.Errorf("currency %q, want CNY", ds.Settings.Currency)
	}
	if err := os.WriteFile(filepath.Join(dir, SettingsFile), []byte(`{"currency":"yuan"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "yuan") {
		t.Errorf("bad settings: %v, want an error naming the value", err)
	}
}
