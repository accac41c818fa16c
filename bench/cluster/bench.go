// make bench-cluster (-bench): scale figures of cluster mode beside one process over Badger,
// measured in the same run on the same machine.
//
//   - Training throughput: -bench-tenants small tenants (the test's company: 40 employees,
//     3 years, 2 regions), one run each, through one Badger server (it trains one run at a
//     time) and through a JetStream cluster with 1 and then 2 workers; the time from the
//     first POST /v1/training-runs to the last run's "succeeded".
//   - API throughput: GET /v1/forecast?scope=company of the trained tenants by -bench-clients
//     concurrent clients for -bench-duration, through the Badger server, one replica and two
//     replicas (requests spread evenly), -bench-repeats rounds of the three in turn.
//   - Storage per tenant: the Badger directory's bytes and the JetStream buckets' bytes (one
//     copy; a cluster keeps --cluster-replicas copies) divided by the tenants.
//
// Everything listens on 127.0.0.1 and every loop is bounded by count and -timeout.

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/growthlens/growthlens/internal/quantile"
	"github.com/growthlens/growthlens/models/registry"
)

var (
	benchMode     = flag.Bool("bench", false, "measure scale figures instead of testing failover (make bench-cluster)")
	benchTenants  = flag.Int("bench-tenants", 200, "tenants trained in each training measurement")
	benchClients  = flag.Int("bench-clients", 8, "concurrent clients of the API measurement")
	benchDuration = flag.Duration("bench-duration", 10*time.Second, "length of one API measurement")
	benchRepeats  = flag.Int("bench-repeats", 3, "rounds of the API measurements (the median is quoted)")
)

// benchServer is one API process of the bench: its base URL and the keys of its store.
type benchServer struct {
	name string
	base string
	keys map[string]string
}

type trainFigure struct {
	what    string
	seconds float64
	failed  int
	load    string
}

type rpsFigure struct {
	what    string
	rps     []float64
	p50ms   []float64
	errors  int
	replies int
}

