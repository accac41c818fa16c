//go:build browser

// The browser test of the review page: `make test-browser` runs it (go test -tags browser).
// It needs Debian's chromium (apt-get install -y chromium) and is kept out of `make test`
// by its build tag.
package review_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/growthlens/growthlens/datasets/synth"
	"github.com/growthlens/growthlens/models/registry"
	"github.com/growthlens/growthlens/serve"
	"github.com/growthlens/growthlens/serve/review"
	"github.com/growthlens/growthlens/train"
)

var (
	chromium = flag.String("browser.chromium", "/usr/bin/chromium", "the Chromium binary")
	bin      = flag.String("browser.bin", "", "growthlens binary for the report (default: go build one)")
	outDir   = flag.String("browser.out", "", "directory for the screenshots (default: the repository's var/)")
)

// consoleLog collects what the browser's console says: calls of the console API,
// uncaught exceptions, and browser log entries (failed loads, CSP violations).
type consoleLog struct {
	mu   sync.Mutex
	msgs []chromedp.ConsoleMessage
}

// take returns the messages so far and forgets them.
func (c *consoleLog) take() []chromedp.ConsoleMessage {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.msgs
	c.msgs = nil
	return m
}

func (c *consoleLog) errors() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, m := range c.msgs {
		if m.Type == "error" || m.Type == "warning" || m.Type == chromedp.ConsoleException || m.Type == "assert" {
			out = append(out, fmt.Sprintf("%s: %s (%s)", m.Type, m.Text, m.URL))
		}
	}
	return out
}

