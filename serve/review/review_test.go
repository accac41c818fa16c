package review

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/datasets/synth"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/champion"
	"github.com/growthlens/growthlens/models/diagnose"
	"github.com/growthlens/growthlens/models/forecast"
	"github.com/growthlens/growthlens/models/registry"
	"github.com/growthlens/growthlens/train"
)

// The tests share one small trained company (40 employees, three years, two regions), made
// once per test binary; serve's tests check the page against the API on the default company.
var fixture struct {
	once sync.Once
	root string
	in   Input
	err  error
}

func TestMain(m *testing.M) {
	root, err := os.MkdirTemp("", "review-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fixture.root = root
	code := m.Run()
	os.RemoveAll(root)
	os.Exit(code)
}

func loadFixture(t *testing.T) Input {
	t.Helper()
	fixture.once.Do(func() {
		ctx := context.Background()
		data := filepath.Join(fixture.root, "data")
		g := synth.DefaultConfig()
		g.Employees, g.Years, g.Regions = 40, 3, []string{"North", "South"}
		if _, fixture.err = synth.Generate(ctx, data, g, nil); fixture.err != nil {
			return
		}
		st, err := registry.Open(filepath.Join(fixture.root, "store"), registry.Options{})
		if err != nil {
			fixture.err = err
			return
		}
		defer st.Close()
		cfg := train.DefaultConfig(data)
		cfg.Tenant, cfg.Seed, cfg.Promote = "acme", 7, train.PromoteAlways
		if _, fixture.err = train.Run(ctx, st, cfg); fixture.err != nil {
			return
		}
		fixture.in, fixture.err = Load(st, "acme", data)
	})
	if fixture.err != nil {
		t.Fatalf("fixture: %v", fixture.err)
	}
	return fixture.in
}

func TestBuildChoosesTheQuarter(t *testing.T) {
	in := loadFixture(t)
	co, _ := in.Forecast.Find("company", "")
	last := co.Periods[len(co.Periods)-1]
	first := co.Forecast.Periods[0]
	cases := []struct {
		name, q            string
		quarter, assessed  string
		err                error
		causes, growthNote bool
	}{
		{name: "default is the first forecast quarter", q: "", quarter: first, assessed: last},
		{name: "a quarter with actuals is assessed itself", q: last, quarter: last, assessed: last},
		{name: "lower case", q: strings.ToLower(co.Periods[len(co.Periods)-2]), quarter: co.Periods[len(co.Periods)-2], assessed: co.Periods[len(co.Periods)-2]},
		{name: "a later forecast quarter", q: co.Forecast.Periods[2], quarter: co.Forecast.Periods[2], assessed: last},
		{name: "before the data", q: "1999Q1", err: ErrQuarter},
		{name: "after the horizon", q: "2099Q4", err: ErrQuarter},
		{name: "not a quarter", q: "2026-09", err: ErrQuarter},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Build(context.Background(), in, c.q, DefaultScenario)
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("err = %v, want %v", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Quarter != c.quarter || p.Assessed != c.assessed {
				t.Errorf("quarter %s assessed %s, want %s and %s", p.Quarter, p.Assessed, c.quarter, c.assessed)
			}
			if p.Target == nil || p.Target.Quarter != c.assessed || len(p.Target.Recent) == 0 || p.Target.Recent[len(p.Target.Recent)-1].Period != c.assessed {
				t.Errorf("target section %+v", p.Target)
			}
			if p.Growth == nil || p.Growth.Quarter != c.assessed {
				t.Errorf("growth section: %+v (missing: %q)", p.Growth, p.Missing[SecGrowth])
			}
		})
	}
}

