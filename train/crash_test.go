package train

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
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
// is not older than the champion before the kill. On a loaded machine no random kill may come
// after a finished run; a last child is then killed right after its first run is reported, so
// the test does not depend on how fast training is.
func TestKillDuringTraining(t *testing.T) {
	data := salesOnly(t)
	storeDir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	before := map[string]int{}
	// check opens the store after kill i and compares its champions with before.
	check := func(i int, out string) {
		t.Helper()
		s, err := registry.Open(storeDir, registry.Options{MustExist: true})
		if err != nil {
			if strings.Contains(err.Error(), "no store") && before[champion.Forecast] == 0 {
				return // killed before the store was created
			}
			t.Fatalf("kill %d: open after kill: %v\n%s", i, err, out)
		}
		defer s.Close()
		rep, err := s.Check()
		if err != nil {
			t.Fatalf("kill %d: check: %v (%+v)", i, err, rep)
		}
		for _, name := range []string{champion.Forecast, champion.Driver} {
			b, v, err := s.LoadAlias("default", name, Champion)
			if err != nil {
				if before[name] == 0 && strings.Contains(err.Error(), "not found") {
					continue // no run has finished yet
				}
				t.Errorf("kill %d: %s champion: %v", i, name, err)
				continue
			}
			if len(b) == 0 || v.Version < before[name] {
				t.Errorf("kill %d: %s champion v%d (%d bytes), was v%d before the kill", i, name, v.Version, len(b), before[name])
			}
			before[name] = v.Version
		}
	}
	start := func(i int) (*exec.Cmd, *strings.Builder, io.ReadCloser) {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		// Each child starts from new seeds: a seed seen before gives an identical model, which
		// --promote always would rightly make champion again.
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%s|%d", childEnv, storeDir, data, 1+1000*i))
		var errOut strings.Builder
		cmd.Stderr = &errOut
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &errOut, stdout
	}
	kill := func(cmd *exec.Cmd, errOut *strings.Builder) {
		t.Helper()
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("child ended on its own (%v) before the kill:\n%s", err, errOut.String())
		}
	}
	deadline := time.Now().Add(25 * time.Second)
	i := 0
	for ; i < 8 && time.Now().Before(deadline); i++ {
		cmd, errOut, stdout := start(i)
		go io.Copy(io.Discard, stdout)
		time.Sleep(time.Duration(300+rng.IntN(2500)) * time.Millisecond)
		kill(cmd, errOut)
		check(i, errOut.String())
	}
	if before[champion.Forecast] == 0 || before[champion.Driver] == 0 {
		// Kill a child right after it reports a finished run (a fixed kill time would make
		// this a test of the machine's speed).
		cmd, errOut, stdout := start(i)
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "trained") {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the last child finished no run (%q, %v):\n%s", line, err, errOut.String())
		}
		go io.Copy(io.Discard, stdout)
		kill(cmd, errOut)
		check(i, errOut.String())
	}
	if before[champion.Forecast] == 0 || before[champion.Driver] == 0 {
		t.Errorf("no champion after the kills (%v), although a child reported a finished run", before)
	}
}