func TestBrowserReview(t *testing.T) {
	if _, err := os.Stat(*chromium); err != nil {
		t.Fatalf("no Chromium at %s (apt-get install -y chromium): %v", *chromium, err)
	}
	out := *outDir
	if out == "" {
		out = filepath.Join("..", "..", "var")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	data, store := filepath.Join(dir, "data"), filepath.Join(dir, "store")
	ctx := context.Background()

	// The default company, generated and trained as `make run` does.
	start := time.Now()
	if _, err := synth.Generate(ctx, data, synth.DefaultConfig(), nil); err != nil {
		t.Fatal(err)
	}
	st, err := registry.Open(store, registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := train.DefaultConfig(data)
	cfg.Seed, cfg.Promote = 7, train.PromoteAlways
	if _, err := train.Run(ctx, st, cfg); err != nil {
		t.Fatal(err)
	}
	secret, _, err := st.CreateKey(cfg.Tenant, registry.RoleGM, "browser test")
	if err != nil {
		t.Fatal(err)
	}
	viewer, _, err := st.CreateKey(cfg.Tenant, registry.RoleViewer, "browser test")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("generated and trained the default company in %s", time.Since(start).Round(time.Second))

	sc := serve.DefaultConfig()
	sc.Addr, sc.Store, sc.DefaultData, sc.DataRoot, sc.DefaultTenant = "127.0.0.1:0", store, data, filepath.Join(dir, "tenants"), cfg.Tenant
	sc.AdminSocket, sc.RateLimit, sc.MetricsAddr = false, 0, ""
	sc.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := serve.New(sc)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	closed := false
	closeServer := func() {
		if !closed {
			closed = true
			if err := srv.Close(); err != nil {
				t.Errorf("close server: %v", err)
			}
		}
	}
	defer closeServer()
	base := "http://" + srv.Addr()
	waitReady(t, base)
	// The GM's growth goal, as docs/goals.md sets it, so that the goal section shows its
	// cascade rather than the hint to set one.
	setGoal(t, base, secret, `{"period":"2027","metric":"revenue_growth_yoy","target":0.30}`)

	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(*chromium), chromedp.NoSandbox, chromedp.WindowSize(1280, 900))...)
	defer cancelAlloc()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	var console consoleLog
	if err := chromedp.Listen(bctx, func(ev any) {}); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	go func() {
		for m, err := range chromedp.Console(bctx) {
			if err != nil {
				return
			}
			console.mu.Lock()
			console.msgs = append(console.msgs, m)
			console.mu.Unlock()
		}
	}()
	step := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 60*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	eval := func(expr string) string {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 30*time.Second)
		defer cancel()
		v, err := chromedp.Run(sctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("evaluate %s: %v", expr, err)
		}
		return v
	}
	location := func() string {
		t.Helper()
		loc, err := chromedp.Run(bctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}

	// Without a session the page sends the browser to sign in.
	step("open /review", chromedp.Navigate(base+"/review"), chromedp.WaitVisible(chromedp.ID("key")))
	if loc := location(); !strings.HasPrefix(loc, base+"/signin") {
		t.Fatalf("without a session /review ended at %s, want /signin", loc)
	}
	// A viewer's key is refused.
	step("sign in as viewer", chromedp.SendKeys(chromedp.ID("key"), viewer), chromedp.Submit(chromedp.ID("key")),
		chromedp.WaitVisible(chromedp.CSS(`[role=alert]`)))
	if txt := eval(`document.querySelector('[role=alert]').textContent`); !strings.Contains(txt, "viewer") {
		t.Errorf("viewer sign-in says %q", txt)
	}
	// The refusal is a 403, which the console reports as a failed load: expected here, and
	// the only message so far.
	time.Sleep(200 * time.Millisecond) // the console events arrive asynchronously
	msgs := console.take()
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "403") {
		t.Errorf("console after the viewer's refused sign-in: %+v, want one 403", msgs)
	}
	// The GM signs in.
	step("sign in as gm", chromedp.SendKeys(chromedp.ID("key"), secret), chromedp.Submit(chromedp.ID("key")),
		chromedp.WaitVisible(chromedp.ID("accuracy")))
	if loc := location(); !strings.HasPrefix(loc, base+"/review") || strings.Contains(loc, secret) {
		t.Fatalf("after sign-in the browser is at %s", loc)
	}
	if ck := eval(`document.cookie`); ck != "" {
		t.Errorf("a script can read the cookies: %q", ck)
	}
	checkPage(t, eval, "live en", "en")
	shot(t, bctx, filepath.Join(out, "review.png"))

	// Phone width: nothing wider than the screen but the tables' own scroll boxes.
	step("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)), chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("accuracy")))
	if w := eval(`String(document.documentElement.scrollWidth - window.innerWidth)`); w != "0" {
		wide := eval(`[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.scroll')).slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id).join(', ')`)
		t.Errorf("on a phone the page is %s px wider than the screen: %s", w, wide)
	}
	shot(t, bctx, filepath.Join(out, "review-phone.png"))
	step("laptop", chromedp.EmulateViewport(1280, 900), chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("accuracy")))

	// The what-if form.
	before := eval(`document.querySelector('[data-k="whatif.sustained_percent"]').dataset.v`)
	step("what-if", chromedp.SetValue(chromedp.ID("spend"), "30"), chromedp.SetValue(chromedp.ID("response"), "-50"),
		chromedp.Submit(chromedp.ID("spend")), chromedp.WaitVisible(chromedp.ID("accuracy")))
	if after := eval(`document.querySelector('[data-k="whatif.sustained_percent"]').dataset.v`); after == before {
		t.Errorf("the what-if form did not change the result (%s)", after)
	}
	if v := eval(`document.getElementById('spend').value`); v != "30" {
		t.Errorf("the form shows spend %s after the post, want 30", v)
	}

	// Chinese, through the page's own link.
	step("lang zh", chromedp.Click(chromedp.CSS(`a.lang`)), chromedp.WaitVisible(chromedp.ID("accuracy")))
	checkPage(t, eval, "live zh", "zh-CN")
	shot(t, bctx, filepath.Join(out, "review-zh.png"))

	printPDF(t, bctx, eval, filepath.Join(out, "review-live.pdf"))

	// Sign out ends the session.
	step("sign out", chromedp.Click(chromedp.CSS(`button.link`)), chromedp.WaitVisible(chromedp.ID("key")))
	step("review after sign-out", chromedp.Navigate(base+"/review"), chromedp.WaitVisible(chromedp.ID("key")))

	// The static report, written by the CLI once the server has let go of the store.
	closeServer()
	report := filepath.Join(dir, "review.html")
	glBin := *bin
	if glBin == "" {
		glBin = filepath.Join(dir, "growthlens")
		if b, err := exec.Command("go", "build", "-o", glBin, "../../cmd/growthlens").CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, b)
		}
	}
	cmd := exec.Command(glBin, "report", "--store", store, "--data", data, "--tenant", cfg.Tenant, "--out", report, "--log-level", "warn")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("growthlens report: %v\n%s", err, b)
	}
	step("open the report", chromedp.Navigate((&url.URL{Scheme: "file", Path: report}).String()), chromedp.WaitVisible(chromedp.ID("accuracy")))
	checkPage(t, eval, "report", "en")
	if n := eval(`String(document.querySelectorAll('form, script, link[rel=stylesheet], img').length)`); n != "0" {
		t.Errorf("the report has %s forms, scripts, stylesheets or images: it must stand alone", n)
	}
	shot(t, bctx, filepath.Join(out, "review-report.png"))
	printPDF(t, bctx, eval, filepath.Join(out, "review.pdf"))

	if errs := console.errors(); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}

