// Command hostile is make test-hostile: it starts `growthlens serve` on loopback over a small
// generated company and runs a bounded adversarial suite against it — malformed and oversized
// requests, slow clients, every route with every credential, the allocation request of issue
// 14, a flood of refused requests, a full store (through --store-quota), and kill -9 during
// training and during a backup, and a backup torn by kill -9 in mid-write — then prints a table of attacks and outcomes with counts. It
// fails on any 5xx, on RSS growth above 200 MiB, on the allocation request raising RSS by 50
// MiB or more, on a slow client held past 15 s, on KPI series visible without credentials,
// and on any acknowledged write lost across a kill -9.
//
// Every request goes to 127.0.0.1. Loops are bounded in count and time; the whole run takes a
// few minutes on 2 cores.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/growthlens/growthlens/internal/clip"
)

var (
	bin       = flag.String("bin", "bin/growthlens", "growthlens binary")
	employees = flag.Int("employees", 200, "employees of the generated company")
	keep      = flag.Bool("keep", false, "keep the work directory")
	only      = flag.String("only", "", "run only these attacks, comma-separated (malformed, slow, credentials, allocation, flood, metrics, disk, kill-training, kill-backup, torn-backup, shutdown); a partial run is for development, not for the table")
)

// row is one line of the table: an attack, what came back, how often.
type row struct {
	attack   string
	outcomes map[string]int
	note     string
	failed   []string
}

type suite struct {
	dir, store, data string
	addr, metrics    string
	cmd              *exec.Cmd
	shutdownTimeout  string            // serve --shutdown-timeout ("5s" unless an attack sets it)
	stderr           *bytes.Buffer     // the server's standard error since it started
	keys             map[string]string // role → secret; "other/viewer" for another tenant
	client           *http.Client
	rows             []*row
	baseRSS, maxRSS  int64
	failures         []string
}

func main() { os.Exit(run()) }

// run is the suite; it returns the exit code after its deferred clean-up (the server stopped,
// the work directory removed), which os.Exit in main would skip.
func run() int {
	flag.Parse()
	start := time.Now()
	s := &suite{keys: map[string]string{}, client: &http.Client{Timeout: 30 * time.Second}}
	var err error
	if s.dir, err = os.MkdirTemp("", "hostile-"); err != nil {
		fatal(err)
	}
	if !*keep {
		defer os.RemoveAll(s.dir)
	}
	s.store, s.data = filepath.Join(s.dir, "store"), filepath.Join(s.dir, "tenants", "default")
	s.setup()
	s.startServer(0)
	defer s.stopServer()
	s.warmUp()

	for _, a := range []struct {
		name string
		run  func()
	}{
		{"malformed", s.malformed}, {"slow", s.slowClients}, {"credentials", s.credentialMatrix},
		{"allocation", s.allocation}, {"flood", s.refusedFlood}, {"metrics", s.metricsPrivate},
		{"disk", s.fullDisk}, {"kill-training", s.killDuringTraining}, {"kill-backup", s.killDuringBackup},
		{"torn-backup", s.tornBackup}, {"shutdown", s.shutdownDuringTraining},
	} {
		if *only == "" || slices.Contains(strings.Split(*only, ","), a.name) {
			a.run()
		}
	}

	s.printTable(time.Since(start))
	if len(s.failures) > 0 {
		fmt.Println("\nFAILED:")
		for _, f := range s.failures {
			fmt.Println("  -", f)
		}
		return 1
	}
	fmt.Println("\nhostile suite passed")
	return 0
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "hostile:", err)
	os.Exit(2)
}

// run runs the CLI and returns its standard output.
func (s *suite) run(args ...string) string {
	var stderr bytes.Buffer
	c := exec.Command(*bin, args...)
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		fatal(fmt.Errorf("%s %s: %v\n%s", *bin, strings.Join(args, " "), err, stderr.Bytes()))
	}
	return string(out)
}

