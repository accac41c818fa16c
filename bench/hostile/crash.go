package main

// The attacks on the store's integrity: a spent disk quota, and kill -9 during training and
// during a backup, each checked for lost acknowledged writes; a backup torn in mid-write; and
// SIGTERM during training, timed.

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// usage is the disk space the store directory takes.
func usage(dir string) int64 {
	var n int64
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if fi, err := os.Lstat(filepath.Join(dir, e.Name())); err == nil && fi.Mode().IsRegular() {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				n += st.Blocks * 512
			}
		}
	}
	return n
}

// fullDisk restarts the server with a store quota already spent: writes must be 507, reads
// 200, training refused.
func (s *suite) fullDisk() {
	r := s.newRow("full disk (store quota spent): writes, reads, training")
	s.stopServer()
	s.startServer(usage(s.store) + 1<<20)
	writes, reads := 0, 0
	for i := 0; i < 30; i++ {
		x := s.do("POST", "/v1/models/forecast/promote", "trainer", "application/json", []byte(`{"version":2,"reason":"hostile"}`), nil)
		s.count(r, x.status, 507)
		if x.status == 507 {
			writes++
		}
		y := s.do("GET", "/v1/forecast?scope=company", "viewer", "", nil, nil)
		s.count(r, y.status)
		if y.status == 200 {
			reads++
		}
	}
	t := s.do("POST", "/v1/training-runs", "trainer", "application/json", []byte(`{}`), nil)
	s.count(r, t.status, 507)
	r.note = fmt.Sprintf("%d/30 writes 507, %d/30 reads 200, training %d", writes, reads, t.status)
	if writes != 30 || reads != 30 || t.status != 507 {
		s.fail("full disk: %s", r.note)
	}
	// Only the 507s are expected 5xx; everything else above counted as a failure already.
	s.stopServer()
	s.startServer(0)
}

type modelState struct {
	Aliases []struct {
		Alias   string `json:"alias"`
		Version int    `json:"version"`
	} `json:"aliases"`
}

func (s *suite) champion() int {
	x := s.do("GET", "/v1/models/forecast", "viewer", "", nil, nil)
	var m modelState
	json.Unmarshal(x.body, &m)
	for _, a := range m.Aliases {
		if a.Alias == "champion" {
			return a.Version
		}
	}
	return 0
}

// ackedMoves moves the forecast champion back and forth n times and returns the version of
// the last acknowledged move.
func (s *suite) ackedMoves(r *row, n int) int {
	last := 0
	for i := 0; i < n; i++ {
		v := 1 + i%2
		if s.champion() == v {
			v = 3 - v
		}
		x := s.do("POST", "/v1/models/forecast/promote", "trainer", "application/json", []byte(fmt.Sprintf(`{"version":%d,"reason":"hostile %d"}`, v, i)), nil)
		s.count(r, x.status)
		if x.status == 200 {
			last = v
		}
	}
	return last
}

// killDuringTraining kills the server with SIGKILL while a training run works, after
// acknowledged champion moves, and checks the restarted server.
func (s *suite) killDuringTraining() {
	r := s.newRow("kill -9 during training (3 rounds)")
	lost, interrupted := 0, 0
	for round := 0; round < 3; round++ {
		x := s.do("POST", "/v1/training-runs", "trainer", "application/json", []byte(`{"seed":`+strconv.Itoa(100+round)+`,"promote":"never"}`), nil)
		s.count(r, x.status)
		var job struct {
			ID string `json:"id"`
		}
		json.Unmarshal(x.body, &job)
		want := s.ackedMoves(r, 4)
		time.Sleep(time.Duration(300+400*round) * time.Millisecond)
		s.kill9()
		s.startServer(0)
		if want == 0 {
			s.fail("kill -9 during training: no champion move was acknowledged to check")
		} else if got := s.champion(); got != want {
			lost++
			s.fail("kill -9 during training lost an acknowledged champion move: %d, want %d", got, want)
		}
		y := s.do("GET", "/v1/training-runs/"+job.ID, "trainer", "", nil, nil)
		s.count(r, y.status)
		var j struct {
			Status string `json:"status"`
		}
		json.Unmarshal(y.body, &j)
		r.outcomes["run "+j.Status]++
		if j.Status == "interrupted" {
			interrupted++
		}
		if y.status != 200 || j.Status == "running" || j.Status == "queued" {
			s.fail("job %s after kill -9 and restart: %d %s", job.ID, y.status, j.Status)
		}
	}
	r.note = fmt.Sprintf("acknowledged writes lost: %d; runs marked interrupted: %d", lost, interrupted)
}

