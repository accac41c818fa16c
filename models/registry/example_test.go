package registry_test

import (
	"fmt"
	"os"

	"github.com/growthlens/growthlens/models/registry"
)

// Register two versions of a model, promote one, promote the next, and roll back.
func Example() {
	dir, err := os.MkdirTemp("", "registry-example")
	check(err)
	defer os.RemoveAll(dir)
	s, err := registry.Open(dir, registry.Options{})
	check(err)
	defer s.Close()

	events, stop := s.Subscribe(8)
	defer stop()
	meta := registry.Metadata{Kind: "forecast.ets/v1", DataHash: "sha256:1f2e", Seed: 7,
		Metrics: map[string]float64{"mase": 0.84}}
	v1, err := s.Put("acme", "forecast", []byte(`{"alpha":0.3}`), meta)
	check(err)
	meta.Metrics = map[string]float64{"mase": 0.79}
	v2, err := s.Put("acme", "forecast", []byte(`{"alpha":0.2}`), meta)
	check(err)

	who := registry.Change{By: "cli:alice", Role: registry.RoleAdmin, Reason: "lower MASE"}
	_, err = s.Promote("acme", "forecast", v1, who)
	check(err)
	_, err = s.Promote("acme", "forecast", v2, who)
	check(err)
	_, err = s.Rollback("acme", "forecast", registry.Change{By: "cli:bob", Reason: "v2 misfires on West"})
	check(err)

	art, v, err := s.LoadAlias("acme", "forecast", registry.Champion)
	check(err)
	fmt.Printf("champion: v%d %s (sha256 %.8s…)\n", v.Version, art, v.ArtifactSHA256)
	for range 3 {
		ev := <-events
		fmt.Printf("%s v%d → v%d by %s: %s\n", ev.Action, ev.From, ev.To, ev.By, ev.Reason)
	}
	// Output:
	// champion: v1 {"alpha":0.3} (sha256 5f3bf651…)
	// set v0 → v1 by cli:alice: lower MASE
	// set v1 → v2 by cli:alice: lower MASE
	// rollback v2 → v1 by cli:bob: v2 misfires on West
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}