// setup generates the company, trains it twice (two forecast versions to move the champion
// between) and makes a key of every role, and a viewer key of another tenant.
func (s *suite) setup() {
	s.run("generate", "--out", s.data, "--employees", strconv.Itoa(*employees), "--seed", "7")
	s.run("train", "--data", s.data, "--store", s.store, "--tenant", "default", "--seed", "7", "--log-level", "warn")
	// Another horizon makes another forecast artifact: version 2, to move the champion to.
	s.run("train", "--data", s.data, "--store", s.store, "--tenant", "default", "--seed", "7", "--horizon", "6", "--promote", "never", "--log-level", "warn")
	// A second tenant with its own models, so that its key is answered (never with tenant
	// default's figures) rather than told to train first.
	other := filepath.Join(s.dir, "tenants", "other")
	s.run("generate", "--out", other, "--employees", "60", "--seed", "9")
	s.run("train", "--data", other, "--store", s.store, "--tenant", "other", "--seed", "7", "--log-level", "warn")
	for _, role := range []string{"admin", "trainer", "hr_system", "gm", "viewer"} {
		s.keys[role] = strings.TrimSpace(s.run("keys", "create", "--store", s.store, "--tenant", "default", "--role", role, "--log-level", "warn"))
	}
	s.keys["other/viewer"] = strings.TrimSpace(s.run("keys", "create", "--store", s.store, "--tenant", "other", "--role", "viewer", "--log-level", "warn"))
}

func freePort() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServer starts growthlens serve on loopback, with a store quota when quota > 0, and
// waits for /readyz.
func (s *suite) startServer(quota int64) {
	s.addr, s.metrics = freePort(), freePort()
	args := []string{"serve", "--addr", s.addr, "--metrics-addr", s.metrics, "--store", s.store, "--data-root", filepath.Dir(s.data),
		"--tenant", "default", "--shutdown-timeout", cmpOr(s.shutdownTimeout, "5s"), "--log-level", "error"}
	if quota > 0 {
		args = append(args, "--store-quota", strconv.FormatInt(quota, 10))
	}
	s.cmd = exec.Command(*bin, args...)
	s.stderr = &bytes.Buffer{}
	s.cmd.Stdout, s.cmd.Stderr = io.Discard, io.MultiWriter(os.Stderr, s.stderr)
	if err := s.cmd.Start(); err != nil {
		fatal(err)
	}
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + s.addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	fatal(fmt.Errorf("server not ready after 90 s"))
}

func (s *suite) stopServer() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		s.fail("server did not stop within 20 s of SIGTERM")
		s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
}

func (s *suite) kill9() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
	s.cmd = nil
}

// rss returns the server's resident set in bytes, and records the largest seen.
func (s *suite) rss() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			n := kb << 10
			s.maxRSS = max(s.maxRSS, n)
			return n
		}
	}
	return 0
}

func (s *suite) fail(format string, args ...any) {
	s.failures = append(s.failures, fmt.Sprintf(format, args...))
}

func (s *suite) newRow(attack string) *row {
	r := &row{attack: attack, outcomes: map[string]int{}}
	s.rows = append(s.rows, r)
	return r
}

// count records a status in the row, failing the suite on a 5xx that is not expected.
func (s *suite) count(r *row, status int, allow5xx ...int) {
	r.outcomes[strconv.Itoa(status)]++
	if status >= 500 {
		for _, a := range allow5xx {
			if a == status {
				return
			}
		}
		s.fail("%s: status %d", r.attack, status)
	}
}

type resp struct {
	status int
	body   []byte
}