// TestBuildFigures checks what the page's figures must satisfy whatever the data: the
// waterfall adds up, the intervals nest, the team summary adds up to the staff.
func TestBuildFigures(t *testing.T) {
	in := loadFixture(t)
	p, err := Build(context.Background(), in, "", Scenario{SpendPercent: 20, ResponsePercent: -10})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Missing) != 0 {
		t.Errorf("sections missing: %v", p.Missing)
	}
	g := p.Growth
	sum := g.Unexplained
	for _, s := range g.Steps {
		sum += s.Contribution
	}
	if math.Abs(sum-g.Gap) > 1e-9 || math.Abs(g.Gap-math.Log(g.Actual/g.Base)) > 1e-9 {
		t.Errorf("waterfall: steps and rest sum to %g, gap %g, log(actual/base) %g", sum, g.Gap, math.Log(g.Actual/g.Base))
	}
	for _, f := range p.Forecast.Next {
		if !(f.Lo95 <= f.Lo80 && f.Lo80 <= f.Revenue && f.Revenue <= f.Hi80 && f.Hi80 <= f.Hi95) {
			t.Errorf("%s: intervals do not nest: 95 [%g, %g] 80 [%g, %g] mean %g", f.Period, f.Lo95, f.Hi95, f.Lo80, f.Hi80, f.Revenue)
		}
	}
	n := 0
	for _, team := range p.Incentives.Teams {
		c := team.NoOption
		for _, k := range team.Top {
			c += k
		}
		if c != team.Employees {
			t.Errorf("team %s: %d counted, %d employees", team.Team, c, team.Employees)
		}
		n += team.Employees
	}
	if n != len(in.Recommendations) || p.Incentives.Total.Employees != n {
		t.Errorf("teams hold %d employees, total %d, recommendations %d", n, p.Incentives.Total.Employees, len(in.Recommendations))
	}
	if w := p.WhatIf; w.Error != "" || len(w.Changes) != 2 || !(w.SustainedPercentLo <= w.SustainedPercent && w.SustainedPercent <= w.SustainedPercentHi) {
		t.Errorf("what-if: %+v", w)
	}
	// The causes are diagnose's, in its order, each with the role responsible; the claimed
	// ones add up to Explained.
	c := p.Causes
	dc, err := in.Diagnosis(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	pq, _ := datasets.ParseQuarter(p.Assessed)
	want, err := dc.Drivers(context.Background(), diagnose.DriverRequest{Scope: diagnose.Scope{Level: features.Company}, Period: pq})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Causes) != len(want.Causes) || len(c.Causes) == 0 {
		t.Fatalf("%d causes, diagnose ranks %d", len(c.Causes), len(want.Causes))
	}
	explained := 0.0
	for i, got := range c.Causes {
		w := want.Causes[i]
		if got.Driver != w.Driver || got.Role != w.Role || got.Role == "" || got.Contribution != w.Contribution.Estimate || got.Significant != w.Significant {
			t.Errorf("cause %d: %s (%s) %g significant %v; diagnose: %s (%s) %g %v", i+1, got.Driver, got.Role, got.Contribution, got.Significant,
				w.Driver, w.Role, w.Contribution.Estimate, w.Significant)
		}
		if got.Significant {
			explained += got.Contribution
		}
	}
	if math.Abs(explained-c.Explained) > 1e-12 || c.NoDominantCause != want.NoDominantCause || c.Expected != want.Expected {
		t.Errorf("causes: explained %g (claimed ones sum to %g), no dominant cause %v, expected %g; diagnose: %v, %g",
			c.Explained, explained, c.NoDominantCause, c.Expected, want.NoDominantCause, want.Expected)
	}
	if !p.Accuracy.HasBacktest || p.Accuracy.Origins == 0 || len(p.Accuracy.Points) != p.Accuracy.Origins {
		t.Errorf("accuracy: %+v", p.Accuracy)
	}
}

func TestBuildWithoutModels(t *testing.T) {
	in := loadFixture(t)
	only := Input{Tenant: "acme", Forecast: in.Forecast, ForecastVersion: in.ForecastVersion,
		Missing: map[string]string{champion.Driver: "no champion driver model yet"}}
	p, err := Build(context.Background(), only, "", DefaultScenario)
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range []string{SecGrowth, SecWhatIf, SecCauses, SecIndicators, SecIncentives} {
		if p.Missing[sec] == "" {
			t.Errorf("section %s: no reason given", sec)
		}
	}
	if p.Missing[SecGrowth] != "no champion driver model yet" {
		t.Errorf("growth: %q", p.Missing[SecGrowth])
	}
	var buf bytes.Buffer
	if err := Render(&buf, p, Options{Lang: LangEN}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(buf.String(), `class="missing"`); got < 5 {
		t.Errorf("%d sections say they are missing, want 5", got)
	}
	if _, err := Build(context.Background(), Input{Tenant: "x", Missing: map[string]string{champion.Forecast: "no forecast yet"}}, "", DefaultScenario); err == nil || err.Error() != "no forecast yet" {
		t.Errorf("no forecast: err = %v", err)
	}
}

func TestScenarioValidate(t *testing.T) {
	cases := []struct {
		name string
		sc   Scenario
		ok   bool
	}{
		{"default", DefaultScenario, true},
		{"none", Scenario{}, true},
		{"spend halved", Scenario{SpendPercent: -50}, true},
		{"spend gone", Scenario{SpendPercent: -100}, false},
		{"response tenfold", Scenario{ResponsePercent: 1000}, true},
		{"response too big", Scenario{ResponsePercent: 1000.5}, false},
		{"NaN", Scenario{SpendPercent: math.NaN()}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.sc.Validate(); (err == nil) != c.ok {
				t.Errorf("Validate(%+v) = %v, want ok=%v", c.sc, err, c.ok)
			}
		})
	}
}

