package registry

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The crash test re-executes this test binary as a child that loops Put, Promote, Rollback
// and Delete on a store, printing each step before and after it, and kills
// it with SIGKILL at chosen moments. These variables carry the child's orders.
const (
	crashDirEnv  = "GROWTHLENS_REGISTRY_CRASH_DIR"
	crashKeyEnv  = "GROWTHLENS_REGISTRY_CRASH_KEY"
	crashSeedEnv = "GROWTHLENS_REGISTRY_CRASH_SEED"
)

func TestMain(m *testing.M) {
	if spec := os.Getenv(rssEnv); spec != "" {
		if err := rssChild(spec); err != nil {
			fmt.Fprintln(os.Stderr, "rss child:", err)
			os.Exit(3)
		}
		os.Exit(0)
	}
	if dir := os.Getenv(crashDirEnv); dir != "" {
		if err := crashChild(dir); err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			os.Exit(3)
		}
		os.Exit(0)
	}
	code := m.Run()
	stopSharedNATS()
	os.Exit(code)
}

// crashChild is the process that gets killed. Its stdout protocol, one line per event:
// "open", "put-start", "put V", "promote-start V", "promoted V", "rollback-start",
// "rolledback V", "delete-start V", "deleted V".
func crashChild(dir string) error {
	key, err := hex.DecodeString(os.Getenv(crashKeyEnv))
	if err != nil {
		return err
	}
	seed, _ := strconv.ParseUint(os.Getenv(crashSeedEnv), 10, 64)
	r := rand.New(rand.NewPCG(seed, uint64(os.Getpid())))
	s, err := Open(dir, Options{EncryptionKey: key})
	if err != nil {
		return err
	}
	say := func(format string, args ...any) { fmt.Fprintf(os.Stdout, format+"\n", args...) }
	say("open")
	ch := Change{By: "crash-child", Reason: "loop"}
	for i := 0; ; i++ {
		art := artifactBytes(r.Uint64(), 10_000+r.IntN(1_500_000))
		say("put-start")
		v, err := s.Put("acme", "forecast", art, Metadata{Seed: int64(i)})
		if err != nil {
			return err
		}
		say("put %d", v)
		say("promote-start %d", v)
		if _, err := s.Promote("acme", "forecast", v, ch); err != nil {
			return err
		}
		say("promoted %d", v)
		if i%3 == 2 {
			say("rollback-start")
			ev, err := s.Rollback("acme", "forecast", ch)
			if err != nil && !errors.Is(err, ErrNoHistory) {
				return err
			}
			say("rolledback %d", ev.To)
		}
		if i%4 == 3 {
			// Keep the store small: delete old versions no alias points at.
			for _, old := range []int{v - 6, v - 7, v - 8} {
				if old < 1 {
					continue
				}
				say("delete-start %d", old)
				err := s.Delete("acme", "forecast", old)
				if err != nil && !errors.Is(err, ErrInUse) && !errors.Is(err, ErrNotFound) {
					return err
				}
				if err == nil {
					say("deleted %d", old)
				}
			}
		}
	}
}

// childLog collects the child's lines and lets the parent wait for a given one.
type childLog struct {
	mu    sync.Mutex
	lines []string
	seen  chan string
}

func (l *childLog) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		l.mu.Lock()
		l.lines = append(l.lines, sc.Text())
		l.mu.Unlock()
		select {
		case l.seen <- sc.Text():
		default:
		}
	}
}

func (l *childLog) snapshot() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string{}, l.lines...)
}

// TestKill9 kills a child process that is writing to the store with SIGKILL at random
// moments — in the middle of a Put of a large artifact, of a promotion, of a rollback, of a
// delete, or while opening — and after each kill opens the store and checks that
// it is readable, that Check finds every version complete and checksum-valid and every alias
// history consistent, that the champion is the last acknowledged one (or the one whose move
// was in flight), and that every acknowledged version is still there.
func TestKill9(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv(crashSeedEnv); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	t.Logf("seed %d (set %s to repeat)", seed, crashSeedEnv)
	r := rand.New(rand.NewPCG(seed, 1))
	dir := t.TempDir()
	key := key32

	// Each iteration targets one kind of moment; "open" kills while the store is being opened.
	targets := []struct {
		name, line string
		maxDelay   time.Duration
	}{
		{"put", "put-start", 40 * time.Millisecond},
		{"promote", "promote-start", 3 * time.Millisecond},
		{"rollback", "rollback-start", 3 * time.Millisecond},
		{"put", "put-start", 10 * time.Millisecond},
		{"delete", "delete-start", 3 * time.Millisecond},
		{"promote", "promote-start", 500 * time.Microsecond},
		{"open", "", 60 * time.Millisecond},
		{"delete", "delete-start", 500 * time.Microsecond},
	}
	const iterations = 30
	acked := map[int]bool{} // versions whose Put was acknowledged and not deleted since
	lastChampion := 0
	landed := map[string]int{}
	deadline := time.Now().Add(25 * time.Second)
	for it := 0; it < iterations && time.Now().Before(deadline); it++ {
		target := targets[it%len(targets)]
		iterStart := time.Now()
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashKeyEnv+"="+hex.EncodeToString(key),
			crashSeedEnv+"="+strconv.FormatUint(r.Uint64(), 10))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		log := &childLog{seen: make(chan string, 1024)}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { log.read(stdout); close(done) }()

		// Wait for the k-th start of the targeted step, then a random part of its duration.
		k := 1 + r.IntN(3)
		timeout := time.After(15 * time.Second)
	wait:
		for target.line != "" && k > 0 {
			select {
			case line := <-log.seen:
				if strings.Fields(line)[0] == target.line {
					k--
				}
			case <-done:
				break wait
			case <-timeout:
				break wait
			}
		}
		time.Sleep(time.Duration(r.Int64N(int64(target.maxDelay))))
		_ = cmd.Process.Signal(syscall.SIGKILL)
		err = cmd.Wait()
		<-done
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("iteration %d: child was not killed by SIGKILL (%v); it ended on its own:\n%s", it, err, stderr.String())
		}
		lines := log.snapshot()
		landed[landedIn(lines)]++
		t.Logf("iteration %d: target %s, %d lines, last %q, %v", it, target.name, len(lines), lastLine(lines), time.Since(iterStart).Round(time.Millisecond))

		s, err := Open(dir, Options{EncryptionKey: key, MustExist: it > 0 || len(lines) > 0})
		if errors.Is(err, ErrNoStore) {
			continue // killed before the store was first created
		}
		if err != nil {
			t.Fatalf("iteration %d (killed in %s): store does not open: %v", it, landedIn(lines), err)
		}
		verifyAfterKill(t, s, it, lines, acked, &lastChampion)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("kills landed in: %v", landed)
	if lastChampion == 0 {
		t.Error("no promotion was ever acknowledged; the test exercised nothing")
	}
}