func (s *suite) do(method, path, role, ctype string, body []byte, hdr map[string]string) resp {
	req, err := http.NewRequest(method, "http://"+s.addr+path, bytes.NewReader(body))
	if err != nil {
		return resp{status: -1}
	}
	if body == nil {
		req.Body = nil
	}
	if role != "" {
		if k, ok := s.keys[role]; ok {
			req.Header.Set("Authorization", "Bearer "+k)
		} else {
			req.Header.Set("Authorization", role)
		}
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	r, err := s.client.Do(req)
	if err != nil {
		return resp{status: -1, body: []byte(err.Error())}
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	return resp{status: r.StatusCode, body: b}
}

func (s *suite) warmUp() {
	for _, p := range []string{"/v1/forecast?scope=company", "/v1/drivers", "/v1/scopes"} {
		s.do("GET", p, "viewer", "", nil, nil)
	}
	s.do("POST", "/v1/recommendations", "gm", "application/json", []byte(`{"team":"`+s.someTeam()+`"}`), nil)
	time.Sleep(500 * time.Millisecond)
	s.baseRSS = s.rss()
}

func (s *suite) someTeam() string {
	r := s.do("GET", "/v1/scopes?level=team", "viewer", "", nil, nil)
	var body struct {
		Scopes []struct {
			ID string `json:"id"`
		} `json:"scopes"`
	}
	json.Unmarshal(r.body, &body)
	if len(body.Scopes) == 0 {
		return "T1"
	}
	return body.Scopes[0].ID
}

// malformed sends broken, oversized and odd requests to every kind of route.
func (s *suite) malformed() {
	r := s.newRow("malformed and oversized requests")
	big := bytes.Repeat([]byte("a"), 9<<20)
	cases := []struct {
		method, path, role, ctype string
		body                      []byte
	}{
		{"POST", "/v1/whatif", "viewer", "application/json", []byte(`{`)},
		{"POST", "/v1/whatif", "viewer", "application/json", []byte(`null`)},
		{"POST", "/v1/whatif", "viewer", "application/json", []byte(`[1,2]`)},
		{"POST", "/v1/whatif", "viewer", "text/plain", []byte(`{}`)},
		{"POST", "/v1/whatif", "viewer", "application/json", append([]byte(`{"x":"`), append(big, '"', '}')...)},
		{"POST", "/v1/recommendations", "gm", "application/json", []byte(`{"TOP":1,"team":"x"}`)},
		{"POST", "/v1/recommendations", "gm", "application/json", []byte(`{"team":"a","team":"b"}`)},
		{"POST", "/v1/recommendations", "gm", "application/json", []byte(`{"employee_ids":[` + strings.Repeat(`"x",`, 20000) + `"x"]}`)},
		{"POST", "/v1/training-runs", "trainer", "application/json", []byte(`null`)},
		{"POST", "/v1/training-runs", "trainer", "application/json", []byte(`{"seed":-1}`)},
		{"POST", "/v1/rootcauses/slices", "viewer", "application/json", []byte(`{"rows":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`)},
		{"PUT", "/v1/data/opportunities", "hr_system", "text/csv", []byte("not,a,table\n\x00\xff\n")},
		{"PUT", "/v1/data/../../etc/passwd", "hr_system", "text/csv", []byte("a\n")},
		{"GET", "/v1/forecast?scope=" + strings.Repeat("x", 5000), "viewer", "", nil},
		{"GET", "/v1/forecast?scope=company&scope=company", "viewer", "", nil},
		{"GET", "/v1/forecast?horizon=99999999999999999999", "viewer", "", nil},
		{"GET", "/v1/audit?cursor=%ff%fe", "admin", "", nil},
		{"GET", "/v1/models/..%2f..%2fetc/versions/1", "viewer", "", nil},
		{"GET", "/v1/training-runs/" + strings.Repeat("r", 300), "trainer", "", nil},
		{"DELETE", "/v1/forecast", "viewer", "", nil},
		{"BREW", "/v1/forecast", "viewer", "", nil},
		{"GET", "/review?lang=" + strings.Repeat("z", 300), "", "", nil},
		{"POST", "/signin", "", "application/x-www-form-urlencoded", []byte("key=" + strings.Repeat("k", 100000))},
	}
	for round := 0; round < 5; round++ {
		for _, c := range cases {
			x := s.do(c.method, c.path, c.role, c.ctype, c.body, nil)
			if x.status == -1 {
				r.outcomes["closed"]++
				continue
			}
			s.count(r, x.status)
		}
	}
	// Oversized headers.
	x := s.do("GET", "/healthz", "", "", nil, map[string]string{"X-Big": strings.Repeat("h", 100<<10)})
	if x.status == -1 {
		r.outcomes["closed"]++
	} else {
		s.count(r, x.status)
	}
	s.rss()
}

// slowClients holds connections that send a body or headers one byte at a time.
func (s *suite) slowClients() {
	r := s.newRow("slow body (Content-Length 100000, 1 byte sent)")
	h := s.newRow("slow headers (never finished)")
	var mu sync.Mutex
	var wg sync.WaitGroup
	var worst time.Duration
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			auth := ""
			if i%2 == 1 {
				auth = "Authorization: Bearer " + s.keys["viewer"] + "\r\n"
			}
			t0 := time.Now()
			status := slowRequest(s.addr, "POST /v1/actuals HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+auth+"Content-Length: 100000\r\n\r\n{", 30*time.Second)
			d := time.Since(t0)
			mu.Lock()
			defer mu.Unlock()
			worst = max(worst, d)
			r.outcomes[status]++
			if d > 15*time.Second {
				s.fail("slow body held %.1f s (limit 15 s)", d.Seconds())
			}
		}(i)
	}
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			status := slowRequest(s.addr, "GET /v1/forecast HTTP/1.1\r\nHost: x\r\nX-Slow: ", 30*time.Second)
			d := time.Since(t0)
			mu.Lock()
			defer mu.Unlock()
			h.outcomes[status]++
			if d > 15*time.Second {
				s.fail("slow headers held %.1f s (limit 15 s)", d.Seconds())
			}
		}()
	}
	wg.Wait()
	r.note = fmt.Sprintf("longest hold %.2f s (limit 15 s)", worst.Seconds())
	h.note = "closed by the 10 s header timeout"
	for k := range r.outcomes {
		if strings.HasPrefix(k, "5") {
			s.fail("slow body answered %s", k)
		}
	}
}