var (
	svgRe   = regexp.MustCompile(`(?s)<svg [^>]*id="(chart-[a-z]+)"[^>]*role="img"[^>]*aria-labelledby="([^"]+)"[^>]*>(.*?)</svg>`)
	shapeRe = regexp.MustCompile(`<(path|rect|circle|line) `)
)

// TestRenderBothLanguages renders the live and the static page in English and Chinese and
// checks the things a reader and a screen reader rely on.
func TestRenderBothLanguages(t *testing.T) {
	in := loadFixture(t)
	p, err := Build(context.Background(), in, "", DefaultScenario)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{LangEN, LangZH} {
		for _, static := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s static=%v", lang, static), func(t *testing.T) {
				var buf bytes.Buffer
				if err := Render(&buf, p, Options{Lang: lang, Static: static, CSRF: "tok123"}); err != nil {
					t.Fatal(err)
				}
				page := buf.String()
				if want := `<html lang="` + htmlLang(lang) + `">`; !strings.Contains(page, want) {
					t.Errorf("no %s", want)
				}
				// AsOf is the day after the data: "Data up to 2018-01-01" read as if it were in.
				if want := map[string]string{LangEN: "Data before <span", LangZH: "数据早于 <span"}[lang]; !strings.Contains(page, want+` data-k="page.as_of"`) {
					t.Errorf("the as-of date is not introduced by %q", want)
				}
				for _, sec := range Sections {
					if !strings.Contains(page, `<section id="`+sec+`" aria-labelledby="h-`+sec+`"`) {
						t.Errorf("no section %s", sec)
					}
					if title := T(lang, "sec."+sec); !strings.Contains(page, ">"+title+"</h2>") {
						t.Errorf("section %s has no heading %q", sec, title)
					}
				}
				charts := svgRe.FindAllStringSubmatch(page, -1)
				if len(charts) != 6 {
					t.Errorf("%d charts, want 6", len(charts))
				}
				for _, m := range charts {
					id, inner := m[1], m[3]
					if m[2] != id+"-t "+id+"-d" || !strings.Contains(inner, `<title id="`+id+`-t">`) || !strings.Contains(inner, `<desc id="`+id+`-d">`) {
						t.Errorf("%s: no title and description for screen readers", id)
					}
					if n := len(shapeRe.FindAllString(inner, -1)); n < 5 {
						t.Errorf("%s: %d shapes", id, n)
					}
					if strings.Contains(inner, "NaN") || strings.Contains(inner, "Inf") {
						t.Errorf("%s: a coordinate is not a number", id)
					}
				}
				if strings.Contains(page, "<script") || strings.Contains(page, "src=") || strings.Contains(page, "http://") && !strings.Contains(page, `xmlns="http://www.w3.org/2000/svg"`) {
					t.Errorf("the page loads or runs something")
				}
				hasForm := strings.Contains(page, "<form")
				if static == hasForm {
					t.Errorf("static=%v but forms: %v", static, hasForm)
				}
				if !static && (!strings.Contains(page, `name="csrf" value="tok123"`) || !strings.Contains(page, `<label for="spend">`)) {
					t.Errorf("the live page's forms lack their token or labels")
				}
				other := LangZH
				if lang == LangZH {
					other = LangEN
				}
				for _, key := range []string{"sec.forecast", "sec.causes", "actual", "target", "forecast"} {
					if strings.Contains(page, ">"+T(other, key)+"<") {
						t.Errorf("a %s label %q on the %s page", other, T(other, key), lang)
					}
				}
				if lang == LangZH && !strings.Contains(page, "万") {
					t.Errorf("Chinese page does not count money in 万")
				}
			})
		}
	}
}

func TestLabelsHaveBothLanguages(t *testing.T) {
	for key, v := range labels {
		if strings.TrimSpace(v[0]) == "" || strings.TrimSpace(v[1]) == "" {
			t.Errorf("label %s: %q", key, v)
		}
		if v[0] == v[1] {
			t.Errorf("label %s is not translated: %q", key, v[0])
		}
	}
	for _, tbl := range []map[string][2]string{roleNames, driverNames, rewardNames} {
		for key, v := range tbl {
			if v[0] == "" || v[1] == "" || v[0] == v[1] {
				t.Errorf("name %s: %q", key, v)
			}
		}
	}
}

