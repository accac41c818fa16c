package train

import (
	"errors"
	"fmt"
	"math"

	"github.com/growthlens/growthlens/models/registry"
)

// promote applies the run's promotion policy to the version registered for c.
func promote(store registry.Store, cfg *Config, rec *Record, c *candidate, mr *ModelResult) error {
	champ, err := store.Alias(cfg.Tenant, c.name, Champion)
	hasChamp := err == nil
	if err != nil && !errors.Is(err, registry.ErrNotFound) {
		return fmt.Errorf("promote %s: %w", c.name, err)
	}
	if hasChamp {
		mr.Champion = champ.Version
	}
	var ok bool
	switch {
	case cfg.Promote == PromoteNever:
		mr.Decision = "not promoted: --promote never"
	case hasChamp && champ.Version == mr.Version:
		mr.Promoted, mr.Decision = true, fmt.Sprintf("version %d is already champion", mr.Version)
		return nil
	case cfg.Promote == PromoteAlways:
		ok, mr.Decision = true, "promoted: --promote always"
	case !hasChamp:
		ok, mr.Decision = true, "promoted: first champion"
	default:
		ok, mr.Decision, err = guard(store, cfg, rec, c, mr, champ.Version)
		if err != nil {
			return fmt.Errorf("promote %s: %w", c.name, err)
		}
	}
	if !ok {
		cfg.log().Info("kept champion", "model", c.name, "champion", mr.Champion, "reason", mr.Decision)
		return nil
	}
	ch := registry.Change{By: cfg.By, Role: "trainer", Reason: mr.Decision}
	if ch.By == "" {
		ch.By = "train:" + rec.ID
	}
	if _, err := store.Promote(cfg.Tenant, c.name, mr.Version, ch); err != nil {
		return fmt.Errorf("promote %s v%d: %w", c.name, mr.Version, err)
	}
	mr.Promoted, mr.Champion = true, mr.Version
	cfg.log().Info("promoted", "model", c.name, "version", mr.Version, "reason", mr.Decision)
	return nil
}

// guard decides whether the candidate may replace the champion: its primary backtest metric
// (lower is better) must not be worse than the champion's on the same data. When the champion
// was trained on this data its stored metric is compared; otherwise its configuration is
// backtested again on this data. A kind with no comparable metric is promoted, and the reason
// says so.
func guard(store registry.Store, cfg *Config, rec *Record, c *candidate, mr *ModelResult, champion int) (bool, string, error) {
	if c.primary == "" {
		return true, "promoted: this model has no backtest metric to compare", nil
	}
	got, ok := c.metrics[c.primary]
	if !ok || math.IsNaN(got) {
		return false, fmt.Sprintf("kept champion v%d: the new version has no %s", champion, c.primary), nil
	}
	art, v, err := store.Artifact(cfg.Tenant, c.name, champion)
	if err != nil {
		return false, "", err
	}
	var old float64
	var where string
	if v.DataHash == rec.DataHash {
		m, ok := v.Metrics[c.primary]
		if !ok {
			return true, fmt.Sprintf("promoted: champion v%d has no %s to compare", champion, c.primary), nil
		}
		old, where = m, "stored, same data"
	} else {
		if c.rescore == nil {
			return true, fmt.Sprintf("promoted: champion v%d was trained on other data and cannot be backtested again", champion), nil
		}
		if old, err = c.rescore(art); err != nil {
			return true, fmt.Sprintf("promoted: champion v%d could not be backtested on this data (%v)", champion, err), nil
		}
		where = "champion's configuration backtested on this data"
	}
	// A relative tolerance keeps rounding noise from blocking an identical model.
	if got <= old+1e-9*math.Max(1, math.Abs(old)) {
		return true, fmt.Sprintf("promoted: %s %.4f not worse than champion v%d's %.4f (%s)", c.primary, got, champion, old, where), nil
	}
	return false, fmt.Sprintf("kept champion v%d: %s %.4f worse than its %.4f (%s)", champion, c.primary, got, old, where), nil
}