// checkPage checks every section is there with its heading and, where it has one, a chart
// that the browser laid out with a size and at least a few shapes, with an accessible name.
func checkPage(t *testing.T, eval func(string) string, name, lang string) {
	t.Helper()
	if got := eval(`document.documentElement.lang`); got != lang {
		t.Errorf("%s: lang %q, want %q", name, got, lang)
	}
	for _, sec := range review.Sections {
		got := eval(fmt.Sprintf(`(() => {
			const s = document.getElementById(%q);
			if (!s) return "missing";
			if (!s.querySelector('h2') || s.querySelector('h2').textContent.trim() === '') return "no heading";
			if (s.querySelector('.missing')) return "unavailable: " + s.querySelector('.missing').textContent;
			const svgs = s.querySelectorAll('svg.chart');
			for (const svg of svgs) {
				const r = svg.getBoundingClientRect();
				const shapes = svg.querySelectorAll('path, rect, circle, line').length;
				const label = svg.getAttribute('aria-labelledby').split(' ').map(id => document.getElementById(id)?.textContent || '').join(' ').trim();
				if (r.width < 200 || r.height < 80) return "chart too small: " + r.width + "x" + r.height;
				if (shapes < 5) return "chart with " + shapes + " shapes";
				if (label === '') return "chart without a name";
			}
			return "ok " + svgs.length;
		})()`, sec))
		want := "ok 1"
		switch sec {
		case review.SecCauses, review.SecIndicators, review.SecTurnover, review.SecAlerts, review.SecGoal: // tables and text, no chart
			want = "ok 0"
		}
		if got != want {
			t.Errorf("%s: section %s: %s, want %s", name, sec, got, want)
		}
	}
	if plain := eval(`document.querySelector('#accuracy .plain').textContent`); !(strings.Contains(plain, "off by") || strings.Contains(plain, "平均偏差")) {
		t.Errorf("%s: accuracy not stated plainly: %q", name, plain)
	}
}

// printPDF checks the print style (controls hidden, every section shown) and prints the page
// on A4.
func printPDF(t *testing.T, ctx context.Context, eval func(string) string, path string) {
	t.Helper()
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	defer chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{})
	if d := eval(`(() => { const c = document.querySelector('.controls, form'); return c ? getComputedStyle(c).display : 'none'; })()`); d != "none" {
		t.Errorf("print: the controls are shown (display %s)", d)
	}
	shown := eval(`String([...document.querySelectorAll('main > section')].filter(s => getComputedStyle(s).display !== 'none').length)`)
	if want := fmt.Sprint(len(review.Sections)); shown != want {
		t.Errorf("print: %s sections shown, want %s", shown, want)
	}
	prefer := true
	res, err := chromedp.Call(ctx, page.PrintToPDF, page.PrintToPDFParams{PaperWidth: 8.27, PaperHeight: 11.69, PreferCSSPageSize: &prefer})
	if err != nil {
		t.Fatalf("print to PDF: %v", err)
	}
	if len(res.Data) < 10_000 || !strings.HasPrefix(string(res.Data), "%PDF") {
		t.Errorf("print to PDF: %d bytes", len(res.Data))
	}
	if err := os.WriteFile(path, res.Data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("printed %s (%d bytes)", path, len(res.Data))
}

func shot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	b, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d bytes)", path, len(b))
}

// setGoal posts a growth goal with a gm key and fails the test unless it is stored (201).
func setGoal(t *testing.T, base, key, body string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/v1/goals", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("POST /v1/goals: %s %s", resp.Status, b)
	}
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