func TestNumbers(t *testing.T) {
	cases := []struct {
		name, lang, kind string
		x                float64
		want             string
		currency         string
	}{
		{"with currency", LangEN, "money", 3_690_000, "3,690,000 CNY", "CNY"},
		{"wan with currency", LangZH, "money", 3_690_000, "369.0 万 CNY", "CNY"},
		{"full with currency", LangEN, "full", 3_751_767.4, "3,752,000 EUR", "EUR"},
		{"undefined has no currency", LangEN, "money", math.NaN(), "–", "EUR"},
		{"millions", LangEN, "money", 3_690_000, "3,690,000", ""},
		{"thousands", LangEN, "money", 179_602.8, "179,600", ""},
		{"wan", LangZH, "money", 3_690_000, "369.0 万", ""},
		{"yi", LangZH, "money", 2.5e8, "2.50 亿", ""},
		{"negative", LangEN, "money", -12_500, "−12,500", ""},
		{"undefined", LangEN, "money", math.NaN(), "–", ""},
		{"full", LangEN, "full", 3_751_767.4, "3,752,000", ""},
		{"full negative", LangEN, "full", -1234, "−1,234", ""},
		{"percent", LangEN, "pct", 1.0171, "101.7 %", ""},
		{"signed percent", LangEN, "spct", 0.139, "+13.9 %", ""},
		{"signed negative", LangEN, "spct", -0.041, "−4.1 %", ""},
		{"zero is unsigned", LangEN, "spct", -0.00001, "0.0 %", ""},
		{"points", LangEN, "pts", 0.067, "+6.7 pt", ""},
		{"points zh", LangZH, "pts", -0.015, "−1.5 个百分点", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := &view{Opt: Options{Lang: c.lang}, N: numbers{lang: c.lang, currency: c.currency}}
			if got := v.Fmt(c.kind, c.x); got != c.want {
				t.Errorf("Fmt(%s, %g) in %s = %q, want %q", c.kind, c.x, c.lang, got, c.want)
			}
		})
	}
}

// A withheld forecast shows the reason and the history, not an empty forecast table whose
// caption names a method nobody should read, nor a legend of bands the chart does not draw.
func TestWithheldForecastHasNoEmptyTable(t *testing.T) {
	p, err := Build(context.Background(), loadFixture(t), "", DefaultScenario)
	if err != nil {
		t.Fatal(err)
	}
	render := func() string {
		var buf bytes.Buffer
		if err := Render(&buf, p, Options{Lang: LangEN}); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	caption := "<caption>" + T(LangEN, "sec.forecast") + " ("
	if out := render(); !strings.Contains(out, caption) {
		t.Fatalf("the fixture's page has no forecast table (%q): the check below would check nothing", caption)
	}
	p.Forecast.Next = nil
	p.Forecast.Status, p.Forecast.Reason, p.Forecast.Method = "withheld", "only 3 complete quarters of history", "naive"
	out := render()
	if strings.Contains(out, caption) {
		t.Error("a withheld forecast still renders the forecast table")
	}
	if !strings.Contains(out, "only 3 complete quarters of history") {
		t.Error("the reason the forecast is withheld is not on the page")
	}
	chart, ok := "", false
	if i := strings.Index(out, `chart-forecast`); i >= 0 {
		if j := strings.Index(out[i:], "</svg>"); j >= 0 {
			chart, ok = out[i:i+j], true
		}
	}
	if !ok {
		t.Fatal("no forecast chart on the page")
	}
	if strings.Contains(chart, T(LangEN, "interval80")) {
		t.Error("the chart of a withheld forecast still names the 80 % band in its legend")
	}
}

// A withheld company forecast leaves no quarter ahead to review: the page opens on the last
// quarter with actuals and does not offer the forecast's quarters.
func TestWithheldForecastOpensOnTheLastActual(t *testing.T) {
	in := loadFixture(t)
	co, _ := in.Forecast.Find("company", "")
	saved := co.Verdict
	t.Cleanup(func() { co.Verdict = saved })
	co.Verdict = &forecast.Verdict{Status: forecast.StatusWithheld, Reason: "only 3 complete quarters of history"}
	last, first := co.Periods[len(co.Periods)-1], co.Forecast.Periods[0]
	p, err := Build(context.Background(), in, "", DefaultScenario)
	if err != nil {
		t.Fatal(err)
	}
	if p.Quarter != last || p.Assessed != last {
		t.Errorf("quarter %s assessed %s, want %s for both", p.Quarter, p.Assessed, last)
	}
	if slices.Contains(p.Quarters, first) {
		t.Errorf("the page offers %s, a quarter of the withheld forecast", first)
	}
	if _, err := Build(context.Background(), in, first, DefaultScenario); !errors.Is(err, ErrQuarter) {
		t.Errorf("asking for %s: err = %v, want ErrQuarter", first, err)
	}
}