func (h *harness) bench() int {
	var err error
	if h.dir, err = os.MkdirTemp("", "growthlens-bench-cluster-"); err != nil {
		h.fatal(err)
	}
	if !*keep {
		defer os.RemoveAll(h.dir)
	}
	*tenants = *benchTenants
	h.makeData()
	fmt.Printf("bench-cluster: %d tenants of 40 employees, 3 years, 2 regions; %d clients for %v, %d rounds; work dir %s\n",
		*tenants, *benchClients, *benchDuration, *benchRepeats, h.dir)

	var trains []trainFigure
	// One process over Badger: keys made in the store before the server owns it.
	store := filepath.Join(h.dir, "badger")
	bkeys := h.badgerKeys(store)
	bs := h.startServer("badger", bkeys, "--store", store)
	trains = append(trains, h.trainAll("1 process, Badger", []*benchServer{bs}))
	badgerBytes := dirBytes(store)

	h.startNATS()
	var one, two *benchServer
	var jsBytes [3]int64
	for workers := 1; workers <= 2; workers++ {
		prefix := fmt.Sprintf("bench%d", workers)
		keys := h.clusterKeys(prefix)
		var servers []*benchServer
		for r := range workers {
			servers = append(servers, h.startServer(fmt.Sprintf("%s-replica%d", prefix, r+1), keys,
				"--cluster", h.urls, "--cluster-replicas", "3", "--cluster-prefix", prefix))
		}
		var ws []*proc
		for w := range workers {
			cmd := exec.Command(*bin, "worker", "--cluster", h.urls, "--cluster-replicas", "3", "--cluster-prefix", prefix,
				"--id", fmt.Sprintf("%s-w%d", prefix, w+1), "--log-level", "warn")
			p := h.spawn(fmt.Sprintf("%s-worker%d", prefix, w+1), cmd)
			h.procs = append(h.procs, p)
			ws = append(ws, p)
		}
		trains = append(trains, h.trainAll(fmt.Sprintf("JetStream, %d worker(s)", workers), servers[:1]))
		// The workers are idle now; stop them so that the API figures share the cores with
		// the API processes and NATS only.
		for _, p := range ws {
			p.cmd.Process.Signal(os.Interrupt)
			p.cmd.Wait()
		}
		jsBytes[workers] = h.streamBytes(prefix)
		if workers == 2 {
			one, two = servers[0], servers[1]
		}
	}

	// API throughput, the three set-ups in turn in every round.
	figs := []*rpsFigure{{what: "1 process, Badger"}, {what: "JetStream, 1 replica"}, {what: "JetStream, 2 replicas"}}
	for range *benchRepeats {
		for i, servers := range [][]*benchServer{{bs}, {one}, {one, two}} {
			rps, p50, errs, n := h.measure(servers)
			figs[i].rps = append(figs[i].rps, rps)
			figs[i].p50ms = append(figs[i].p50ms, p50)
			figs[i].errors += errs
			figs[i].replies += n
		}
	}
	h.stopAll()

	fmt.Printf("\ntraining throughput (%d tenants, one run each; first POST to last run succeeded)\n", *tenants)
	fmt.Printf("%-26s %10s %14s %8s %7s  %s\n", "set-up", "seconds", "tenants/min", "ratio", "failed", "load average at the end")
	for _, f := range trains {
		fmt.Printf("%-26s %10.1f %14.1f %8.2f %7d  %s\n", f.what, f.seconds, float64(*tenants)/f.seconds*60, trains[0].seconds/f.seconds, f.failed, f.load)
	}
	fmt.Printf("\nAPI throughput: GET /v1/forecast?scope=company, %d clients, %v per round, %d rounds (median; ratio to Badger)\n",
		*benchClients, *benchDuration, *benchRepeats)
	fmt.Printf("%-26s %10s %8s %12s %9s  %s\n", "set-up", "req/s", "ratio", "p50 ms", "non-200", "req/s of each round")
	base := quantile.Median(figs[0].rps)
	for _, f := range figs {
		var each []string
		for _, r := range f.rps {
			each = append(each, fmt.Sprintf("%.0f", r))
		}
		fmt.Printf("%-26s %10.0f %8.2f %12.1f %9d  %s\n", f.what, quantile.Median(f.rps), quantile.Median(f.rps)/base, quantile.Median(f.p50ms), f.errors, strings.Join(each, ", "))
	}
	fmt.Printf("\nstorage per tenant (one trained run each)\n")
	fmt.Printf("%-26s %12d bytes (the Badger directory, %d bytes, / %d)\n", "Badger", badgerBytes/int64(*tenants), badgerBytes, *tenants)
	for w := 1; w <= 2; w++ {
		fmt.Printf("%-26s %12d bytes per copy (the bench%d buckets, %d bytes, / %d; 3 copies in the cluster)\n",
			fmt.Sprintf("JetStream (bench%d)", w), jsBytes[w]/int64(*tenants), w, jsBytes[w], *tenants)
	}
	if loadNow := loadAvg(); loadNow != "" {
		fmt.Printf("\nload average at the end: %s (2 shared cores)\n", loadNow)
	}
	if len(h.fails) > 0 {
		fmt.Println("\nproblems:")
		for _, f := range h.fails {
			fmt.Println("  " + f)
		}
		return 1
	}
	return 0
}

// badgerKeys makes an admin key of every tenant in the Badger store at dir.
func (h *harness) badgerKeys(dir string) map[string]string {
	st, err := registry.Open(dir, registry.Options{})
	if err != nil {
		h.fatal(err)
	}
	defer st.Close()
	return h.makeKeys(st)
}

// clusterKeys makes an admin key of every tenant in the JetStream store under prefix
// (created here, at 3 replicas).
func (h *harness) clusterKeys(prefix string) map[string]string {
	st, err := registry.DialJetStream(h.urls, registry.Options{}, registry.JetStreamOptions{Prefix: prefix, Replicas: 3})
	if err != nil {
		h.fatal(err)
	}
	defer st.Close()
	return h.makeKeys(st)
}

func (h *harness) makeKeys(st registry.Store) map[string]string {
	keys := map[string]string{}
	for i := range *tenants {
		t := tenantName(i)
		secret, _, err := st.CreateKey(t, "admin", "bench-cluster")
		if err != nil {
			h.fatal(fmt.Errorf("key of %s: %w", t, err))
		}
		keys[t] = secret
	}
	return keys
}

// startServer starts growthlens serve with the given store flags and waits until it is
// healthy. Rate limits are off: the bench measures the server, not the limiter.
func (h *harness) startServer(name string, keys map[string]string, store ...string) *benchServer {
	return &benchServer{name: name, base: h.serve(name, append([]string{"--rate-limit", "0"}, store...)...), keys: keys}
}

