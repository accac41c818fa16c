package review

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/growthlens/growthlens/datasets/synth"
	"github.com/growthlens/growthlens/models/registry"
	"github.com/growthlens/growthlens/train"
)

// makeDataScenarios are the scenarios `make data` generates (with the default company).
var makeDataScenarios = []string{"baseline", "supply-delay", "support-slowdown", "marketing-cut", "reimbursement-delay", "reform", "random"}

var (
	tagRe      = regexp.MustCompile(`(?s)<style.*?</style>|<[^>]*>`)
	exponentRe = regexp.MustCompile(`\d(?:\.\d+)?[eE][+-]?\d+`)
	// numberRe finds numbers a person reads: not part of a word, a date, a period or a key.
	numberRe  = regexp.MustCompile(`(?:^|[^\w\-:./])(\d[\d,]*(?:\.\d+)?)(?:$|[^\w\-:/])`)
	englishRe = regexp.MustCompile(`[A-Za-z]{2,}(?:[ ,;]+[A-Za-z]{2,}){3,}`)
)

// visibleText is what a person reads on a page: the text outside tags, entities decoded.
func visibleText(page string) string {
	return html.UnescapeString(tagRe.ReplaceAllString(page, "\n"))
}

// significant counts a number's significant digits ("179,600" has 4, "0.0123" 3).
func significant(num string) int {
	s := strings.ReplaceAll(num, ",", "")
	intPart, frac, _ := strings.Cut(s, ".")
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		return len(strings.TrimLeft(frac, "0"))
	}
	if frac == "" {
		return len(strings.TrimRight(intPart, "0"))
	}
	return len(intPart) + len(frac)
}

// readableProblems lists what a person should not have to read in text: exponent notation,
// numbers of more than four significant digits (money above all), and, for a Chinese page,
// English sentences (four or more English words in a row).
func readableProblems(text string, zh bool) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if m := exponentRe.FindString(line); m != "" {
			out = append(out, fmt.Sprintf("exponent notation %q in %q", m, line))
		}
		for _, m := range numberRe.FindAllStringSubmatch(line, -1) {
			if n := m[1]; significant(n) > 4 && !isYear(n) {
				out = append(out, fmt.Sprintf("%d significant digits %q in %q", significant(n), n, line))
			}
		}
		if zh {
			if m := englishRe.FindString(line); m != "" {
				out = append(out, fmt.Sprintf("untranslated %q in %q", m, line))
			}
		}
	}
	return out
}

func isYear(n string) bool {
	return len(n) == 4 && (strings.HasPrefix(n, "19") || strings.HasPrefix(n, "20"))
}

// TestEveryNumberReadable renders the review page in both languages for every scenario of
// `make data` (the article's 100-employee company, seed 7, trained as `make data`'s tenants
// are) and fails on exponent notation, on numbers of more than four significant digits, and
// on English sentences in the Chinese page.
func TestEveryNumberReadable(t *testing.T) {
	if testing.Short() {
		t.Skip("trains seven companies")
	}
	for _, scenario := range makeDataScenarios {
		t.Run(scenario, func(t *testing.T) {
			ctx := context.Background()
			root := t.TempDir()
			data := filepath.Join(root, "data")
			g := synth.DefaultConfig()
			g.Scenario = scenario
			if _, err := synth.Generate(ctx, data, g, nil); err != nil {
				t.Fatal(err)
			}
			st, err := registry.Open(filepath.Join(root, "store"), registry.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			cfg := train.DefaultConfig(data)
			cfg.Tenant, cfg.Seed, cfg.Promote = "acme", 7, train.PromoteAlways
			if _, err := train.Run(ctx, st, cfg); err != nil {
				t.Fatal(err)
			}
			in, err := Load(st, "acme", data)
			if err != nil {
				t.Fatal(err)
			}
			quarters := []string{""}
			if scenario == "reform" {
				quarters = append(quarters, "2025Q2")
			}
			for _, q := range quarters {
				p, err := Build(in, q, DefaultScenario)
				if err != nil {
					t.Fatal(err)
				}
				for _, lang := range []string{LangEN, LangZH} {
					var buf bytes.Buffer
					if err := Render(&buf, p, Options{Lang: lang, Static: true}); err != nil {
						t.Fatal(err)
					}
					for _, prob := range readableProblems(visibleText(buf.String()), lang == LangZH) {
						t.Errorf("%s %s page of %s: %s", lang, q, scenario, prob)
					}
				}
			}
		})
	}
}

// TestReadableProblemsCatches checks the checker on what it must catch and let pass.
func TestReadableProblemsCatches(t *testing.T) {
	for _, bad := range []string{"revenue 1.403e+04 currency", "level 3662862.6663", "spend 179,603", "x 6.594e+05"} {
		if len(readableProblems(bad, false)) == 0 {
			t.Errorf("%q passed", bad)
		}
	}
	if len(readableProblems("原因：the data cannot tell whether", true)) == 0 {
		t.Error("an English sentence passed on a Chinese page")
	}
	for _, good := range []string{"2026Q3: revenue 3.69 M against 179,600", "2026-09-30", "+4.7 pt [+1.7, +7.9]", "数据截至 2026-10-01"} {
		if p := readableProblems(good, true); len(p) > 0 {
			t.Errorf("%q flagged: %v", good, p)
		}
	}
}
