// Command cluster is make test-cluster: growthlens's cluster mode end to end in one process
// tree on loopback. It runs a 3-node NATS JetStream cluster (this program again, as three
// child processes, so that one can be killed with SIGKILL), two API replicas (growthlens
// serve --cluster) and two training workers (growthlens worker) as children; it trains a
// number of tenants through both replicas, promotes and rolls back models while a bounded
// request loop reads forecasts and runs from both replicas, kills one worker in the middle of
// a run and one NATS node in the middle of the promotions (kill -9 both), and then checks:
//
//   - no request answered 5xx (or failed to connect) outside the failover window after the
//     NATS node's kill (-window, documented in docs/cluster.md): a request counts as in the
//     window when it was sent within it or was still waiting for its answer at the kill;
//   - every acknowledged run (202) finished and is on both replicas, with exactly one
//     version per model registered by it, and its models' versions present;
//   - every acknowledged alias move (200) is in the champion's history with its audit entry
//     (matched by request id), and the champion is the last acknowledged move's version;
//   - both replicas serve the same champion of every tenant;
//   - the store's buckets and the job stream kept 3 replicas.
//
// It prints a table (runs, promotions, kills, failover seconds, 5xx, lost writes) and exits 1
// when a check fails. Everything listens on 127.0.0.1; every loop is bounded in count and
// time (-timeout).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/growthlens/growthlens/internal/natstest"
)

var (
	bin      = flag.String("bin", "bin/growthlens", "growthlens binary")
	tenants  = flag.Int("tenants", 20, "tenants to train")
	promoted = flag.Int("promoted", 6, "tenants whose forecast champion is moved back and forth")
	moves    = flag.Int("moves", 6, "alias moves per promoted tenant (promote, rollback, …)")
	window   = flag.Duration("window", 15*time.Second, "failover window after a NATS node's kill in which 5xx are allowed")
	timeout  = flag.Duration("timeout", 8*time.Minute, "the whole run's limit")
	keep     = flag.Bool("keep", false, "keep the work directory")
)

// nodeEnv, when set, makes this program one NATS node (its options as JSON).
const nodeEnv = "GROWTHLENS_TEST_CLUSTER_NODE"

func main() {
	if v := os.Getenv(nodeEnv); v != "" {
		runNode(v)
		return
	}
	flag.Parse()
	if *benchMode && !flagSet("timeout") {
		*timeout = 40 * time.Minute
	}
	h := &harness{start: time.Now(), deadline: time.Now().Add(*timeout), client: &http.Client{Timeout: 60 * time.Second}}
	if *benchMode {
		os.Exit(h.bench())
	}
	os.Exit(h.run())
}

func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func runNode(spec string) {
	var o natstest.Options
	if err := json.Unmarshal([]byte(spec), &o); err != nil {
		fmt.Fprintln(os.Stderr, "node:", err)
		os.Exit(2)
	}
	s, err := natstest.Run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "node:", err)
		os.Exit(1)
	}
	s.WaitForShutdown()
}

type proc struct {
	name string
	cmd  *exec.Cmd
	log  *os.File
}

func (p *proc) kill9() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
}

// result is one request of the load loop or of a step.
type result struct {
	at     time.Time // sent
	done   time.Time // answered (or given up)
	status int       // 0: no answer (connection refused, timeout)
	what   string
	body   string // the start of a 5xx answer
}

type move struct {
	tenant, reqID string
	to            int
	seq           int64
}

type harness struct {
	start, deadline time.Time
	dir             string
	urls            string
	nodes           []*proc
	replicas        []string // base URLs
	procs           []*proc
	keys            map[string]string
	client          *http.Client

	mu      sync.Mutex
	results []result
	runs    map[string][]string // tenant → acknowledged run ids
	moves   []move
	unacked int // alias moves that were not answered 200
	natKill time.Time
	kills   []string
	fails   []string
	reqN    int

	ready     map[string]bool // tenants whose first run succeeded
	unackedOf []string        // what the unacknowledged moves got
	killedRun [2]string       // tenant, run id of the run the killed worker had
	succeeded int
	takeover  string
	converged time.Duration // how long after the last move both replicas served every champion
}

