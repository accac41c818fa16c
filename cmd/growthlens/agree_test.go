package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/numfmt"
)

// The promise these tests keep: a figure a person reads is the same on the review page, in
// the API's answer (rendered with package numfmt, the one formatter of figures) and in the
// CLI's table — same rounding, same currency, same interval, same "uncertain" verdict. The
// page sets the minus sign as "−" (U+2212): the tests read it as "-", the same figure.

// surfaces is one trained default company seen three ways: the review page served by
// `growthlens serve` (GET /review, signed in as the GM), the same server's JSON API, and the
// CLI's table output run against the store before the server took it.
type surfaces struct {
	page     string            // the review page's HTML
	cli      map[string]string // command name → its table output
	api      func(t *testing.T, method, path string, body any) map[string]any
	currency string
}

// newSurfaces generates the default company (plus a revenue target for the first forecast
// quarter, so that the chance of reaching it is a figure), trains it, runs the CLI commands,
// then serves it, sets the GM's goal through the API and fetches the page; the API stays
// reachable until the test ends. It takes a few seconds: training the default company is
// about 1.5 s.
func newSurfaces(t *testing.T) *surfaces {
	t.Helper()
	dir := t.TempDir()
	data, store := filepath.Join(dir, "data"), filepath.Join(dir, "store")
	mustRun := cliRunner(t)
	mustRun("generate", "--out", data)
	f, err := os.OpenFile(filepath.Join(data, "targets.csv"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "%s,company,,revenue,%d\n", agreeForecastQuarter, 3_900_000)
	f.Close()
	mustRun("train", "--data", data, "--store", store, "--tenant", "default")
	s := &surfaces{currency: "CNY", cli: map[string]string{}}
	st := []string{"--store", store, "--tenant", "default"}
	// As after make run: forecast and whatif find the data (its currency, its targets) where
	// GROWTHLENS_DATA says, without --data.
	t.Setenv("GROWTHLENS_DATA", data)
	s.cli["forecast"] = mustRun(append([]string{"forecast", "--pipeline"}, st...)...)
	s.cli["whatif"] = mustRun(append([]string{"whatif", "--change", "marketing_spend=+10%", "--change", "first_response_hours=-20%"}, st...)...)
	s.cli["rootcause"] = mustRun(append([]string{"rootcause", "drivers", "--data", data, "--period", agreeAssessed}, st...)...)
	s.cli["indicators"] = mustRun(append([]string{"indicators", "--data", data}, st...)...)
	s.cli["recommend"] = mustRun(append([]string{"recommend", "--data", data, "--top", "1"}, st...)...)
	s.cli["attribution"] = mustRun(append([]string{"attribution", "--period", agreeAssessed}, st...)...)
	s.cli["cascade"] = mustRun(append([]string{"cascade", "--period", agreeGoalPeriod, "--target", fmt.Sprint(agreeGoal)}, st...)...)
	s.cli["alerts"] = mustRun(append([]string{"alerts", "--data", data, "--as-of", agreeAlertsAsOf}, st...)...)
	var raised struct {
		Alerts []struct {
			Scope, Period string
			Actual        float64
		}
	}
	if err := json.Unmarshal([]byte(mustRun(append([]string{"alerts", "--data", data, "--as-of", agreeAlertsAsOf, "--json"}, st...)...)), &raised); err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(mustRun(append([]string{"keys", "create", "--role", "gm"}, st...)...))
	erp := strings.TrimSpace(mustRun(append([]string{"keys", "create", "--role", "hr_system"}, st...)...))

	base, _, _ := serveInProcess(t, store, data, "default")
	s.api = func(t *testing.T, method, path string, body any) map[string]any {
		t.Helper()
		return call(t, base, secret, method, path, body)
	}
	// The GM's goal, set as a GM does; the page cascades it, the CLI previewed it above.
	s.api(t, "POST", "/v1/goals", map[string]any{"period": agreeGoalPeriod, "target": agreeGoal})
	// The revenue to date the CLI's alerts read from the data, posted as an ERP would: the
	// server raises its alerts and the page shows them open.
	var actuals []map[string]any
	for _, al := range raised.Alerts {
		actuals = append(actuals, map[string]any{"scope": al.Scope, "period": al.Period, "actual": al.Actual})
	}
	if len(actuals) == 0 {
		t.Fatalf("the CLI raised no alert as of %s:\n%s", agreeAlertsAsOf, s.cli["alerts"])
	}
	call(t, base, erp, "POST", "/v1/actuals", map[string]any{"as_of": agreeAlertsAsOf, "actuals": actuals})
	s.page = signedInPage(t, base, secret, "/review")
	return s
}

// call sends a JSON request with the key secret to the server at base and returns its
// answer; anything but a 2xx with a JSON object fails the test.
func call(t *testing.T, base, secret, method, path string, body any) map[string]any {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if resp.StatusCode/100 != 2 || json.Unmarshal(b, &m) != nil {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return m
}

// The quarters of the default company's review: the page opens on the first forecast quarter
// and assesses the last one with actuals.
const (
	agreeForecastQuarter    = "2026Q4"
	agreeAssessed           = "2026Q3"
	agreeAssessedYearBefore = "2025Q3"
	// The day the alerts are checked on: some regions and months are behind their pace then.
	agreeAlertsAsOf = "2026-08-20"
	// The GM's growth goal (the article's +30 %).
	agreeGoalPeriod = "2027"
	agreeGoal       = 0.30
)

// signedInPage signs in with secret through the form, as a browser does, and returns path.
func signedInPage(t *testing.T, base, secret, path string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 60 * time.Second}
	get := func(resp *http.Response, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", resp.Request.URL, resp.StatusCode, b)
		}
		return string(b)
	}
	m := regexp.MustCompile(`name="csrf" value="([^"]*)"`).FindStringSubmatch(get(c.Get(base + "/signin")))
	if m == nil {
		t.Fatal("no CSRF token on the sign-in page")
	}
	get(c.PostForm(base+"/signin", url.Values{"key": {secret}, "csrf": {html.UnescapeString(m[1])}}))
	return get(c.Get(base + path))
}

