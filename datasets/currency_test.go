package datasets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The Maven CRM export's amounts are in US dollars, but the import had no way to say so:
// every amount on the review page, the API and the CLI of an imported dataset was printed
// bare ("2,802,000"). The mapping's currency now reaches the dataset's settings.
func TestImportWritesTheMappingsCurrency(t *testing.T) {
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "deals.csv"), []byte("id,stage,opened,closed,value\nO1,won,2017-03-01,2017-03-20,1200\n"), 0o644)
	mapping := func(currency string) *Mapping {
		t.Helper()
		m, err := ParseMapping([]byte(currency + `tables:
  opportunities:
    source: deals.csv
    columns: {opportunity_id: id, stage: stage, created_date: opened, closed_date: closed, amount: value}
`))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}

	out := t.TempDir()
	if _, err := Import(mapping("currency: USD\n"), []string{src}, ImportOptions{Out: out}); err != nil {
		t.Fatal(err)
	}
	ds, _, err := Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Settings.Currency != "USD" {
		t.Errorf("imported dataset's currency %q, want USD", ds.Settings.Currency)
	}

	// A mapping without a currency leaves the settings as they are.
	if _, err := Import(mapping(""), []string{src}, ImportOptions{Out: out}); err != nil {
		t.Fatal(err)
	}
	if s, _ := ReadSettings(out); s.Currency != "USD" {
		t.Errorf("after a mapping without currency: %q, want USD kept", s.Currency)
	}

	// Another currency than the dataset's is refused before anything is written.
	if err := WriteSettings(out, Settings{Currency: "EUR"}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(out, "opportunities.csv"))
	os.WriteFile(filepath.Join(src, "deals.csv"), []byte("id,stage,opened,closed,value\nO2,won,2017-03-01,2017-03-20,900\n"), 0o644)
	_, err = Import(mapping("currency: USD\n"), []string{src}, ImportOptions{Out: out})
	if err == nil || !strings.Contains(err.Error(), "currency USD differs") || !strings.Contains(err.Error(), "EUR") {
		t.Errorf("USD into an EUR dataset: err = %v, want a refusal naming both", err)
	}
	if after, _ := os.ReadFile(filepath.Join(out, "opportunities.csv")); string(after) != string(before) {
		t.Error("a refused import changed opportunities.csv")
	}

	// A malformed code is a mapping error naming its place.
	if _, err := ParseMapping([]byte("currency: usd\ntables:\n  opportunities:\n    source: deals.csv\n")); err == nil || !strings.Contains(err.Error(), "currency: want an ISO 4217 code") {
		t.Errorf("currency usd: err = %v", err)
	}
}
