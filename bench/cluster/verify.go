// The checks after the run: every acknowledged write present on both replicas, and the table.

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// verify checks every acknowledged write on both replicas and returns how many are lost.
func (h *harness) verify() int {
	lost := 0
	runs := h.runsCopy()
	for t, ids := range runs {
		for _, id := range ids {
			var views []runView
			for _, base := range h.replicas {
				v, status := h.getRun(base, t, id)
				if status != 200 {
					h.failf("run %s of %s on %s: %d", id, t, base, status)
					lost++
					continue
				}
				views = append(views, v)
			}
			if len(views) == 0 {
				continue
			}
			v := views[0]
			if v.Status != "succeeded" {
				h.failf("run %s of %s: %s (%s)", id, t, v.Status, v.Run.Error)
				continue
			}
			h.mu.Lock()
			h.succeeded++
			if [2]string{t, id} == h.killedRun {
				var ws []string
				for _, a := range v.Run.Attempts {
					ws = append(ws, a.Worker+" "+a.Status)
				}
				h.takeover = strings.Join(ws, ", then ")
				if len(v.Run.Attempts) < 2 || v.Run.Attempts[0].Status != "lost" {
					h.fails = append(h.fails, fmt.Sprintf("the killed worker's run %s shows attempts %s, want a lost one and a second", id, h.takeover))
				}
			}
			h.mu.Unlock()
			for _, m := range v.Run.Models {
				_, out := h.call("GET", h.replicas[1], t, "/v1/models/"+m.Name, nil, "")
				var md struct {
					Versions []struct {
						Version int
						RunID   string `json:"run_id"`
					}
				}
				json.Unmarshal(out, &md)
				mine, found := 0, false
				for _, ver := range md.Versions {
					if ver.RunID == id {
						mine++
					}
					found = found || ver.Version == m.Version
				}
				if !found {
					h.failf("%s %s v%d of run %s is missing", t, m.Name, m.Version, id)
					lost++
				}
				if mine > 1 {
					h.failf("%s %s: %d versions registered by run %s, want 1", t, m.Name, mine, id)
				}
			}
		}
	}
	// Alias moves: each acknowledged one in the history and the audit log; the last one is
	// the champion.
	h.mu.Lock()
	moves := slices.Clone(h.moves)
	unacked := h.unacked
	h.mu.Unlock()
	last := map[string]move{}
	for _, m := range moves {
		last[m.tenant] = m
	}
	for t := range last {
		_, out := h.call("GET", h.replicas[0], t, "/v1/models/forecast?history=1000", nil, "")
		var md struct {
			History map[string][]struct {
				Seq int64
				To  int
			}
		}
		json.Unmarshal(out, &md)
		var page struct {
			Entries []struct {
				RequestID string `json:"request_id"`
				Outcome   string
			}
		}
		// The audit log is read from any NATS server holding it: give one that is catching
		// up after the failover a few seconds.
		wanted := map[string]bool{}
		for _, m := range moves {
			if m.tenant == t {
				wanted[m.reqID] = true
			}
		}
		for try := 0; try < 20; try++ {
			_, aout := h.call("GET", h.replicas[1], t, "/v1/audit?limit=1000", nil, "")
			json.Unmarshal(aout, &page)
			n := 0
			for _, e := range page.Entries {
				if wanted[e.RequestID] {
					n++
				}
			}
			if n >= len(wanted) {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		for _, m := range moves {
			if m.tenant != t {
				continue
			}
			if !slices.ContainsFunc(md.History["champion"], func(e struct {
				Seq int64
				To  int
			}) bool {
				return e.Seq == m.seq && e.To == m.to
			}) {
				h.failf("%s: acknowledged move %s (seq %d to v%d) is not in the history", t, m.reqID, m.seq, m.to)
				lost++
			}
			if !slices.ContainsFunc(page.Entries, func(e struct {
				RequestID string `json:"request_id"`
				Outcome   string
			}) bool {
				return e.RequestID == m.reqID && e.Outcome == "ok"
			}) {
				h.failf("%s: acknowledged move %s has no audit entry", t, m.reqID)
				lost++
			}
		}
		if unacked == 0 {
			if got := h.champion(h.replicas[0], t); got != last[t].to {
				h.failf("%s: champion v%d, want v%d of the last acknowledged move", t, got, last[t].to)
				lost++
			}
		}
	}
	// Both replicas serve the same champion forecast.
	for i := range *tenants {
		t := tenantName(i)
		var served []int
		for _, base := range h.replicas {
			status, out := h.call("GET", base, t, "/v1/forecast?scope=company", nil, "")
			var f struct{ Model struct{ Version int } }
			json.Unmarshal(out, &f)
			if status != 200 {
				h.failf("%s: forecast on %s answered %d", t, base, status)
			}
			served = append(served, f.Model.Version)
		}
		if served[0] != served[1] || served[0] != h.champion(h.replicas[1], t) {
			h.failf("%s: replicas serve v%d and v%d, champion v%d", t, served[0], served[1], h.champion(h.replicas[1], t))
		}
	}
	h.checkReplication()
	return lost
}

// checkReplication requires the store's buckets and the job stream to have kept 3
// replicas (a CLI command or a worker opening them must not change that).
func (h *harness) checkReplication() {
	nc, err := nats.Connect(h.urls)
	if err != nil {
		h.failf("connect to NATS: %v", err)
		return
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, name := range []string{"KV_growthlens-versions", "KV_growthlens-aliases", "KV_growthlens-runs", "KV_growthlens-audit", "KV_growthlens-outbox", "growthlens-jobs", "KV_growthlens-jobleases"} {
		s, err := js.Stream(ctx, name)
		if err != nil {
			h.failf("stream %s: %v", name, err)
			continue
		}
		if r := s.CachedInfo().Config.Replicas; r != 3 {
			h.failf("stream %s has %d replicas, want 3", name, r)
		}
	}
}

func (h *harness) report(lost int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	total, fivexx, outside := 0, 0, 0
	var lastBad time.Time
	for _, r := range h.results {
		total++
		bad := r.status == 0 || r.status >= 500
		if !bad {
			continue
		}
		fivexx++
		// In the window: sent within it, or sent before the kill and still waiting for its
		// answer when the server died (docs/cluster.md: requests in flight then may fail).
		in := !h.natKill.IsZero() && !r.done.Before(h.natKill) && r.at.Sub(h.natKill) <= *window
		if in {
			if r.done.After(lastBad) {
				lastBad = r.done
			}
		} else {
			outside++
			if outside <= 5 {
				h.fails = append(h.fails, fmt.Sprintf("%s answered %d outside the failover window (sent %.1f s after the start, answered after %.1f s): %s",
					r.what, r.status, r.at.Sub(h.start).Seconds(), r.done.Sub(r.at).Seconds(), r.body))
			}
		}
	}
	if outside > 5 {
		h.fails = append(h.fails, fmt.Sprintf("… %d answers of 5xx or none outside the failover window in all", outside))
	}
	failover := 0.0
	if !lastBad.IsZero() {
		failover = lastBad.Sub(h.natKill).Seconds()
	}
	nRuns := 0
	for _, ids := range h.runs {
		nRuns += len(ids)
	}
	promotions := len(h.moves)
	if lost > 0 {
		h.fails = append(h.fails, fmt.Sprintf("%d acknowledged writes lost", lost))
	}
	fmt.Println()
	fmt.Printf("%-34s %s\n", "check", "value")
	fmt.Printf("%-34s %d acknowledged (%d tenants), %d succeeded\n", "training runs", nRuns, *tenants, h.succeeded)
	fmt.Printf("%-34s %s\n", "killed worker's run", h.takeover)
	fmt.Printf("%-34s %d acknowledged, %d not %v\n", "alias moves (promote/rollback)", promotions, h.unacked, h.unackedOf)
	fmt.Printf("%-34s %s\n", "kills", strings.Join(h.kills, "; "))
	fmt.Printf("%-34s %.1f (window allowed %.0f s)\n", "failover seconds (last 5xx)", failover, window.Seconds())
	fmt.Printf("%-34s %d of %d requests (%d outside the window)\n", "5xx or no answer", fivexx, total, outside)
	fmt.Printf("%-34s %d\n", "lost writes", lost)
	fmt.Printf("%-34s %.1f s after the last move\n", "replicas agree on every champion", h.converged.Seconds())
	fmt.Printf("%-34s %.1f s\n", "elapsed", time.Since(h.start).Seconds())
	if len(h.fails) > 0 {
		fmt.Println("\nFAIL:")
		for _, f := range h.fails {
			fmt.Println("  " + f)
		}
	} else {
		fmt.Println("\nPASS")
	}
}