// killDuringBackup kills the server while the CLI takes a backup through its admin socket.
func (s *suite) killDuringBackup() {
	r := s.newRow("kill -9 during backup (3 rounds)")
	lost, validBackups := 0, 0
	for round := 0; round < 3; round++ {
		want := s.ackedMoves(r, 3)
		out := filepath.Join(s.dir, fmt.Sprintf("backup-%d.glb", round))
		b := exec.Command(*bin, "backup", "--store", s.store, "--out", out, "--log-level", "error")
		b.Start()
		time.Sleep(time.Duration(5+20*round) * time.Millisecond)
		s.kill9()
		err := b.Wait()
		s.startServer(0)
		if want == 0 {
			s.fail("kill -9 during backup: no champion move was acknowledged to check")
		} else if got := s.champion(); got != want {
			lost++
			s.fail("kill -9 during backup lost an acknowledged champion move: %d, want %d", got, want)
		}
		if err == nil {
			validBackups++
			r.outcomes["backup completed"]++
		} else {
			r.outcomes["backup failed cleanly"]++
			if _, statErr := os.Stat(out); statErr == nil {
				s.fail("a failed backup left %s behind", out)
			}
		}
	}
	r.note = fmt.Sprintf("acknowledged writes lost: %d; store reopened 3/3", lost)
}

// tornBackup kills -9 a backup in the middle of writing it and checks that the torn bytes are
// never taken for a backup. The CLI writes into a pipe the suite stops reading after a few
// KiB, so it blocks mid-stream (and the server behind it on the admin socket) whatever the
// machine's speed; then the CLI (round 1) or the server (round 2) is killed. The bytes written
// by then are a torn backup: restore must refuse it, saying it is truncated, and create
// nothing; the store must keep every acknowledged write. Round 3 kills the CLI writing an
// ordinary file: that file must not appear unless the backup completed. Last, a complete
// backup must restore, so that the refusals are not a broken restore.
func (s *suite) tornBackup() {
	r := s.newRow("torn backup: kill -9 mid-write (CLI, server, CLI to a file)")
	refused, torn := 0, 0
	var tornSizes []int
	for round, victim := range []string{"cli", "server"} {
		want := s.ackedMoves(r, 2)
		fifo := filepath.Join(s.dir, fmt.Sprintf("torn-%d.fifo", round))
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			fatal(err)
		}
		b := exec.Command(*bin, "backup", "--store", s.store, "--out", fifo, "--force", "--log-level", "error")
		if err := b.Start(); err != nil {
			fatal(err)
		}
		opened := make(chan *os.File, 1)
		go func() {
			f, err := os.Open(fifo) // blocks until the CLI opens the pipe to write
			if err != nil {
				f = nil
			}
			opened <- f
		}()
		var f *os.File
		select {
		case f = <-opened:
		case <-time.After(60 * time.Second):
		}
		if f == nil {
			s.fail("torn backup round %d: the backup never opened its output", round+1)
			b.Process.Kill()
			b.Wait()
			if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil { // release the opener
				w.Close()
			}
			continue
		}
		head := make([]byte, 4<<10)
		n, _ := io.ReadFull(f, head)
		time.Sleep(500 * time.Millisecond) // let the pipe and the socket fill: both writers block
		exited := make(chan error, 1)
		if victim == "cli" {
			b.Process.Signal(syscall.SIGKILL)
		} else {
			s.kill9()
		}
		go func() { exited <- b.Wait() }()
		rest, _ := io.ReadAll(f) // what the CLI wrote before it died (EOF once it is gone)
		f.Close()
		werr := <-exited
		data := append(head[:n], rest...)
		path := filepath.Join(s.dir, fmt.Sprintf("torn-%d.glbk", round))
		if err := os.WriteFile(path, data, 0o600); err != nil {
			fatal(err)
		}
		if victim == "server" {
			s.startServer(0)
		}
		if werr == nil {
			r.outcomes["backup completed before the kill"]++
			continue
		}
		torn++
		tornSizes = append(tornSizes, len(data))
		r.outcomes["killed mid-write ("+victim+")"]++
		if got := s.champion(); want != 0 && got != want {
			s.fail("torn backup (%s killed) lost an acknowledged champion move: %d, want %d", victim, got, want)
		}
		target := filepath.Join(s.dir, fmt.Sprintf("restore-torn-%d", round))
		c := exec.Command(*bin, "restore", "--store", target, "--in", path, "--log-level", "error")
		out, err := c.CombinedOutput()
		_, statErr := os.Stat(target)
		switch {
		case err == nil:
			s.fail("restore accepted a torn backup of %d bytes (%s killed)", len(data), victim)
			r.outcomes["torn backup restored"]++
		case !strings.Contains(string(out), "truncated") && !strings.Contains(string(out), "damaged"):
			s.fail("restore of a torn backup refused without saying why: %s", out)
			r.outcomes["restore refused, unclear"]++
		case statErr == nil:
			s.fail("restore of a torn backup left %s behind", target)
		default:
			refused++
			r.outcomes["restore refused: truncated"]++
		}
	}
	// Round 3: the CLI writes an ordinary file and is killed as soon as it has begun.
	want := s.ackedMoves(r, 1)
	out := filepath.Join(s.dir, "torn-file.glbk")
	b := exec.Command(*bin, "backup", "--store", s.store, "--out", out, "--log-level", "error")
	if err := b.Start(); err != nil {
		fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && !tempStarted(s.dir, "torn-file.glbk") {
		time.Sleep(time.Millisecond)
	}
	b.Process.Signal(syscall.SIGKILL)
	werr := b.Wait()
	_, statErr := os.Stat(out)
	switch {
	case werr == nil:
		r.outcomes["backup completed before the kill"]++
	case statErr == nil:
		s.fail("a backup killed mid-write left %s, which looks like a backup", out)
	default:
		r.outcomes["killed mid-write (cli, file): no file"]++
	}
	if got := s.champion(); want != 0 && got != want {
		s.fail("backup killed mid-write lost an acknowledged champion move: %d, want %d", got, want)
	}
	// A complete backup of the same store restores.
	full := filepath.Join(s.dir, "full.glbk")
	s.run("backup", "--store", s.store, "--out", full, "--log-level", "error")
	st, err := os.Stat(full)
	if err != nil {
		fatal(err)
	}
	s.run("restore", "--store", filepath.Join(s.dir, "restore-full"), "--in", full, "--log-level", "error")
	r.outcomes["complete backup restored"]++
	var sizes []string
	for _, n := range tornSizes {
		sizes = append(sizes, fmt.Sprintf("%d", n))
	}
	r.note = fmt.Sprintf("torn backups of %s bytes (complete: %d) refused by restore %d/%d, naming the truncation; store intact", strings.Join(sizes, ", "), st.Size(), refused, torn)
	if torn == 0 {
		s.fail("torn backup: no kill landed mid-write (the backup of %d bytes fits in the pipe and socket buffers)", st.Size())
	}
}

