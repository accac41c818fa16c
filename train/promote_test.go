package train

import (
	"errors"
	"strings"
	"testing"

	"github.com/growthlens/growthlens/models/registry"
)

// putChampion stores version 1 of model "m" trained on data "h1" with mase, and promotes it.
func putChampion(t *testing.T, s *registry.Store, mase float64) {
	t.Helper()
	v, err := s.Put("default", "m", []byte("champion"), registry.Metadata{DataHash: "h1", Metrics: map[string]float64{"mase": mase}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Promote("default", "m", v, registry.Change{By: "test"}); err != nil {
		t.Fatal(err)
	}
}

func TestPromotionGuard(t *testing.T) {
	tests := []struct {
		name      string
		policy    string
		dataHash  string
		candidate float64
		rescore   func([]byte) (float64, error)
		promoted  bool
		reason    string
	}{
		{"better on same data", PromoteAuto, "h1", 0.4, nil, true, "not worse"},
		{"equal on same data", PromoteAuto, "h1", 0.5, nil, true, "not worse"},
		{"worse on same data", PromoteAuto, "h1", 0.6, nil, false, "kept champion v1"},
		{"worse than the champion backtested on new data", PromoteAuto, "h2", 0.6,
			func(b []byte) (float64, error) { return 0.55, nil }, false, "backtested on this data"},
		{"better than the champion backtested on new data", PromoteAuto, "h2", 0.6,
			func(b []byte) (float64, error) {
				if string(b) != "champion" {
					return 0, errors.New("rescore got the wrong artifact")
				}
				return 0.7, nil
			}, true, "backtested on this data"},
		{"worse but always", PromoteAlways, "h1", 0.9, nil, true, "always"},
		{"better but never", PromoteNever, "h1", 0.1, nil, false, "never"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t, t.TempDir())
			putChampion(t, s, 0.5)
			cfg := DefaultConfig(".")
			cfg.Promote = tt.policy
			rec := &Record{ID: "r", DataHash: tt.dataHash}
			c := &candidate{name: "m", metrics: map[string]float64{"mase": tt.candidate}, primary: "mase", rescore: tt.rescore}
			v, err := s.Put("default", "m", []byte("candidate"), registry.Metadata{DataHash: tt.dataHash, Metrics: c.metrics})
			if err != nil {
				t.Fatal(err)
			}
			mr := &ModelResult{Name: "m", Version: v}
			if err := promote(s, &cfg, rec, c, mr, &dataCheck{verdicts: map[string]string{}}); err != nil {
				t.Fatal(err)
			}
			champ, err := s.Alias("default", "m", Champion)
			if err != nil {
				t.Fatal(err)
			}
			if mr.Promoted != tt.promoted || (champ.Version == v) != tt.promoted {
				t.Errorf("promoted %v, champion v%d (candidate v%d): want promoted %v; decision %q", mr.Promoted, champ.Version, v, tt.promoted, mr.Decision)
			}
			if !strings.Contains(mr.Decision, tt.reason) {
				t.Errorf("decision %q does not say %q", mr.Decision, tt.reason)
			}
			if tt.promoted && tt.policy == PromoteAuto && champ.Reason != mr.Decision {
				t.Errorf("alias reason %q, want the decision %q recorded", champ.Reason, mr.Decision)
			}
		})
	}
}