// serveInProcess runs `growthlens serve` on 127.0.0.1:0 over store and returns its base URL
// once it is ready, its log, and stop, which shuts it down and waits (the test's cleanup
// calls it too).
func serveInProcess(t *testing.T, store, data, tenant string) (base string, log *syncBuffer, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	log = &syncBuffer{}
	root := newRootCmd(&out, log)
	// Any free port for the metrics listener too: a server someone runs on this machine holds
	// the default one.
	root.SetArgs([]string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--store", store, "--data", data, "--tenant", tenant, "--log-level", "warn"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("serve: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Error("serve did not stop")
			}
		})
	}
	t.Cleanup(stop)
	urlRe := regexp.MustCompile(`serving on (http://[0-9.:]+)`)
	for deadline := time.Now().Add(30 * time.Second); base == ""; {
		if m := urlRe.FindStringSubmatch(log.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v\n%s", err, log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not say where it listens:\n%s", log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return base, log, stop
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("server not ready")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pageText is what a person reads in the page's element whose data-k is key: its text with
// the tags, entities and spacing of HTML undone, and the typographic minus written as the
// CLI writes it ("-": the same figure, set for print).
func (s *surfaces) pageText(t *testing.T, key string) string {
	t.Helper()
	for _, tag := range []string{"td", "span", "small"} {
		re := regexp.MustCompile(`(?s)<` + tag + `\b[^>]*data-k="` + regexp.QuoteMeta(html.EscapeString(key)) + `"[^>]*>(.*?)</` + tag + `>`)
		if m := re.FindStringSubmatch(s.page); m != nil {
			return readText(m[1])
		}
	}
	t.Errorf("the page shows no figure %s", key)
	return "(none)"
}

var (
	tagRe   = regexp.MustCompile(`<[^>]*>`)
	spaceRe = regexp.MustCompile(`\s+`)
	cellSep = regexp.MustCompile(`\s{2,}`)
)

func readText(h string) string {
	s := html.UnescapeString(tagRe.ReplaceAllString(h, " "))
	return strings.TrimSpace(spaceRe.ReplaceAllString(strings.ReplaceAll(s, "−", "-"), " "))
}

// cliRow returns the cells of the first line of the command's table output whose cells begin
// with lead (cells are separated by two spaces or more, as tabwriter pads them).
func (s *surfaces) cliRow(t *testing.T, cmd string, lead ...string) []string {
	t.Helper()
	for _, line := range strings.Split(s.cli[cmd], "\n") {
		cells := cellSep.Split(strings.ReplaceAll(strings.TrimSpace(line), "−", "-"), -1)
		if len(cells) < len(lead) {
			continue
		}
		match := true
		for i, l := range lead {
			match = match && cells[i] == l
		}
		if match {
			return cells
		}
	}
	t.Errorf("growthlens %s printed no row %q:\n%s", cmd, lead, s.cli[cmd])
	return nil
}

// cliLine returns the first line of the command's output that begins with prefix.
func (s *surfaces) cliLine(t *testing.T, cmd, prefix string) string {
	t.Helper()
	for _, line := range strings.Split(s.cli[cmd], "\n") {
		if line = strings.ReplaceAll(strings.TrimSpace(line), "−", "-"); strings.HasPrefix(line, prefix) {
			return line
		}
	}
	t.Errorf("growthlens %s printed no line %q:\n%s", cmd, prefix, s.cli[cmd])
	return ""
}

// cliRowAfter is cliRow on the part of the output after the first line that begins with
// header.
func (s *surfaces) cliRowAfter(t *testing.T, cmd, header string, lead ...string) []string {
	t.Helper()
	lines := strings.Split(s.cli[cmd], "\n")
	for i, line := range lines {
		if strings.HasPrefix(strings.TrimSpace(line), header) {
			sub := &surfaces{cli: map[string]string{cmd: strings.Join(lines[i+1:], "\n")}}
			return sub.cliRow(t, cmd, lead...)
		}
	}
	t.Errorf("growthlens %s printed no line %q:\n%s", cmd, header, s.cli[cmd])
	return nil
}

// pageMatch returns the first group of re on the page, as pageText reads it.
func (s *surfaces) pageMatch(t *testing.T, what, re string) string {
	t.Helper()
	m := regexp.MustCompile("(?s)" + re).FindStringSubmatch(s.page)
	if m == nil {
		t.Errorf("the page shows no %s (%s)", what, re)
		return "(none)"
	}
	return readText(m[1])
}

// contains fails unless the page's and the CLI's text both hold each figure the API's answer
// renders to.
func contains(t *testing.T, what, page, cli string, api ...string) {
	t.Helper()
	for _, f := range api {
		if !strings.Contains(page, f) || !strings.Contains(cli, f) {
			t.Errorf("%s: the API's %q is not in both the page's %q and the CLI's %q", what, f, page, cli)
		}
	}
}

// cell is the row's i-th cell, or "(none)".
func cell(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return "(none)"
}

// agree fails unless the page, the API (as numfmt renders it) and the CLI print the figure
// alike.
func agree(t *testing.T, figure, page, api, cli string) {
	t.Helper()
	if page != api || cli != api {
		t.Errorf("%s: page %q, API %q, CLI %q", figure, page, api, cli)
	}
}

func num(t *testing.T, v any) float64 {
	t.Helper()
	x, ok := v.(float64)
	if !ok {
		t.Fatalf("%v (%T) is not a number", v, v)
	}
	return x
}

func field(t *testing.T, v any, path ...string) any {
	t.Helper()
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%v: no object at %s", path, p)
		}
		v = m[p]
	}
	return v
}