// shutdownDuringTraining sends SIGTERM to a server started with --shutdown-timeout 2s while a
// training run works, at two points of the run, and times the exit. The server must be gone
// within the timeout and a margin (3 s), and, when every stage noticed the cancellation, exit
// cleanly (status 0: the store closed); a stage that ignored it makes serve exit with "training
// did not stop within the drain timeout", counted apart. The run must then read "canceled" or
// "interrupted", never "running".
func (s *suite) shutdownDuringTraining() {
	r := s.newRow("SIGTERM during training (--shutdown-timeout 2s, 2 rounds)")
	var took []string
	for round, delay := range []time.Duration{1500 * time.Millisecond, 4 * time.Second} {
		s.stopServer()
		s.shutdownTimeout = "2s"
		s.startServer(0)
		x := s.do("POST", "/v1/training-runs", "trainer", "application/json", []byte(`{"seed":`+strconv.Itoa(200+round)+`,"promote":"never"}`), nil)
		s.count(r, x.status)
		var job struct {
			ID string `json:"id"`
		}
		json.Unmarshal(x.body, &job)
		time.Sleep(delay)
		y := s.do("GET", "/v1/training-runs/"+job.ID, "trainer", "", nil, nil)
		var before struct {
			Status string `json:"status"`
		}
		json.Unmarshal(y.body, &before)
		start := time.Now()
		s.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- s.cmd.Wait() }()
		var err error
		select {
		case err = <-done:
		case <-time.After(30 * time.Second):
			s.fail("SIGTERM during training: the server was still running after 30 s")
			s.cmd.Process.Kill()
			err = <-done
		}
		s.cmd = nil
		secs := time.Since(start).Seconds()
		took = append(took, fmt.Sprintf("%.1f s (run %s)", secs, before.Status))
		switch {
		case secs > 5:
			s.fail("SIGTERM during training with --shutdown-timeout 2s: exit after %.1f s", secs)
			r.outcomes["exit over 5 s"]++
		case err == nil:
			r.outcomes["exit 0, store closed"]++
		case strings.Contains(s.stderr.String(), "did not stop"):
			r.outcomes["exit at the timeout, a stage ignored the cancel"]++
		default:
			s.fail("SIGTERM during training: serve exited with %v", err)
			r.outcomes["exit with an error"]++
		}
		s.shutdownTimeout = ""
		s.startServer(0)
		z := s.do("GET", "/v1/training-runs/"+job.ID, "trainer", "", nil, nil)
		s.count(r, z.status)
		var after struct {
			Status string `json:"status"`
		}
		json.Unmarshal(z.body, &after)
		r.outcomes["run "+after.Status]++
		if after.Status == "running" || after.Status == "queued" {
			s.fail("run %s is %s after SIGTERM and restart", job.ID, after.Status)
		}
	}
	r.note = "SIGTERM to exit: " + strings.Join(took, ", ") + " (limit 5 s)"
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// tempStarted reports whether atomicfile's temporary file for name exists in dir with some
// bytes in it.
func tempStarted(dir, name string) bool {
	m, _ := filepath.Glob(filepath.Join(dir, "."+name+".tmp*"))
	for _, p := range m {
		if st, err := os.Stat(p); err == nil && st.Size() > 0 {
			return true
		}
	}
	return false
}