// slowRequest writes head, then waits for an answer or a close; it returns the status line's
// code, "closed" or "timeout".
func slowRequest(addr, head string, limit time.Duration) string {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return "dial error"
	}
	defer conn.Close()
	conn.Write([]byte(head))
	conn.SetReadDeadline(time.Now().Add(limit))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			return "timeout"
		}
		return "closed"
	}
	resp.Body.Close()
	return strconv.Itoa(resp.StatusCode)
}

// credentialMatrix calls every route of the OpenAPI document with no key, a malformed key, a
// key of another tenant and a key of every role, and checks 401/403 against the roles the
// document lists.
func (s *suite) credentialMatrix() {
	r := s.newRow("credential matrix (every route × 8 credentials)")
	x := s.do("GET", "/openapi.json", "", "", nil, nil)
	// A path item holds its operations by method, and may hold other keys (parameters
	// shared by its operations, a summary) that are not operations.
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	type operation struct {
		Roles []string `json:"x-roles"`
	}
	if err := json.Unmarshal(x.body, &doc); err != nil {
		s.fail("openapi.json: %v", err)
		return
	}
	methods := []string{"get", "put", "post", "delete", "patch", "head", "options"}
	creds := []string{"", "Bearer glk_" + strings.Repeat("A", 43), "Basic Zm9vOmJhcg==", "other/viewer", "viewer", "gm", "hr_system", "trainer"}
	mismatches := 0
	for path, ops := range doc.Paths {
		concrete := strings.NewReplacer("{name}", "forecast", "{version}", "1", "{id}", "nope", "{table}", "nope",
			"{scope}", "company", "{quarter}", "2099Q1").Replace(path)
		for method, raw := range ops {
			if !slices.Contains(methods, method) {
				continue
			}
			var op operation
			if err := json.Unmarshal(raw, &op); err != nil {
				s.fail("openapi.json: %s %s: %v", method, path, err)
				continue
			}
			method = strings.ToUpper(method)
			for _, c := range creds {
				var body []byte
				ct := ""
				if method == "POST" || method == "PUT" {
					body, ct = []byte(`{}`), "application/json"
					if strings.HasPrefix(path, "/v1/data/") {
						ct = "text/csv"
						body = []byte("x\n")
					}
				}
				resp := s.do(method, concrete, c, ct, body, nil)
				if resp.status >= 500 {
					s.fail("%s %s with %.12q: %d %s", method, concrete, c, resp.status, clip.String(strings.TrimSpace(string(resp.body)), 160))
				}
				r.outcomes[strconv.Itoa(resp.status)]++
				public := op.Roles == nil || len(op.Roles) == 0
				role := c
				switch {
				case public:
				case c == "" || strings.HasPrefix(c, "Bearer ") || strings.HasPrefix(c, "Basic "):
					if resp.status != 401 {
						mismatches++
						s.fail("%s %s with credential %.12q: %d, want 401", method, path, c, resp.status)
					}
				case role == "other/viewer":
					if resp.status == 200 && strings.Contains(string(resp.body), `"tenant":"default"`) {
						s.fail("%s %s: another tenant's key saw tenant default", method, path)
					}
				default:
					allowed := false
					for _, a := range op.Roles {
						if a == role {
							allowed = true
						}
					}
					if !allowed && resp.status != 403 && resp.status != 429 {
						mismatches++
						s.fail("%s %s as %s: %d, want 403", method, path, role, resp.status)
					}
					if allowed && (resp.status == 401 || resp.status == 403) {
						mismatches++
						s.fail("%s %s as %s: %d, want access", method, path, role, resp.status)
					}
				}
			}
		}
	}
	r.note = fmt.Sprintf("%d answers against the document's roles differ", mismatches)
}

