package registry

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestPromoteAndRollback(t *testing.T) { eachBackend(t, testPromoteAndRollback) }

func testPromoteAndRollback(t *testing.T, b backend) {
	clock := newFakeClock()
	s := b.open(t, Options{Now: clock.Now})
	for i := 1; i <= 3; i++ {
		mustPut(t, s, "acme", "forecast", []byte(fmt.Sprint("model ", i)))
	}
	if _, err := s.Alias("acme", "forecast", Champion); !errors.Is(err, ErrNotFound) {
		t.Fatalf("champion before any promotion: err = %v, want ErrNotFound", err)
	}
	champion := func() int {
		t.Helper()
		b, v, err := s.LoadAlias("acme", "forecast", Champion)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != fmt.Sprint("model ", v.Version) {
			t.Fatalf("champion v%d carries the bytes %q", v.Version, b)
		}
		return v.Version
	}

	alice := Change{By: "cli:alice", Role: RoleAdmin, Reason: "better MASE", RequestID: "req-1"}
	for v := 1; v <= 3; v++ {
		ev, err := s.Promote("acme", "forecast", v, alice)
		if err != nil {
			t.Fatal(err)
		}
		if ev.From != v-1 || ev.To != v || ev.Action != "set" || ev.Seq != int64(v) {
			t.Errorf("promote v%d event = %+v", v, ev)
		}
	}
	if got := champion(); got != 3 {
		t.Fatalf("champion = v%d, want v3", got)
	}
	a, err := s.Alias("acme", "forecast", Champion)
	if err != nil {
		t.Fatal(err)
	}
	if a.By != "cli:alice" || a.Reason != "better MASE" || a.Role != RoleAdmin || a.RequestID != "req-1" || a.Moved.IsZero() {
		t.Errorf("alias does not record who and why: %+v", a)
	}
	if _, err := s.Promote("acme", "forecast", 3, alice); !errors.Is(err, ErrUnchanged) {
		t.Errorf("promoting the champion again: err = %v, want ErrUnchanged", err)
	}

	bob := Change{By: "cli:bob", Reason: "v3 misfires on West"}
	ev, err := s.Rollback("acme", "forecast", bob)
	if err != nil {
		t.Fatal(err)
	}
	if ev.From != 3 || ev.To != 2 || ev.Action != "rollback" || ev.By != "cli:bob" {
		t.Errorf("rollback event = %+v, want 3→2 by bob", ev)
	}
	if got := champion(); got != 2 {
		t.Errorf("after rollback champion = v%d, want v2", got)
	}
	// Rolling back again goes further back, not forth to v3.
	if _, err := s.Rollback("acme", "forecast", bob); err != nil {
		t.Fatal(err)
	}
	if got := champion(); got != 1 {
		t.Errorf("after second rollback champion = v%d, want v1", got)
	}
	if _, err := s.Rollback("acme", "forecast", bob); !errors.Is(err, ErrNoHistory) {
		t.Errorf("rollback past the first champion: err = %v, want ErrNoHistory", err)
	}
	if got := champion(); got != 1 {
		t.Errorf("a refused rollback moved the champion to v%d", got)
	}

	hist, err := s.History("acme", "forecast", Champion, 0)
	if err != nil {
		t.Fatal(err)
	}
	var moves []string
	for _, e := range hist {
		moves = append(moves, fmt.Sprintf("%s %d→%d by %s", e.Action, e.From, e.To, e.By))
	}
	want := []string{"rollback 2→1 by cli:bob", "rollback 3→2 by cli:bob", "set 2→3 by cli:alice", "set 1→2 by cli:alice", "set 0→1 by cli:alice"}
	if !slices.Equal(moves, want) {
		t.Errorf("history =\n%q\nwant\n%q", moves, want)
	}
	for i := 1; i < len(hist); i++ {
		if !hist[i].Time.Before(hist[i-1].Time) {
			t.Errorf("history not newest first at %d: %v then %v", i, hist[i-1].Time, hist[i].Time)
		}
	}
	if h, _ := s.History("acme", "forecast", Champion, 2); len(h) != 2 || h[0].Seq != 5 {
		t.Errorf("History(limit 2) = %d entries starting at seq %d, want 2 from seq 5", len(h), h[0].Seq)
	}
	rep, err := s.Check()
	if err != nil || len(rep.Problems) > 0 {
		t.Errorf("Check: %v %v", err, rep.Problems)
	}
}

func TestRollbackSkipsDeletedVersions(t *testing.T) { eachBackend(t, testRollbackSkipsDeletedVersions) }