// landedIn names the step the child was in when it died: the last line that starts a step
// without its matching end.
func landedIn(lines []string) string {
	if len(lines) == 0 {
		return "open"
	}
	last := lines[len(lines)-1]
	if strings.HasSuffix(strings.Fields(last)[0], "-start") {
		return strings.TrimSuffix(strings.Fields(last)[0], "-start")
	}
	return "between steps"
}

func verifyAfterKill(t *testing.T, s *Badger, it int, lines []string, acked map[int]bool, lastChampion *int) {
	t.Helper()
	where := landedIn(lines)
	rep, err := s.Check()
	if err != nil {
		t.Fatalf("iteration %d (killed in %s): Check: %v", it, where, err)
	}
	if len(rep.Problems) > 0 {
		t.Fatalf("iteration %d (killed in %s): Check found problems: %v", it, where, rep.Problems)
	}

	// Replay the child's acknowledgements: what was acknowledged must be there.
	pending := "" // the step in flight when the child died
	for _, line := range lines {
		f := strings.Fields(line)
		n := 0
		if len(f) > 1 {
			n, _ = strconv.Atoi(f[1])
		}
		switch f[0] {
		case "put":
			acked[n] = true
		case "deleted":
			delete(acked, n)
		case "promoted", "rolledback":
			*lastChampion = n
		}
		pending = line
	}
	for v := range acked {
		if _, err := s.Version("acme", "forecast", v); err != nil {
			if pending == fmt.Sprint("delete-start ", v) {
				delete(acked, v) // its delete committed before the kill
				continue
			}
			t.Fatalf("iteration %d (killed in %s): acknowledged version %d is gone: %v", it, where, v, err)
		}
	}
	if *lastChampion == 0 {
		return
	}
	a, err := s.Alias("acme", "forecast", Champion)
	if err != nil {
		t.Fatalf("iteration %d (killed in %s): champion: %v", it, where, err)
	}
	if a.Version != *lastChampion {
		// Only the move in flight may have committed without its acknowledgement.
		hist, err := s.History("acme", "forecast", Champion, 1)
		if err != nil || len(hist) != 1 {
			t.Fatalf("iteration %d: history: %v", it, err)
		}
		last := hist[0]
		inFlight := pending == fmt.Sprint("promote-start ", a.Version) && last.Action == "set" && last.From == *lastChampion ||
			pending == "rollback-start" && last.Action == "rollback" && last.From == *lastChampion
		if !inFlight {
			t.Fatalf("iteration %d (killed in %s): champion is v%d, the last acknowledged is v%d (last line %q)", it, where, a.Version, *lastChampion, pending)
		}
		*lastChampion = a.Version
	}
	if _, _, err := s.LoadAlias("acme", "forecast", Champion); err != nil {
		t.Fatalf("iteration %d (killed in %s): champion does not load: %v", it, where, err)
	}
}

func lastLine(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return lines[len(lines)-1]
}

// TestOpenAfterKillInOpen pins the state TestKill9 once hit at random: a process killed while
// Badger was creating a memtable log leaves an empty *.mem file, which Badger alone refuses on
// the next Open. The store must open with its data.
func TestOpenAfterKillInOpen(t *testing.T) {
	for _, enc := range []bool{false, true} {
		t.Run(fmt.Sprintf("encrypted=%v", enc), func(t *testing.T) {
			var opt Options
			if enc {
				opt.EncryptionKey = bytes.Repeat([]byte{7}, 32)
			}
			dir := t.TempDir()
			s, err := Open(dir, opt)
			if err != nil {
				t.Fatal(err)
			}
			v := mustPut(t, s, "acme", "forecast", []byte("kept"))
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "00009.mem"), nil, 0o600); err != nil {
				t.Fatal(err)
			}
			s = openAt(t, dir, opt)
			got, _, err := s.Artifact("acme", "forecast", v)
			if err != nil || string(got) != "kept" {
				t.Fatalf("artifact after reopen = %q, %v; want %q", got, err, "kept")
			}
		})
	}
}