func items(t *testing.T, v any) []any {
	t.Helper()
	l, ok := v.([]any)
	if !ok || len(l) == 0 {
		t.Fatalf("%v is not a non-empty list", v)
	}
	return l
}

// TestOneFigureEverywhere trains the default company once and reads each figure of the
// review page on the page, from the API and from the CLI.
func TestOneFigureEverywhere(t *testing.T) {
	s := newSurfaces(t)
	money := func(x float64) string { return numfmt.Money(x, s.currency) }

	t.Run("forecast", func(t *testing.T) {
		fc := s.api(t, "GET", "/v1/forecast?scope=company", nil)
		n := 0
		for _, p := range items(t, fc["forecast"]) {
			per := field(t, p, "period").(string)
			row := s.cliRow(t, "forecast", per)
			agree(t, per+" forecast", s.pageText(t, "forecast."+per+".revenue"), money(num(t, field(t, p, "revenue"))), cell(row, 1))
			for _, iv := range items(t, field(t, p, "intervals")) {
				lvl := int(num(t, field(t, iv, "level")))
				api := money(num(t, field(t, iv, "lower"))) + " – " + money(num(t, field(t, iv, "upper")))
				page := s.pageText(t, fmt.Sprintf("forecast.%s.lo%d", per, lvl)) + " – " + s.pageText(t, fmt.Sprintf("forecast.%s.hi%d", per, lvl))
				agree(t, fmt.Sprintf("%s %d %% interval", per, lvl), page, api, cell(row, map[int]int{80: 2, 95: 3}[lvl]))
			}
			qoq, yoy := "–", "–"
			if g, ok := field(t, p, "growth_qoq").(map[string]any); ok {
				qoq = numfmt.SignedPercent(num(t, g["mean"]))
			}
			if g, ok := field(t, p, "growth_yoy").(map[string]any); ok {
				yoy = numfmt.SignedPercent(num(t, g["mean"]))
				for _, iv := range items(t, g["intervals"]) {
					if num(t, field(t, iv, "level")) == 80 {
						yoy += " 80 %: " + numfmt.SignedPercent(num(t, field(t, iv, "lower"))) + " … " + numfmt.SignedPercent(num(t, field(t, iv, "upper")))
					}
				}
			}
			agree(t, per+" growth on the quarter before", s.pageText(t, "forecast."+per+".growth_qoq"), qoq, cell(row, 4))
			agree(t, per+" growth on a year before", s.pageMatch(t, per+" growth on a year before", `<td>(<span[^>]*data-k="forecast\.`+per+`\.growth_yoy".*?)</td>`), yoy, cell(row, 5))
			tgt, prob := "–", "–"
			if x, ok := field(t, p, "target").(float64); ok {
				tgt, prob = money(x), numfmt.Percent(num(t, field(t, p, "hit_probability")))
				n++
			}
			agree(t, per+" target", s.pageText(t, "forecast."+per+".target"), tgt, cell(row, 6))
			agree(t, per+" chance of reaching the target", s.pageText(t, "forecast."+per+".hit_probability"), prob, cell(row, 7))
		}
		if n == 0 {
			t.Errorf("no forecast quarter has a target: the chance of reaching it went untested")
		}
		pipes, recent := 0, 0
		for _, p := range items(t, fc["forecast"]) {
			pl, ok := field(t, p, "pipeline").(map[string]any)
			if !ok {
				continue
			}
			per := field(t, p, "period").(string)
			api := []string{money(num(t, pl["closed"])) + " already won", money(num(t, pl["open"])) + " expected from " + fmt.Sprint(int(num(t, pl["open_deals"]))),
				money(num(t, pl["open_amount"])), money(num(t, pl["not_created"])), money(num(t, pl["univariate"])), numfmt.Percent(num(t, pl["weight"]))}
			page := s.pageMatch(t, per+"'s pipeline", `<p class="note">(`+per+` from the sales pipeline.*?)</p>`)
			row := s.cliRowAfter(t, "forecast", "from the sales pipeline", per)
			cli := fmt.Sprintf("%s already won, %s expected from %s; %s", cell(row, 1), cell(row, 2), cell(row, 3), strings.Join(row[min(4, len(row)):], "; "))
			contains(t, per+" from the sales pipeline", page, cli, api...)
			pipes++
		}
		for _, h := range items(t, fc["history"]) {
			per := field(t, h, "period").(string)
			if !strings.Contains(s.page, `data-k="actual.`+per+`.revenue"`) {
				continue
			}
			row := s.cliRow(t, "forecast", per)
			tgt, done := "–", "–"
			if x, ok := field(t, h, "target").(float64); ok {
				tgt, done = money(x), numfmt.Percent(num(t, field(t, h, "completion")))
			}
			agree(t, per+" actual", s.pageText(t, "actual."+per+".revenue"), money(num(t, field(t, h, "revenue"))), cell(row, 1))
			agree(t, per+" target", s.pageText(t, "actual."+per+".target"), tgt, cell(row, 2))
			agree(t, per+" completion", s.pageText(t, "actual."+per+".completion"), done, cell(row, 3))
			recent++
		}
		ytd := field(t, fc, "year_to_date")
		row := s.cliRow(t, "forecast", fmt.Sprintf("year to date %s (%d quarters)", field(t, ytd, "year"), int(num(t, field(t, ytd, "quarters")))))
		agree(t, "year to date", s.pageText(t, "target.ytd_actual"), money(num(t, field(t, ytd, "actual"))), cell(row, 1))
		agree(t, "year to date's target", s.pageText(t, "target.ytd_target"), money(num(t, field(t, ytd, "target"))), cell(row, 2))
		agree(t, "year to date's completion", s.pageText(t, "target.ytd_completion"), numfmt.Percent(num(t, field(t, ytd, "completion"))), cell(row, 3))
		if got := s.pageMatch(t, "year to date's label", `<span class="k">[^<]*?(\d{4} \(\d+ [^)]*\))</span><span class="v" data-k="target\.ytd_completion"`); got != fmt.Sprintf("%s (%d quarters)", field(t, ytd, "year"), int(num(t, field(t, ytd, "quarters")))) {
			t.Errorf("the page's year to date is of %q, the API's through %v", got, field(t, ytd, "through"))
		}
		if pipes != 2 || recent != 8 {
			t.Errorf("compared %d quarters from the pipeline and %d against target, want 2 and 8", pipes, recent)
		}
		acc := field(t, fc, "accuracy")
		api := []string{readText(field(t, acc, "summary").(string)), numfmt.Percent(num(t, field(t, acc, "mape_1"))), numfmt.Percent(num(t, field(t, acc, "mape"))),
			"sMAPE " + numfmt.Plain(num(t, field(t, acc, "smape"))) + " %", "MASE " + numfmt.Plain(num(t, field(t, acc, "mase")))}
		page := s.pageMatch(t, "accuracy", `<p class="plain">(.*?)<span`) + " " + s.pageMatch(t, "accuracy metrics", `<p class="note">(sMAPE.*?)<span`)
		contains(t, "accuracy", page, s.cliLine(t, "forecast", "Our forecasts for the last"), api...)
	})

	t.Run("what-if", func(t *testing.T) {
		// The page's default scenario: marketing spend +10 %, first-response time −20 %.
		wi := s.api(t, "POST", "/v1/whatif", map[string]any{"scope": "company", "changes": []map[string]any{
			{"driver": "marketing_spend", "percent": 10}, {"driver": "first_response_hours", "percent": -20}}})
		for _, c := range items(t, wi["changes"]) {
			d, unit := field(t, c, "driver").(string), field(t, c, "unit").(string)
			row := s.cliRow(t, "whatif", map[string]string{"marketing_spend": "marketing_spend=+10%", "first_response_hours": "first_response_hours=-20%"}[d])
			agree(t, d+" now", s.pageText(t, "whatif."+d+".from"), numfmt.Level(num(t, field(t, c, "from")), unit, s.currency), cell(row, 1))
			agree(t, d+" after", s.pageText(t, "whatif."+d+".to"), numfmt.Level(num(t, field(t, c, "to")), unit, s.currency), cell(row, 2))
			agree(t, d+" contribution", s.pageText(t, "whatif."+d+".sustained"), numfmt.Points(num(t, field(t, c, "sustained", "estimate"))), cell(row, 4))
		}
		for _, q := range items(t, wi["forecast"]) {
			per := field(t, q, "period").(string)
			row := s.cliRow(t, "whatif", per)
			agree(t, per+" forecast without the scenario", s.pageText(t, "whatif."+per+".base"), money(num(t, field(t, q, "base"))), cell(row, 1))
			agree(t, per+" forecast with the scenario", s.pageText(t, "whatif."+per+".scenario"), money(num(t, field(t, q, "scenario"))), cell(row, 2))
			agree(t, per+" change", s.pageText(t, "whatif."+per+".change_percent"), numfmt.SignedPercent(num(t, field(t, q, "change_percent"))/100), cell(row, 3))
		}
		sp := field(t, wi, "sustained_percent")
		page := s.pageMatch(t, "what-if result", `<p class="result" role="status">(.*?)<span`)
		cli := s.cliLine(t, "whatif", "Once every lag has passed")
		if !strings.HasPrefix(cli, page) {
			t.Errorf("what-if result: page %q, CLI %q", page, cli)
		}
		contains(t, "what-if result", page, cli, numfmt.SignedPercent(num(t, field(t, sp, "estimate"))),
			numfmt.SignedPercent(num(t, field(t, sp, "lower"))), numfmt.SignedPercent(num(t, field(t, sp, "upper"))))
	})

	t.Run("causes of the gap to target", func(t *testing.T) {
		rc := s.api(t, "GET", "/v1/rootcauses?scope=company&period="+agreeAssessed, nil)
		actual, expected := num(t, rc["actual"]), num(t, rc["expected"])
		api := []string{money(actual), money(expected), numfmt.Percent(num(t, rc["completion"]))}
		if actual < expected {
			api = append(api, money(actual-expected))
		}
		contains(t, "the assessed quarter", s.pageMatch(t, "causes' lead", `<section id="causes"[^>]*>.*?<p>(.*?)<span`), s.cliLine(t, "rootcause", "company "+agreeAssessed), api...)
		for i, c := range items(t, rc["causes"]) {
			d, unit := field(t, c, "driver").(string), field(t, c, "unit").(string)
			row := s.cliRow(t, "rootcause", fmt.Sprint(i+1), d)
			agree(t, d+" rank", s.pageText(t, "causes."+d+".rank"), fmt.Sprint(i+1), cell(row, 0))
			agree(t, d+" usual level", s.pageText(t, "causes."+d+".baseline"), numfmt.Level(num(t, field(t, c, "baseline")), unit, s.currency), cell(row, 4))
			agree(t, d+" level in the quarter", s.pageText(t, "causes."+d+".actual"), numfmt.Level(num(t, field(t, c, "actual")), unit, s.currency), cell(row, 5))
			ct := field(t, c, "contribution")
			est, clear := numfmt.Points(num(t, field(t, ct, "estimate"))), "no"
			if field(t, c, "effect", "uncertain") == true {
				est, clear = "uncertain", "uncertain"
			}
			if field(t, c, "significant") == true {
				clear = "yes"
			}
			agree(t, d+" contribution", s.pageText(t, "causes."+d+".contribution"), est, cell(row, 8))
			iv := numfmt.Points(num(t, field(t, ct, "lower"))) + " … " + numfmt.Points(num(t, field(t, ct, "upper")))
			agree(t, d+" interval", s.pageMatch(t, d+"'s interval", `data-k="causes\.`+d+`\.contribution"[^>]*>.*?</td>\s*<td>(.*?)</td>`), iv, cell(row, 9))
			agree(t, d+" clear cause", s.pageText(t, "causes."+d+".significant"), clear, cell(row, 11))
		}
	})

	t.Run("indicators", func(t *testing.T) {
		ind := s.api(t, "GET", "/v1/indicators", nil)
		n := 0
		for _, r := range items(t, ind["roles"]) {
			role, header := field(t, r, "role").(string), fmt.Sprintf("%s (%s)", field(t, r, "name"), field(t, r, "name_zh"))
			for _, x := range items(t, field(t, r, "indicators")) {
				id, unit := field(t, x, "id").(string), field(t, x, "unit").(string)
				k := "indicators." + role + "." + id
				weight := fmt.Sprintf("%d %%", int(num(t, field(t, x, "weight"))))
				row := s.cliRowAfter(t, "indicators", header, weight, fmt.Sprintf("%s %s", field(t, x, "name"), field(t, x, "name_zh")))
				agree(t, k+" weight", s.pageText(t, k+".weight"), weight, cell(row, 0))
				agree(t, k+" current", s.pageText(t, k+".current"), numfmt.Level(num(t, field(t, x, "current")), unit, s.currency), cell(row, 2))
				agree(t, k+" target", s.pageText(t, k+".target"), numfmt.Level(num(t, field(t, x, "target")), unit, s.currency), cell(row, 3))
				why := s.pageMatch(t, k+" rationale", `data-k="`+regexp.QuoteMeta(k)+`\.target"[^>]*>.*?</td>\s*<td class="why">(.*?)</td>`)
				agree(t, k+" rationale", why, readText(field(t, x, "rationale").(string)), cell(row, 4))
				n++
			}
		}
		if n < 10 {
			t.Errorf("%d indicators compared, want at least 10", n)
		}
	})

	t.Run("incentives by team", func(t *testing.T) {
		top := regexp.MustCompile(`data-k="incentives\.([^".]+)\.top\.([a-z_]+)" data-v="[^"]*">([^<]*)</span>`)
		pageTop := map[string]map[string]string{}
		for _, m := range top.FindAllStringSubmatch(s.page, -1) {
			if pageTop[m[1]] == nil {
				pageTop[m[1]] = map[string]string{}
			}
			f := strings.Fields(readText(m[3]))
			pageTop[m[1]][m[2]] = f[len(f)-1]
		}
		teams := regexp.MustCompile(`data-k="incentives\.([^".]+)\.employees"`).FindAllStringSubmatch(s.page, -1)
		if len(teams) < 10 {
			t.Fatalf("%d teams on the page", len(teams))
		}
		for _, m := range teams {
			team := m[1]
			if team == "total" {
				continue
			}
			rec := s.api(t, "POST", "/v1/recommendations", map[string]any{"team": team, "top": 1, "reasons": false})
			recs := items(t, rec["recommendations"])
			counts := map[string]int{}
			var risk, after, cost, value float64
			for _, x := range recs {
				r := num(t, field(t, x, "attrition_risk"))
				risk += r
				opts, _ := field(t, x, "options").([]any)
				if len(opts) == 0 || field(t, opts[0], "recommended") != true {
					after += r
					continue
				}
				counts[field(t, opts[0], "type").(string)]++
				after += num(t, field(t, opts[0], "attrition_risk"))
				cost += num(t, field(t, opts[0], "cost"))
				value += num(t, field(t, opts[0], "value"))
			}
			n := float64(len(recs))
			var apiTop, pTop []string
			for _, typ := range datasets.RewardTypes {
				if c := counts[typ]; c > 0 {
					apiTop = append(apiTop, fmt.Sprintf("%s %d", typ, c))
				}
				if c, ok := pageTop[team][typ]; ok {
					pTop = append(pTop, typ+" "+c)
				}
			}
			if len(apiTop) == 0 {
				apiTop = []string{"–"}
			}
			if len(pTop) == 0 {
				pTop = []string{"–"}
			}
			row := s.cliRowAfter(t, "recommend", "By team (each employee's first recommended incentive):", team)
			k := "incentives." + team
			agree(t, team+" employees", s.pageText(t, k+".employees"), fmt.Sprint(len(recs)), cell(row, 1))
			agree(t, team+" recommended first", strings.Join(pTop, ", "), strings.Join(apiTop, ", "), cell(row, 2))
			agree(t, team+" attrition risk", s.pageText(t, k+".mean_risk"), numfmt.Percent(risk/n), cell(row, 3))
			agree(t, team+" attrition risk with the incentive", s.pageText(t, k+".mean_risk_after"), numfmt.Percent(after/n), cell(row, 4))
			agree(t, team+" cost", s.pageText(t, k+".cost"), money(cost), cell(row, 5))
			agree(t, team+" expected value", s.pageText(t, k+".value"), money(value), cell(row, 6))
		}
		// Each employee's figures are not on the page; the API and the CLI say them alike.
		rec := s.api(t, "POST", "/v1/recommendations", map[string]any{"team": "east-sales-01", "top": 1})
		for _, x := range items(t, rec["recommendations"]) {
			id := field(t, x, "employee_id").(string)
			line := s.cliLine(t, "recommend", id+" (")
			if want := "risk of leaving within a year " + numfmt.Percent(num(t, field(t, x, "attrition_risk"))); !strings.HasSuffix(line, want) {
				t.Errorf("%s: the CLI says %q, the API %q", id, line, want)
			}
			opts, _ := field(t, x, "options").([]any)
			if len(opts) == 0 {
				continue
			}
			o := opts[0]
			_, after, _ := strings.Cut(s.cli["recommend"], line)
			block := strings.ReplaceAll(after[:strings.Index(after+"\n\n", "\n\n")], "−", "-")
			for _, want := range []string{"preference " + numfmt.Percent(num(t, field(t, o, "preference"))), "cost " + money(num(t, field(t, o, "cost"))),
				"value " + money(num(t, field(t, o, "value")))} {
				if !strings.Contains(spaceRe.ReplaceAllString(block, " "), want) {
					t.Errorf("%s: the CLI's %q lacks the API's %q", id, block, want)
				}
			}
			for _, r := range items(t, field(t, o, "reasons")) {
				if !strings.Contains(block, strings.ReplaceAll(r.(string), "−", "-")) {
					t.Errorf("%s: the CLI's %q lacks the API's reason %q", id, block, r)
				}
			}
		}
	})

	t.Run("turnover", func(t *testing.T) {
		at := s.api(t, "GET", "/v1/attrition?scope=company", nil)
		l := field(t, at, "leavers")
		past := items(t, at["past"])
		last := past[len(past)-1]
		leavers := func(l any) string {
			return fmt.Sprintf("%s (%d–%d)", strconv.FormatFloat(num(t, field(t, l, "expected")), 'f', 1, 64), int(num(t, field(t, l, "low"))), int(num(t, field(t, l, "high"))))
		}
		page := s.pageMatch(t, "turnover's lead", `<section id="turnover"[^>]*>.*?<p>(.*?)<span`)
		cli := s.cliLine(t, "recommend", "Of the ")
		if page != cli {
			t.Errorf("turnover: page %q, CLI %q", page, cli)
		}
		contains(t, "turnover", page, cli, fmt.Sprintf("Of the %d employees", int(num(t, field(t, l, "employees")))),
			strconv.FormatFloat(num(t, field(t, l, "expected")), 'f', 1, 64)+" are expected", fmt.Sprintf("interval %d to %d", int(num(t, field(t, l, "low"))), int(num(t, field(t, l, "high")))),
			"a turnover of "+numfmt.Percent(num(t, field(t, l, "turnover"))), "last year's was "+numfmt.Percent(num(t, field(t, last, "rate"))))
		for _, y := range past {
			from := field(t, y, "from").(string)
			row := s.cliRow(t, "recommend", from+" – "+field(t, y, "to").(string))
			agree(t, from+" on staff", s.pageText(t, "turnover."+from+".employees"), fmt.Sprint(int(num(t, field(t, y, "employees")))), cell(row, 1))
			agree(t, from+" left", s.pageText(t, "turnover."+from+".left"), fmt.Sprint(int(num(t, field(t, y, "left")))), cell(row, 2))
			agree(t, from+" turnover", s.pageText(t, "turnover."+from+".rate"), numfmt.Percent(num(t, field(t, y, "rate"))), cell(row, 3))
		}
		row := s.cliRow(t, "recommend", "next 12 months: company")
		agree(t, "expected leavers", s.pageMatch(t, "expected leavers", `<section id="turnover".*?<tr class="total">.*?</td>\s*<td>(.*?)</td>`), leavers(l), cell(row, 2))
		agree(t, "expected turnover", s.pageText(t, "turnover.forecast.rate"), numfmt.Percent(num(t, field(t, l, "turnover"))), cell(row, 3))
		regions := regexp.MustCompile(`data-k="turnover\.(region:[^".]+)\.expected"`).FindAllStringSubmatch(s.page, -1)
		if len(regions) == 0 {
			t.Error("no region's expected leavers on the page")
		}
		for _, m := range regions {
			rl := field(t, s.api(t, "GET", "/v1/attrition?scope="+url.QueryEscape(m[1]), nil), "leavers")
			agree(t, m[1]+" expected leavers", s.pageText(t, "turnover."+m[1]+".expected"), leavers(rl), cell(s.cliRow(t, "recommend", "next 12 months: "+m[1]), 2))
		}
	})

	t.Run("growth by driver", func(t *testing.T) {
		// The waterfall of the assessed quarter against the same quarter a year before.
		fc := s.api(t, "GET", "/v1/forecast?scope=company", nil)
		base := ""
		for _, h := range items(t, fc["history"]) {
			if field(t, h, "period") == agreeAssessedYearBefore {
				base = strconv.FormatFloat(num(t, field(t, h, "revenue")), 'g', -1, 64)
			}
		}
		at := s.api(t, "GET", "/v1/attribution?scope=company&period="+agreeAssessed+"&expected="+url.QueryEscape(base), nil)
		page := s.pageMatch(t, "growth's lead", `<section id="growth".*?<p>(.*?)<span`)
		cli := s.cliLine(t, "attribution", "Revenue in ")
		if page != cli {
			t.Errorf("growth: page %q, CLI %q", page, cli)
		}
		actual, expected := num(t, at["actual"]), num(t, at["expected"])
		contains(t, "growth", page, cli, numfmt.SignedPercent(actual/expected-1), numfmt.Points(num(t, at["gap"])))
		for _, c := range items(t, at["contributions"]) {
			d, ct := field(t, c, "driver").(string), field(t, c, "contribution")
			est := numfmt.Points(num(t, field(t, ct, "estimate")))
			if field(t, c, "uncertain") == true {
				est = "uncertain"
			}
			row := s.cliRow(t, "attribution", d)
			agree(t, d+" contribution", s.pageText(t, "growth."+d+".contribution"), est, cell(row, 2))
			iv := numfmt.Points(num(t, field(t, ct, "lower"))) + " … " + numfmt.Points(num(t, field(t, ct, "upper")))
			agree(t, d+" interval", s.pageMatch(t, d+"'s interval", `data-k="growth\.`+d+`\.contribution"[^>]*>.*?</td>\s*<td>(.*?)</td>`), iv, cell(row, 3))
		}
		agree(t, "the rest", s.pageText(t, "growth.unexplained"), numfmt.Points(num(t, field(t, at, "unexplained", "estimate"))),
			cell(s.cliRow(t, "attribution", "other (trend, season, noise)"), 2))
	})

	t.Run("goal", func(t *testing.T) {
		plan := s.api(t, "GET", "/v1/cascade?period="+agreeGoalPeriod, nil)
		summary := readText(plan["summary"].(string))
		page := s.pageMatch(t, "goal", `<p data-k="goal\.target"[^>]*>(.*?)<span`)
		agree(t, "goal", page, summary, s.cliLine(t, "cascade", numfmt.SignedPercent(agreeGoal)+" in "+agreeGoalPeriod))
		for _, c := range items(t, plan["changes"]) {
			d, unit := field(t, c, "driver").(string), field(t, c, "unit").(string)
			row := s.cliRowAfter(t, "cascade", "Driver changes", d)
			agree(t, d+" from", s.pageText(t, "goal."+d+".from"), numfmt.Level(num(t, field(t, c, "from")), unit, s.currency), cell(row, 2))
			agree(t, d+" to", s.pageText(t, "goal."+d+".to"), numfmt.Level(num(t, field(t, c, "to")), unit, s.currency), cell(row, 3))
			agree(t, d+" change", s.pageMatch(t, d+"'s change", `data-k="goal\.`+d+`\.to"[^>]*>.*?</td>\s*<td>(.*?)</td>`), numfmt.SignedPercent(num(t, field(t, c, "relative"))), cell(row, 4))
			ct := field(t, c, "contribution")
			lo, hi := numfmt.Points(num(t, field(t, ct, "lower"))), numfmt.Points(num(t, field(t, ct, "upper")))
			add := numfmt.Points(num(t, field(t, ct, "estimate"))) + " (" + lo + " … " + hi + ")"
			if field(t, c, "uncertain") == true {
				add = "somewhere between " + lo + " and " + hi
			}
			agree(t, d+" growth added", s.pageText(t, "goal."+d+".contribution"), add, cell(row, 5))
		}
		teams := 0
		for _, r := range items(t, plan["roles"]) {
			role := field(t, r, "role").(string)
			header := fmt.Sprintf("%s (%s):", field(t, r, "name"), role)
			inds, _ := field(t, r, "indicators").([]any)
			for _, it := range inds {
				id, unit := field(t, it, "id").(string), field(t, it, "unit").(string)
				target := numfmt.Level(num(t, field(t, it, "target")), unit, s.currency)
				row := s.cliRowAfter(t, "cascade", header, field(t, it, "name").(string))
				agree(t, role+" "+id+" target", s.pageText(t, "goal.role."+role+"."+id+".target"),
					fmt.Sprintf("%s %s (%d %%)", field(t, it, "name"), target, int(num(t, field(t, it, "weight")))),
					fmt.Sprintf("%s %s (%s)", cell(row, 0), cell(row, 3), cell(row, 1)))
			}
			tms, _ := field(t, r, "teams").([]any)
			for _, tm := range tms {
				team := field(t, tm, "team_id").(string)
				row := s.cliRowAfter(t, "cascade", header, team)
				agree(t, role+" "+team+" weight", s.pageMatch(t, team+"'s weight", `<tr><th scope="row">`+regexp.QuoteMeta(team)+`</th><td>([^<]*)</td>`),
					numfmt.Percent(num(t, field(t, tm, "weight"))), cell(row, 1))
				for k, n := range items(t, field(t, tm, "indicators")) {
					id := field(t, n, "id").(string)
					unit := field(t, inds[k], "unit").(string)
					agree(t, role+" "+team+" "+id, s.pageText(t, "goal.team."+team+"."+id+".target"),
						numfmt.Level(num(t, field(t, n, "target")), unit, s.currency), cell(row, 2+k))
				}
				teams++
			}
		}
		if teams < 10 {
			t.Errorf("%d teams' targets compared, want at least 10", teams)
		}
	})

	t.Run("alerts", func(t *testing.T) {
		al := s.api(t, "GET", "/v1/alerts?open=true", nil)
		n := 0
		for _, e := range items(t, al["alerts"]) {
			a := field(t, e, "alert")
			id, scope, period := field(t, e, "id").(string), field(t, a, "scope").(string), field(t, a, "period").(string)
			line := s.cliLine(t, "alerts", strings.ToUpper(field(t, a, "severity").(string))+" "+scope+" "+period+":")
			pace := numfmt.Percent(num(t, field(t, a, "pace")))
			agree(t, scope+" "+period+" pace", s.pageText(t, "alerts."+id+".pace"), pace, strings.TrimSpace(between(line, "pace ", "(")))
			contains(t, scope+" "+period, line, line, money(num(t, field(t, a, "actual")))+" against "+money(num(t, field(t, a, "expected"))),
				"the target "+money(num(t, field(t, a, "target"))))
			n++
		}
		if n == 0 {
			t.Error("no open alert to compare")
		}
	})
}

// between is the part of s after the first from and before the next to.
func between(s, from, to string) string {
	_, after, _ := strings.Cut(s, from)
	before, _, _ := strings.Cut(after, to)
	return before
}

// TestAttributionRefusesBadFlags: attribution explains a quarter of the registered company
// model; anything else is a usage error (exit 2) that names the flag.
func TestAttributionRefusesBadFlags(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no period", []string{"attribution"}, "--period"},
		{"a month", []string{"attribution", "--period", "2026-08"}, "--period"},
		{"refit", []string{"attribution", "--period", "2026Q3", "--refit"}, "--refit"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := runCLI(t, append(c.args, "--store", t.TempDir())...)
			var ee exitError
			if !errors.As(err, &ee) || ee.code != 2 || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want a usage error naming %s", err, c.want)
			}
		})
	}
}
