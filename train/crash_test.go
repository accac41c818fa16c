package train

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/growthlens/growthlens/models/champion"
	"github.com/growthlens/growthlens/models/registry"
)

// childEnv, when set to "STORE|DATA|SEED", makes the test binary train into STORE from DATA in
// a loop with seeds SEED, SEED+1, … until it is killed (see TestKillDuringTraining).
const childEnv = "GROWTHLENS_TRAIN_CRASH_CHILD"

func TestMain(m *testing.M) {
	if v := os.Getenv(childEnv); v != "" {
		parts := strings.Split(v, "|")
		var seed uint64
		fmt.Sscan(parts[2], &seed)
		os.Exit(trainForever(parts[0], parts[1], seed))
	}
	os.Exit(m.Run())
}

func trainForever(storeDir, data string, seed uint64) int {
	s, err := registry.Open(storeDir, registry.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	for ; ; seed++ {
		cfg := DefaultConfig(data)
		cfg.Seed, cfg.Promote = seed, PromoteAlways
		if _, err := Run(context.Background(), s, cfg); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return 1
		}
		fmt.Println("trained", seed)
	}
}

// TestKillDuringTraining kills a real training process with SIGKILL at random moments and
// checks after each kill that the store opens, passes its integrity check, and that every
// model's champion is a complete version whose artifact reads back with a valid checksum and
// is not older than the champion before the kill.
func TestKillDuringTraining(t *testing.T) {
	data := salesOnly(t)
	storeDir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	before := map[string]int{}
	deadline := time.Now().Add(25 * time.Second)
	for i := 0; i < 8 && time.Now().Before(deadline); i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		// Each child starts from new seeds: a seed seen before gives an identical model, which
		// --promote always would rightly make champion again.
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%s|%d", childEnv, storeDir, data, 1+1000*i))
		var out lockedBuilder
		trained := make(chan struct{})
		cmd.Stdout, cmd.Stderr = &out, &out
		out.onTrained = func() { close(trained) }
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// The first child is killed at a random moment, maybe in its first run. After that,
		// until a champion exists, a child finishes one run first (on a loaded machine a run
		// can take longer than any fixed delay) and is killed at a random moment after.
		if i > 0 && before[champion.Forecast] == 0 {
			select {
			case <-trained:
			case <-time.After(2 * time.Minute):
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("the child finished no run in 2 minutes:\n%s", out.String())
			}
		}
		time.Sleep(time.Duration(300+rng.IntN(2500)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("child ended on its own (%v) before the kill:\n%s", err, out.String())
		}
		s, err := registry.Open(storeDir, registry.Options{MustExist: true})
		if err != nil {
			if i == 0 && strings.Contains(err.Error(), "no store") {
				continue // killed before the store was created
			}
			t.Fatalf("kill %d: open after kill: %v\n%s", i, err, out.String())
		}
		rep, err := s.Check()
		if err != nil {
			t.Fatalf("kill %d: check: %v (%+v)", i, err, rep)
		}
		for _, name := range []string{champion.Forecast, champion.Driver} {
			b, v, err := s.LoadAlias("default", name, Champion)
			if err != nil {
				if before[name] == 0 && strings.Contains(err.Error(), "not found") {
					continue // no champion yet: the child was killed in its first run
				}
				t.Errorf("kill %d: %s champion: %v", i, name, err)
				continue
			}
			if len(b) == 0 || v.Version < before[name] {
				t.Errorf("kill %d: %s champion v%d (%d bytes), was v%d before the kill", i, name, v.Version, len(b), before[name])
			}
			before[name] = v.Version
		}
		s.Close()
	}
	if before[champion.Forecast] == 0 || before[champion.Driver] == 0 {
		t.Errorf("no champion after the kills (%v): the child never finished a run", before)
	}
}

// lockedBuilder collects a child's output from its stdout and stderr goroutines and calls
// onTrained once, at the first "trained" line.
type lockedBuilder struct {
	mu        sync.Mutex
	b         strings.Builder
	onTrained func()
}

func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Write(p)
	if l.onTrained != nil && strings.Contains(l.b.String(), "trained ") {
		l.onTrained()
		l.onTrained = nil
	}
	return len(p), nil
}

func (l *lockedBuilder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