func (h *harness) failf(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.fails = append(h.fails, fmt.Sprintf(format, args...))
}

func (h *harness) fatal(err error) {
	fmt.Fprintln(os.Stderr, "test-cluster:", err)
	h.stopAll()
	os.Exit(1)
}

func (h *harness) stopAll() {
	for _, p := range append(append([]*proc{}, h.procs...), h.nodes...) {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	for _, p := range append(append([]*proc{}, h.procs...), h.nodes...) {
		if p.cmd.ProcessState == nil {
			done := make(chan struct{})
			go func() { p.cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(15 * time.Second):
				p.kill9()
			}
		}
	}
}

func (h *harness) run() int {
	var err error
	if h.dir, err = os.MkdirTemp("", "growthlens-test-cluster-"); err != nil {
		h.fatal(err)
	}
	if !*keep {
		defer os.RemoveAll(h.dir)
	}
	h.keys, h.runs, h.ready = map[string]string{}, map[string][]string{}, map[string]bool{}
	h.startNATS()
	h.makeData()
	for i := range 2 {
		h.startReplica(i)
	}
	for i := range *tenants {
		t := tenantName(i)
		h.keys[t] = strings.TrimSpace(h.cli("keys", "create", "--cluster", h.urls, "--tenant", t, "--role", "admin", "--label", "test-cluster", "--log-level", "warn"))
	}
	h.startWorker("w1")
	h.startWorker("w2")
	fmt.Printf("test-cluster: 3 NATS nodes, 2 replicas, 2 workers up in %.1f s (work dir %s)\n", time.Since(h.start).Seconds(), h.dir)

	stop := make(chan struct{})
	var loops sync.WaitGroup
	for g := range 2 {
		loops.Add(1)
		go func() { defer loops.Done(); h.loadLoop(g, stop) }()
	}

	// Every tenant's first run (promote auto), and a second of the promoted tenants
	// (another horizon, so another forecast version; promote never), through both replicas.
	for i := range *tenants {
		h.startRun(i, i, map[string]any{"seed": i, "promote": "auto"})
		if i < *promoted {
			h.startRun(i, i+1, map[string]any{"seed": i, "promote": "never", "horizon": 6}) // on the other replica
		}
	}
	h.killWorkerMidRun()
	h.waitRuns()
	h.moveChampions()
	close(stop)
	loops.Wait()
	h.converge()
	lost := h.verify()
	h.report(lost)
	h.stopAll()
	if len(h.fails) > 0 {
		return 1
	}
	return 0
}

func tenantName(i int) string { return fmt.Sprintf("t%02d", i+1) }

func (h *harness) replicaFor(i int) string { return h.replicas[i%len(h.replicas)] }

// startNATS starts three JetStream nodes as children, routed to each other, and waits until
// the cluster answers JetStream requests.
func (h *harness) startNATS() {
	ports, err := natstest.FreePorts(6)
	if err != nil {
		h.fatal(err)
	}
	var routes, urls []string
	for i := range 3 {
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", ports[3+i]))
		urls = append(urls, fmt.Sprintf("nats://127.0.0.1:%d", ports[i]))
	}
	h.urls = strings.Join(urls, ",")
	self, err := os.Executable()
	if err != nil {
		h.fatal(err)
	}
	for i := range 3 {
		o := natstest.Options{Dir: filepath.Join(h.dir, fmt.Sprintf("nats%d", i)), Name: fmt.Sprintf("n%d", i), Port: ports[i],
			ClusterPort: ports[3+i], Routes: routes}
		spec, _ := json.Marshal(o)
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), nodeEnv+"="+string(spec))
		h.nodes = append(h.nodes, h.spawn(fmt.Sprintf("nats%d", i), cmd))
	}
	nc, err := nats.Connect(h.urls)
	for err != nil && time.Now().Before(h.deadline) {
		time.Sleep(200 * time.Millisecond)
		nc, err = nats.Connect(h.urls)
	}
	if err != nil {
		h.fatal(fmt.Errorf("connect to the NATS cluster: %w", err))
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	limit := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := js.AccountInfo(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(limit) {
			h.fatal(fmt.Errorf("JetStream cluster not ready after 60 s: %w", err))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (h *harness) spawn(name string, cmd *exec.Cmd) *proc {
	f, err := os.Create(filepath.Join(h.dir, name+".log"))
	if err != nil {
		h.fatal(err)
	}
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		h.fatal(fmt.Errorf("start %s: %w", name, err))
	}
	return &proc{name: name, cmd: cmd, log: f}
}

func (h *harness) cli(args ...string) string {
	var out, errb bytes.Buffer
	cmd := exec.Command(*bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		h.fatal(fmt.Errorf("growthlens %s: %v\n%s", strings.Join(args, " "), err, errb.String()))
	}
	return out.String()
}

// makeData generates one small company and gives every tenant a copy.
func (h *harness) makeData() {
	co := filepath.Join(h.dir, "co")
	h.cli("generate", "--out", co, "--employees", "40", "--years", "3", "--regions", "North,South", "--seed", "7", "--log-level", "warn")
	files, err := os.ReadDir(co)
	if err != nil {
		h.fatal(err)
	}
	for i := range *tenants {
		dst := filepath.Join(h.dir, "tenants", tenantName(i))
		if err := os.MkdirAll(dst, 0o755); err != nil {
			h.fatal(err)
		}
		for _, f := range files {
			if f.IsDir() {
				continue
			}
			b, err := os.ReadFile(filepath.Join(co, f.Name()))
			if err == nil {
				err = os.WriteFile(filepath.Join(dst, f.Name()), b, 0o644)
			}
			if err != nil {
				h.fatal(err)
			}
		}
	}
}

func (h *harness) startReplica(i int) {
	h.replicas = append(h.replicas, h.serve(fmt.Sprintf("replica%d", i+1), "--cluster", h.urls, "--cluster-replicas", "3"))
}

// serve starts growthlens serve on a free loopback port with the tenants' data root and
// the flags in extra, waits until it is healthy and returns its base URL; its log is
// <name>.log in the work directory.
func (h *harness) serve(name string, extra ...string) string {
	ports, err := natstest.FreePorts(1)
	if err != nil {
		h.fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", ports[0])
	args := append([]string{"serve", "--addr", addr, "--metrics-addr", "",
		"--data-root", filepath.Join(h.dir, "tenants"), "--tenant", tenantName(0), "--log-level", "warn"}, extra...)
	h.procs = append(h.procs, h.spawn(name, exec.Command(*bin, args...)))
	base := "http://" + addr
	limit := time.Now().Add(90 * time.Second)
	for {
		resp, err := h.client.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return base
			}
		}
		if time.Now().After(limit) {
			h.fatal(fmt.Errorf("%s not healthy after 90 s (see %s)", name, filepath.Join(h.dir, name+".log")))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (h *harness) startWorker(id string) *proc {
	cmd := exec.Command(*bin, "worker", "--cluster", h.urls, "--cluster-replicas", "3", "--heartbeat-timeout", "5s", "--id", id, "--log-level", "info")
	p := h.spawn(id, cmd)
	h.procs = append(h.procs, p)
	return p
}

// call sends one request and records its status (0 when no answer came).
func (h *harness) call(method, base, tenant, path string, body any, reqID string) (int, []byte) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Authorization", "Bearer "+h.keys[tenant])
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if reqID != "" {
		req.Header.Set("X-Request-ID", reqID)
	}
	status := 0
	var out []byte
	sent := time.Now()
	resp, err := h.client.Do(req)
	if err == nil {
		out, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		status = resp.StatusCode
	}
	h.mu.Lock()
	r := result{at: sent, done: time.Now(), status: status, what: method + " " + strings.SplitN(path, "?", 2)[0]}
	if status >= 500 {
		r.body = string(out[:min(len(out), 160)])
	}
	h.results = append(h.results, r)
	h.mu.Unlock()
	return status, out
}

// loadLoop reads forecasts and runs from both replicas until stop, at most every 20 ms.
func (h *harness) loadLoop(g int, stop <-chan struct{}) {
	for i := g; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		if time.Now().After(h.deadline) {
			return
		}
		t := tenantName(i % *tenants)
		base := h.replicaFor(i / 2)
		h.mu.Lock()
		ids, ready := h.runs[t], h.ready[t]
		h.mu.Unlock()
		switch {
		case ready && i%3 != 0:
			// A tenant is read once its first run succeeded (until then it has no model
			// and a forecast is answered 503 by design).
			h.call("GET", base, t, "/v1/forecast?scope=company", nil, "")
		case len(ids) > 0:
			if v, _ := h.getRun(base, t, ids[0]); v.Status == "succeeded" {
				// Every replica serves a new champion within a second (docs/cluster.md).
				time.AfterFunc(time.Second, func() {
					h.mu.Lock()
					h.ready[t] = true
					h.mu.Unlock()
				})
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (h *harness) startRun(tenant, replica int, body map[string]any) {
	t := tenantName(tenant)
	status, out := h.call("POST", h.replicaFor(replica), t, "/v1/training-runs", body, "")
	if status != 202 {
		h.failf("POST training run of %s: %d %s", t, status, out)
		return
	}
	var j struct{ ID string }
	json.Unmarshal(out, &j)
	h.mu.Lock()
	h.runs[t] = append(h.runs[t], j.ID)
	h.mu.Unlock()
}

type runView struct {
	Status string
	Run    struct {
		Status   string
		Error    string
		Attempts []struct {
			Worker, Status string
		}
		Models []struct {
			Name    string
			Version int
		}
	}
}

func (h *harness) getRun(base, tenant, id string) (runView, int) {
	status, out := h.call("GET", base, tenant, "/v1/training-runs/"+id, nil, "")
	var v runView
	if status == 200 {
		json.Unmarshal(out, &v)
	}
	return v, status
}

// killWorkerMidRun waits until a worker is training a run and kills it with SIGKILL, then
// starts a replacement, as an orchestrator would.
func (h *harness) killWorkerMidRun() {
	limit := time.Now().Add(2 * time.Minute)
	for time.Now().Before(limit) {
		for i := range *tenants {
			t := tenantName(i)
			h.mu.Lock()
			ids := slices.Clone(h.runs[t])
			h.mu.Unlock()
			for _, id := range ids {
				v, _ := h.getRun(h.replicas[0], t, id)
				if v.Status != "running" || len(v.Run.Attempts) == 0 {
					continue
				}
				w := v.Run.Attempts[len(v.Run.Attempts)-1].Worker
				for _, p := range h.procs {
					if p.name == w && p.cmd.ProcessState == nil {
						p.kill9()
						h.mu.Lock()
						h.kills = append(h.kills, fmt.Sprintf("worker %s (kill -9 while it trained %s run %s)", w, t, id))
						h.killedRun = [2]string{t, id}
						h.mu.Unlock()
						h.startWorker(w + "b")
						return
					}
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	h.failf("no run was seen running within 2 minutes: no worker killed")
}

// waitRuns waits until every acknowledged run is finished.
func (h *harness) waitRuns() {
	for time.Now().Before(h.deadline) {
		pending := 0
		for t, ids := range h.runsCopy() {
			for _, id := range ids {
				if v, _ := h.getRun(h.replicas[1], t, id); v.Status != "succeeded" && v.Status != "failed" {
					pending++
				}
			}
		}
		if pending == 0 {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	h.failf("runs still unfinished at the deadline")
}

func (h *harness) runsCopy() map[string][]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string][]string{}
	for t, ids := range h.runs {
		out[t] = slices.Clone(ids)
	}
	return out
}

// moveChampions moves the forecast champion of the promoted tenants back and forth between
// their two versions, through alternating replicas, and kills a NATS node half way.
func (h *harness) moveChampions() {
	type pair struct{ a, b int }
	pairs := map[string]pair{}
	for i := range *promoted {
		t := tenantName(i)
		var vs []int
		for _, id := range h.runsCopy()[t] {
			v, _ := h.getRun(h.replicas[0], t, id)
			for _, m := range v.Run.Models {
				if m.Name == "forecast" {
					vs = append(vs, m.Version)
				}
			}
		}
		if len(vs) != 2 || vs[0] == vs[1] {
			h.failf("%s: forecast versions of its two runs %v, want two different", t, vs)
			continue
		}
		pairs[t] = pair{vs[0], vs[1]}
	}
	// The champion as the acknowledged moves left it (read once before the first move; a
	// read may be served by a NATS server a few milliseconds behind, docs/cluster.md).
	cur := map[string]int{}
	for t := range pairs {
		cur[t] = h.champion(h.replicas[0], t)
	}
	killAt := (*moves) / 2
	for k := range *moves {
		if k == killAt {
			// A non-first node: the replicas and workers are connected to all of them at
			// random, and every bucket has a leader somewhere.
			h.mu.Lock()
			h.natKill = time.Now() // before the signal: a request may fail before Wait returns
			h.mu.Unlock()
			h.nodes[1].kill9()
			h.mu.Lock()
			h.kills = append(h.kills, "NATS node n1 (kill -9 between alias moves)")
			h.mu.Unlock()
		}
		for i := range *promoted {
			t := tenantName(i)
			p, ok := pairs[t]
			if !ok {
				continue
			}
			base := h.replicaFor(i + k)
			h.mu.Lock()
			h.reqN++
			reqID := fmt.Sprintf("ct-%d", h.reqN)
			h.mu.Unlock()
			var status int
			var out []byte
			if k%2 == 0 {
				// promote the version that is not champion (the other run's)
				to := p.a
				if cur[t] == p.a {
					to = p.b
				}
				status, out = h.call("POST", base, t, "/v1/models/forecast/promote", map[string]any{"version": to, "reason": "test-cluster"}, reqID)
			} else {
				status, out = h.call("POST", base, t, "/v1/models/forecast/rollback", map[string]any{"reason": "test-cluster"}, reqID)
			}
			var r struct {
				Move struct {
					Seq int64
					To  int
				}
			}
			h.mu.Lock()
			if status == 200 && json.Unmarshal(out, &r) == nil {
				h.moves = append(h.moves, move{tenant: t, reqID: reqID, to: r.Move.To, seq: r.Move.Seq})
				cur[t] = r.Move.To
			} else {
				h.unacked++
				h.unackedOf = append(h.unackedOf, fmt.Sprintf("%s %d", reqID, status))
			}
			h.mu.Unlock()
		}
		time.Sleep(time.Second)
	}
}

// champion is the forecast champion a replica's model endpoint shows (0 when none).
func (h *harness) champion(base, tenant string) int {
	_, out := h.call("GET", base, tenant, "/v1/models/forecast", nil, "")
	var m struct {
		Aliases []struct {
			Alias   string
			Version int
		}
	}
	json.Unmarshal(out, &m)
	for _, a := range m.Aliases {
		if a.Alias == "champion" {
			return a.Version
		}
	}
	return 0
}

// converge waits (up to 15 s) until both replicas serve the champion the store holds for
// every tenant, and records how long that took after the last move.
func (h *harness) converge() {
	t0 := time.Now()
	for time.Since(t0) < 15*time.Second {
		same := true
		for i := range *tenants {
			t := tenantName(i)
			want := h.champion(h.replicas[0], t)
			for _, base := range h.replicas {
				_, out := h.call("GET", base, t, "/v1/forecast?scope=company", nil, "")
				var f struct{ Model struct{ Version int } }
				json.Unmarshal(out, &f)
				same = same && f.Model.Version == want
			}
		}
		if same {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	h.converged = time.Since(t0)
}