// trainAll starts one run of every tenant through servers (in turn) and waits until every
// run has finished.
func (h *harness) trainAll(what string, servers []*benchServer) trainFigure {
	start := time.Now()
	type run struct {
		s          *benchServer
		tenant, id string
	}
	var pending []run
	fig := trainFigure{what: what}
	for i := range *tenants {
		t := tenantName(i)
		s := servers[i%len(servers)]
		h.keys = s.keys
		status, out := h.call("POST", s.base, t, "/v1/training-runs", map[string]any{"seed": i, "promote": "auto"}, "")
		if status != 202 {
			h.failf("%s: POST training run of %s: %d %s", what, t, status, out)
			fig.failed++
			continue
		}
		var j struct{ ID string }
		if err := json.Unmarshal(out, &j); err != nil || j.ID == "" {
			h.failf("%s: training run of %s: answer %s", what, t, out)
			continue
		}
		pending = append(pending, run{s, t, j.ID})
	}
	for len(pending) > 0 && time.Now().Before(h.deadline) {
		time.Sleep(time.Second)
		pending = slices.DeleteFunc(pending, func(r run) bool {
			h.keys = r.s.keys
			v, _ := h.getRun(r.s.base, r.tenant, r.id)
			switch v.Status {
			case "succeeded":
				return true
			case "failed", "canceled", "interrupted":
				h.failf("%s: run %s of %s %s: %s", what, r.id, r.tenant, v.Status, v.Run.Error)
				fig.failed++
				return true
			}
			return false
		})
	}
	if len(pending) > 0 {
		h.failf("%s: %d runs unfinished at the deadline", what, len(pending))
	}
	fig.seconds = time.Since(start).Seconds()
	fig.load = loadAvg()
	fmt.Printf("  trained %d tenants through %s in %.1f s (load average %s)\n", *tenants, what, fig.seconds, fig.load)
	return fig
}

// measure runs the API load against servers for -bench-duration and returns req/s of 200
// answers, the median latency in ms, the count of other answers and of all answers.
func (h *harness) measure(servers []*benchServer) (float64, float64, int, int) {
	tr := &http.Transport{MaxIdleConnsPerHost: *benchClients, MaxConnsPerHost: *benchClients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var ok, bad atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var next atomic.Int64
	end := time.Now().Add(*benchDuration)
	start := time.Now()
	var wg sync.WaitGroup
	for range *benchClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(end) {
				n := next.Add(1)
				s := servers[int(n)%len(servers)]
				t := tenantName(int(n/int64(len(servers))) % *tenants)
				req, _ := http.NewRequest("GET", s.base+"/v1/forecast?scope=company", nil)
				req.Header.Set("Authorization", "Bearer "+s.keys[t])
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					bad.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mine = append(mine, time.Since(t0))
				if resp.StatusCode == 200 {
					ok.Add(1)
				} else {
					bad.Add(1)
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	slices.Sort(lat)
	p50 := 0.0
	if len(lat) > 0 {
		p50 = float64(lat[len(lat)/2].Microseconds()) / 1000
	}
	if b := bad.Load(); b > 0 {
		h.failf("GET forecast through %s: %d answers other than 200", servers[0].name, b)
	}
	return float64(ok.Load()) / secs, p50, int(bad.Load()), int(ok.Load() + bad.Load())
}

// streamBytes is the bytes of one copy of the streams (KV buckets and the object store)
// under prefix.
func (h *harness) streamBytes(prefix string) int64 {
	nc, err := nats.Connect(h.urls)
	if err != nil {
		h.fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var total int64
	names := js.StreamNames(ctx)
	for name := range names.Name() {
		if !strings.HasPrefix(name, "KV_"+prefix+"-") && !strings.HasPrefix(name, "OBJ_"+prefix+"-") {
			continue
		}
		s, err := js.Stream(ctx, name)
		if err != nil {
			h.failf("stream %s: %v", name, err)
			continue
		}
		total += int64(s.CachedInfo().State.Bytes)
	}
	if err := names.Err(); err != nil && !errors.Is(err, jetstream.ErrEndOfData) {
		h.failf("list streams: %v", err)
	}
	return total
}

// dirBytes is the disk space the files under dir take (allocated blocks, as du counts them:
// Badger preallocates its value log and memtable files sparsely).
func dirBytes(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				if st, ok := fi.Sys().(*syscall.Stat_t); ok {
					n += st.Blocks * 512
				} else {
					n += fi.Size()
				}
			}
		}
		return nil
	})
	return n
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