// allocation is issue 14's defect 1: one employee with salary 1e8, budget 1e12, cost unit
// 0.10478, three at once.
func (s *suite) allocation() {
	r := s.newRow("allocation: budget 1e12, cost unit 0.10478 (issue 14) and 11 variants, ×3 at once")
	before := s.rss()
	// The request, then the same employee at other salaries and cost units, so that
	// some option's cost meets a fine cost unit whatever this company's incentive rules are.
	team := s.someTeam()
	var bodies [][]byte
	for _, salary := range []string{"100000000", "1000000", "10000000", "300000000", "1000000000"} {
		for _, unit := range []string{"0.10478", "0.01"} {
			bodies = append(bodies, []byte(`{"employees":[{"employee_id":"H1","role":"sales","team_id":"`+team+`","region":"East","salary":`+salary+`,"level":3,"tenure_years":4,"age":40}],"budget":1000000000000,"cost_unit":`+unit+`}`))
		}
	}
	// A real team at the finest cost unit: its options' costs in cents are millions of budget
	// steps, the case the byte budget refuses.
	for _, unit := range []string{"0.01", "0.10478"} {
		bodies = append(bodies, []byte(`{"team":"`+team+`","budget":1000000000000,"cost_unit":`+unit+`}`))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	stop := make(chan struct{})
	peak := before
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				if v := s.rss(); v > 0 {
					mu.Lock()
					peak = max(peak, v)
					mu.Unlock()
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	}()
	var msg string
	refused := 0
	for round, body := range bodies {
		for i := 0; i < 3; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				x := s.do("POST", "/v1/allocations", "gm", "application/json", body, nil)
				mu.Lock()
				s.count(r, x.status)
				if x.status != 429 && round == 0 {
					msg = string(x.body)
				}
				if x.status == 400 {
					refused++
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	close(stop)
	growth := peak - before
	r.note = fmt.Sprintf("RSS %d → peak %d MiB (+%d MiB, limit 50)", before>>20, peak>>20, growth>>20)
	if msg != "" {
		var a struct {
			Allocation struct {
				Spent  float64 `json:"spent"`
				Grants []struct {
					Cost float64 `json:"cost"`
				} `json:"grants"`
			} `json:"allocation"`
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		json.Unmarshal([]byte(msg), &a)
		if a.Error.Message != "" {
			r.note += "; refused: " + clip.String(strings.TrimSpace(a.Error.Message), 120)
		} else {
			r.note += fmt.Sprintf("; the issue's request answered: %d grants, spent %.0f", len(a.Allocation.Grants), a.Allocation.Spent)
		}
		r.note += fmt.Sprintf("; %d refused over the memory budget", refused)
	}
	if growth >= 50<<20 {
		s.fail("the allocation request raised RSS by %d MiB (limit 50)", growth>>20)
	}
}

// refusedFlood sends refused mutations as fast as two connections allow for 10 s and counts
// the audit entries they leave.
func (s *suite) refusedFlood() {
	r := s.newRow("flood of refused requests (viewer POST /v1/actuals, 10 s)")
	body := []byte(`{"as_of":"2026-08-20","actuals":[]}`)
	deadline := time.Now().Add(10 * time.Second)
	var wg sync.WaitGroup
	var mu sync.Mutex
	sent := 0
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for n := 0; n < 20000 && time.Now().Before(deadline); n++ {
				role := "viewer"
				if n%4 == 3 {
					role = "Bearer glk_" + strings.Repeat("B", 43) // failed authentication
				}
				x := s.do("POST", "/v1/actuals", role, "application/json", body, nil)
				mu.Lock()
				s.count(r, x.status)
				sent++
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	a := s.do("GET", "/v1/audit?action=actuals.post&limit=1000", "admin", "", nil, nil)
	var page struct {
		Entries []struct {
			Outcome string `json:"outcome"`
			Count   int    `json:"count"`
		} `json:"entries"`
	}
	json.Unmarshal(a.body, &page)
	counted := 0
	for _, e := range page.Entries {
		counted += max(e.Count, 1)
	}
	r.note = fmt.Sprintf("%d requests left %d audit entries (tenant's view) counting %d", sent, len(page.Entries), counted)
	if len(page.Entries) > 20 {
		s.fail("%d refused requests wrote %d audit entries; want a few per minute", sent, len(page.Entries))
	}
	s.rss()
}

// metricsPrivate checks that /metrics shows no KPI series without credentials.
func (s *suite) metricsPrivate() {
	r := s.newRow("GET /metrics without credentials (API and metrics listener)")
	x := s.do("GET", "/metrics", "", "", nil, nil)
	s.count(r, x.status)
	m, err := http.Get("http://" + s.metrics + "/metrics")
	kpi := bytes.Contains(x.body, []byte("growthlens_kpi_"))
	if err == nil {
		b, _ := io.ReadAll(m.Body)
		m.Body.Close()
		r.outcomes["metrics listener "+strconv.Itoa(m.StatusCode)]++
		kpi = kpi || bytes.Contains(b, []byte("growthlens_kpi_"))
	}
	r.note = fmt.Sprintf("growthlens_kpi_ series shown: %v", kpi)
	if kpi {
		s.fail("KPI series visible without credentials")
	}
}

func (s *suite) printTable(elapsed time.Duration) {
	fmt.Printf("\n%-66s | %-44s | %s\n", "attack", "outcomes (count)", "note")
	fmt.Println(strings.Repeat("-", 66) + "-|-" + strings.Repeat("-", 44) + "-|-" + strings.Repeat("-", 40))
	total := 0
	for _, r := range s.rows {
		keys := make([]string, 0, len(r.outcomes))
		for k, n := range r.outcomes {
			keys = append(keys, k)
			total += n
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s ×%d", k, r.outcomes[k]))
		}
		fmt.Printf("%-66s | %-44s | %s\n", r.attack, strings.Join(parts, ", "), r.note)
	}
	fmt.Printf("\n%d outcomes in %.0f s; server RSS after warm-up %d MiB, largest seen %d MiB (growth %d MiB, limit 200)\n",
		total, elapsed.Seconds(), s.baseRSS>>20, s.maxRSS>>20, (s.maxRSS-s.baseRSS)>>20)
	if s.maxRSS-s.baseRSS > 200<<20 {
		s.fail("RSS grew by %d MiB (limit 200)", (s.maxRSS-s.baseRSS)>>20)
	}
}