func testRollbackSkipsDeletedVersions(t *testing.T, b backend) {
	s := b.open(t, Options{})
	for i := 1; i <= 3; i++ {
		mustPut(t, s, "acme", "forecast", []byte{byte(i)})
		if _, err := s.Promote("acme", "forecast", i, Change{By: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Delete("acme", "forecast", 2); err != nil { // no alias points at v2 any more
		t.Fatal(err)
	}
	ev, err := s.Rollback("acme", "forecast", Change{By: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if ev.To != 1 {
		t.Errorf("rollback went to v%d, want v1 (v2 was deleted)", ev.To)
	}
}

func TestAliasesAreIndependent(t *testing.T) { eachBackend(t, testAliasesAreIndependent) }

func testAliasesAreIndependent(t *testing.T, b backend) {
	s := b.open(t, Options{})
	mustPut(t, s, "acme", "forecast", []byte("1"))
	mustPut(t, s, "acme", "forecast", []byte("2"))
	mustPut(t, s, "beta", "forecast", []byte("b1"))
	ch := Change{By: "t"}
	if _, err := s.Promote("acme", "forecast", 1, ch); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetAlias("acme", "forecast", Challenger, 2, ch); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Promote("beta", "forecast", 1, ch); err != nil {
		t.Fatal(err)
	}
	as, err := s.Aliases("acme", "forecast")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, a := range as {
		got[a.Alias] = a.Version
	}
	if len(got) != 2 || got[Champion] != 1 || got[Challenger] != 2 {
		t.Errorf("aliases = %v, want champion 1, challenger 2", got)
	}
	if _, err := s.RollbackAlias("acme", "forecast", Challenger, ch); !errors.Is(err, ErrNoHistory) {
		t.Errorf("rollback of a once-moved challenger: err = %v, want ErrNoHistory", err)
	}
	if ms, _ := s.Models("acme"); ms[0].Aliases[Champion] != 1 || ms[0].Aliases[Challenger] != 2 {
		t.Errorf("Models aliases = %v", ms[0].Aliases)
	}
}

func TestSetAliasRejects(t *testing.T) { eachBackend(t, testSetAliasRejects) }

func testSetAliasRejects(t *testing.T, b backend) {
	s := b.open(t, Options{})
	mustPut(t, s, "acme", "forecast", []byte("1"))
	tests := []struct {
		name          string
		tenant, alias string
		version       int
		ch            Change
		want          error
	}{
		{"missing version", "acme", Champion, 2, Change{By: "t"}, ErrNotFound},
		{"version zero", "acme", Champion, 0, Change{By: "t"}, ErrNotFound},
		{"other tenant's version", "beta", Champion, 1, Change{By: "t"}, ErrNotFound},
		{"no actor", "acme", Champion, 1, Change{}, ErrInvalid},
		{"bad alias", "acme", "champ/ion", 1, Change{By: "t"}, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.SetAlias(tt.tenant, "forecast", tt.alias, tt.version, tt.ch)
			wantErr(t, err, tt.want)
		})
	}
	if _, err := s.Rollback("acme", "forecast", Change{By: "t"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("rollback without a champion: err = %v, want ErrNotFound", err)
	}
}

func TestSubscribeAndGeneration(t *testing.T) { eachBackend(t, testSubscribeAndGeneration) }

func testSubscribeAndGeneration(t *testing.T, b backend) {
	s := b.open(t, Options{})
	mustPut(t, s, "acme", "forecast", []byte("1"))
	mustPut(t, s, "acme", "forecast", []byte("2"))
	events, cancel := s.Subscribe(4)
	g0 := s.Generation()
	if _, err := s.Promote("acme", "forecast", 1, Change{By: "t"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Promote("acme", "forecast", 2, Change{By: "t"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Promote("acme", "forecast", 2, Change{By: "t"}); !errors.Is(err, ErrUnchanged) {
		t.Fatal(err)
	}
	if g := s.Generation(); g != g0+2 {
		t.Errorf("generation moved by %d, want 2 (a refused move does not count)", g-g0)
	}
	for _, want := range []int{1, 2} {
		select {
		case ev := <-events:
			if ev.To != want || ev.Tenant != "acme" || ev.Model != "forecast" || ev.Alias != Champion {
				t.Errorf("event = %+v, want a move of acme/forecast champion to %d", ev, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no event for the move to v%d", want)
		}
	}
	select {
	case ev := <-events:
		t.Errorf("unexpected event %+v", ev)
	default:
	}
	cancel()
	if _, ok := <-events; ok {
		t.Error("channel still open after cancel")
	}
	cancel() // twice is harmless

	// A subscriber that does not read loses events but never blocks a move.
	slow, _ := s.Subscribe(1)
	for i := 0; i < 5; i++ {
		if _, err := s.Rollback("acme", "forecast", Change{By: "t"}); err != nil && !errors.Is(err, ErrNoHistory) {
			t.Fatal(err)
		}
		if _, err := s.Promote("acme", "forecast", 2, Change{By: "t"}); err != nil && !errors.Is(err, ErrUnchanged) {
			t.Fatal(err)
		}
	}
	if len(slow) != 1 {
		t.Errorf("slow subscriber holds %d events, want its buffer of 1", len(slow))
	}
	s.Close()
	for range slow { // Close closes every subscription
	}
}

// TestPromoteDeleteRace runs promotions and deletes of the same version against each other:
// the model's counter key makes them conflict, so an alias never ends up pointing at a
// deleted version.
func TestPromoteDeleteRace(t *testing.T) { eachBackend(t, testPromoteDeleteRace) }

func testPromoteDeleteRace(t *testing.T, b backend) {
	s := b.open(t, Options{})
	mustPut(t, s, "acme", "forecast", []byte("base"))
	if _, err := s.Promote("acme", "forecast", 1, Change{By: "t"}); err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 30; round++ {
		v := mustPut(t, s, "acme", "forecast", []byte(fmt.Sprint("candidate ", round)))
		var wg sync.WaitGroup
		var promoteErr, deleteErr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, promoteErr = s.SetAlias("acme", "forecast", Challenger, v, Change{By: "t"})
		}()
		go func() { defer wg.Done(); deleteErr = s.Delete("acme", "forecast", v) }()
		wg.Wait()
		if (promoteErr == nil) == (deleteErr == nil) {
			t.Fatalf("round %d: promote err %v, delete err %v: exactly one must win", round, promoteErr, deleteErr)
		}
		if promoteErr == nil {
			// The promotion won; move the alias away so the next round starts clean.
			if _, err := s.SetAlias("acme", "forecast", Challenger, 1, Change{By: "t"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	rep, err := s.Check()
	if err != nil || len(rep.Problems) > 0 {
		t.Errorf("Check: %v %v", err, rep.Problems)
	}
}
