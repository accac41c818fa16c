package review

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/datasets/synth"
	"github.com/growthlens/growthlens/internal/readable"
	"github.com/growthlens/growthlens/models/adjustment"
	"github.com/growthlens/growthlens/models/alert"
	"github.com/growthlens/growthlens/models/goal"
	"github.com/growthlens/growthlens/models/indicators"
	"github.com/growthlens/growthlens/models/registry"
	"github.com/growthlens/growthlens/train"
)

// makeDataScenarios are the scenarios `make data` generates (with the default company).
var makeDataScenarios = []string{"baseline", "supply-delay", "support-slowdown", "marketing-cut", "reimbursement-delay", "reform", "random"}

var tagRe = regexp.MustCompile(`(?s)<style.*?</style>|<[^>]*>`)

// visibleText is what a person reads on a page: the text outside tags, entities decoded.
func visibleText(page string) string {
	return html.UnescapeString(tagRe.ReplaceAllString(page, "\n"))
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
			// A goal the default page cascades (2027, +30 %), and one out of reach that the
			// 2025Q2 page shows refused (2025, +200 %).
			for _, g := range []goal.Goal{{Period: "2027", Metric: goal.MetricGrowthYoY, Target: 0.3}, {Period: "2025", Metric: goal.MetricGrowthYoY, Target: 2}} {
				if _, err := st.PutGoal("acme", g.Key(), func(v int) (json.RawMessage, error) { g.Version = v; return json.Marshal(g) }); err != nil {
					t.Fatal(err)
				}
			}
			// An open alert the page lists, with a driver cause.
			a := alert.Alert{ID: "a1", Key: "region:East|revenue|2026Q3", Scope: "region:East", Metric: "revenue", Severity: alert.Critical, Pace: 0.4567,
				Threshold: 0.8, Notify: []string{"gm", "sales", "procurement"}, Causes: []alert.Cause{{Kind: "driver", Name: "supply_lead_days", Role: "procurement"}}}
			a.Period, _ = datasets.ParseQuarter("2026Q3")
			b, _ := json.Marshal(a)
			if _, err := st.PutAlert("acme", a.ID, b); err != nil {
				t.Fatal(err)
			}
			in, err := Load(st, "acme", data)
			if err != nil {
				t.Fatal(err)
			}
			// A manager's figure for the first forecast quarter, and one for the last quarter with
			// actuals (set while it was ahead), which the accuracy section scores.
			co, _ := in.Forecast.Find("company", "")
			for _, adj := range []adjustment.Adjustment{
				{Scope: "company", Quarter: co.Forecast.Periods[0], Revenue: 1.1 * co.Forecast.Mean[0], ModelRevenue: co.Forecast.Mean[0], Note: "大单提前"},
				{Scope: "region:East", Quarter: co.Periods[len(co.Periods)-1], Revenue: 123456.789, ModelRevenue: 98765.4321, Note: "旧的调整"},
			} {
				if _, err := st.PutAdjustment("acme", adjustment.ID(adj.Scope, adj.Quarter), func(v int) (json.RawMessage, error) { adj.Version = v; return json.Marshal(adj) }); err != nil {
					t.Fatal(err)
				}
			}
			if in, err = Load(st, "acme", data); err != nil {
				t.Fatal(err)
			}
			quarters := []string{""}
			if scenario == "reform" {
				quarters = append(quarters, "2025Q2")
			}
			for _, q := range quarters {
				p, err := Build(context.Background(), in, q, DefaultScenario)
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Alerts) != 1 {
					t.Errorf("%s page of %s: %d open alerts, want 1", q, scenario, len(p.Alerts))
				}
				if p.Goal == nil {
					t.Errorf("%s page of %s: no goal section (%s)", q, scenario, p.Missing[SecGoal])
				}
				if len(p.Adjustments) != 2 || len(p.Accuracy.Adjusted) != 1 {
					t.Errorf("%s page of %s: %d adjustments, %d scored; want 2 and 1", q, scenario, len(p.Adjustments), len(p.Accuracy.Adjusted))
				}
				for _, lang := range []string{LangEN, LangZH} {
					var buf bytes.Buffer
					if err := Render(&buf, p, Options{Lang: lang, Static: true}); err != nil {
						t.Fatal(err)
					}
					text := visibleText(buf.String())
					for _, prob := range readable.Problems(text, lang == LangZH) {
						t.Errorf("%s %s page of %s: %s", lang, q, scenario, prob)
					}
					// The cascade's tree down to teams: every team's target is on the page.
					if p.Goal != nil && p.Goal.Plan.Reachable {
						n := 0
						for _, r := range p.Goal.Plan.Roles {
							for _, tm := range r.Teams {
								for _, it := range tm.Indicators {
									attr := `data-k="goal.team.` + tm.TeamID + "." + it.ID + `.target" data-v="` + strconv.FormatFloat(it.Target, 'g', -1, 64) + `"`
									if !strings.Contains(buf.String(), attr) {
										t.Errorf("%s %s page of %s: no %s", lang, q, scenario, attr)
									}
									n++
								}
							}
						}
						if n == 0 {
							t.Errorf("%s %s page of %s: a reachable goal without team targets", lang, q, scenario)
						}
					}
					if !strings.Contains(text, " "+synth.DefaultCurrency) {
						t.Errorf("%s %s page of %s: no amount names the data's currency %s", lang, q, scenario, synth.DefaultCurrency)
					}
				}
			}
		})
	}
}

// readable.Problems is tested in its package.

// The Chinese rationale says what the English one says of a gain whose interval spans zero,
// and nothing of the kind for one whose interval does not.
func TestRationaleZhSaysAnIntervalSpansZero(t *testing.T) {
	base := indicators.Suggested{Name: "Collection rate", NameZh: "回款率", Direction: "up", Kind: indicators.Plain, StepLabel: "+1 pt",
		Effect: &indicators.Effect{Estimate: 0.002, Source: "panel regression"}}
	for _, tt := range []struct {
		lo, hi float64
		want   bool
	}{{-0.9, 1.4, true}, {0.1, 0.4, false}} {
		s := base
		s.GrowthPerStep = &indicators.Interval{Estimate: 0.2, Lower: tt.lo, Upper: tt.hi}
		zh := rationale(LangZH, s)
		if got := strings.Contains(zh, "区间跨越零"); got != tt.want {
			t.Errorf("[%g, %g]: %q says the interval spans zero: %v, want %v", tt.lo, tt.hi, zh, got, tt.want)
		}
	}
}
