package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/growthlens/growthlens/models/registry"
)

// dataCheck caches, per champion run, why this run's data must not replace that run's for
// auto-promotion ("" when it may).
type dataCheck struct {
	values   map[string][]float64 // this run's driver values
	verdicts map[string]string
}

// verdict compares this run's data with that of the run that trained the champion v.
func (d *dataCheck) verdict(store registry.Store, cfg *Config, rec *Record, v registry.Version) string {
	if v.RunID == "" || v.RunID == rec.ID || rec.DataProfile == nil {
		return ""
	}
	if why, ok := d.verdicts[v.RunID]; ok {
		return why
	}
	why := ""
	if r, err := store.Run(cfg.Tenant, v.RunID); err == nil {
		var old Record
		if json.Unmarshal(r.Data, &old) == nil && old.DataProfile != nil {
			g := cfg.DataGuard
			if g == (DataGuard{}) {
				g = DefaultDataGuard()
			}
			why = compareData(*old.DataProfile, *rec.DataProfile, d.values, g)
		}
	}
	d.verdicts[v.RunID] = why
	return why
}

// promote applies the run's promotion policy to the version registered for c. In auto mode the
// run's data is first compared with the data of the champion's run (compareData): data that
// shrank, ends earlier or moved keeps the champion whatever the metrics say. Every auto
// decision is written to the audit log.
func promote(store registry.Store, cfg *Config, rec *Record, c *candidate, mr *ModelResult, dc *dataCheck) error {
	champ, err := store.Alias(cfg.Tenant, c.name, Champion)
	hasChamp := err == nil
	if err != nil && !errors.Is(err, registry.ErrNotFound) {
		return fmt.Errorf("promote %s: %w", c.name, err)
	}
	if hasChamp {
		mr.Champion = champ.Version
	}
	if mr.earlier && cfg.Promote != PromoteNever && !(hasChamp && champ.Version == mr.Version) {
		// A run is promoted once: when an earlier attempt moved the champion to this
		// version and someone has moved it since, this attempt does not move it back.
		moved, err := everChampion(store, cfg.Tenant, c.name, mr.Version)
		if err != nil {
			return fmt.Errorf("promote %s: %w", c.name, err)
		}
		if moved {
			mr.Decision = fmt.Sprintf("not promoted again: version %d was champion before (an earlier attempt of this run promoted it)", mr.Version)
			return nil
		}
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
		v, verr := store.Version(cfg.Tenant, c.name, champ.Version)
		if verr != nil {
			return fmt.Errorf("promote %s: %w", c.name, verr)
		}
		if why := dc.verdict(store, cfg, rec, v); why != "" {
			mr.Decision = fmt.Sprintf("kept champion v%d: this run's data differs from the data of its run %s: %s", champ.Version, v.RunID, why)
			mr.Blocked = true
			break
		}
		ok, mr.Decision, err = guard(store, cfg, rec, c, mr, champ.Version)
		if err != nil {
			return fmt.Errorf("promote %s: %w", c.name, err)
		}
	}
	if cfg.Promote == PromoteAuto {
		outcome := "kept"
		switch {
		case ok:
			outcome = "ok"
		case mr.Blocked:
			outcome = "blocked"
		}
		if _, err := store.Audit(registry.AuditEntry{Who: cmpOr(cfg.By, "train:"+rec.ID), Role: "trainer", Tenant: cfg.Tenant,
			Action: "train.promote", Target: fmt.Sprintf("%s@%d", c.name, mr.Version), Outcome: outcome, Detail: mr.Decision}); err != nil {
			return fmt.Errorf("audit %s: %w", c.name, err)
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

// guard decides whether the candidate may replace the champion: each metric it compares (its
// primary backtest or held-out metric, then the others it names; lower is better) must not be
// worse than the champion's on the same data. When the champion was trained on this data its
// stored metrics are compared; otherwise its configuration is scored again on this data. A kind
// with no comparable metric is promoted, and the reason says so.
func guard(store registry.Store, cfg *Config, rec *Record, c *candidate, mr *ModelResult, champion int) (bool, string, error) {
	if c.primary == "" {
		return true, "promoted: this model has no backtest metric to compare", nil
	}
	names := append([]string{c.primary}, c.also...)
	for _, n := range names {
		if got, ok := c.metrics[n]; !ok || math.IsNaN(got) {
			return false, fmt.Sprintf("kept champion v%d: the new version has no %s", champion, n), nil
		}
	}
	art, v, err := store.Artifact(cfg.Tenant, c.name, champion)
	if err != nil {
		return false, "", err
	}
	old := map[string]float64{}
	var where string
	if v.DataHash == rec.DataHash {
		for _, n := range names {
			m, ok := v.Metrics[n]
			if !ok {
				return true, fmt.Sprintf("promoted: champion v%d has no %s to compare", champion, n), nil
			}
			old[n] = m
		}
		where = "stored, same data"
	} else {
		switch {
		case c.rescoreAll != nil:
			if old, err = c.rescoreAll(art); err != nil {
				return true, fmt.Sprintf("promoted: champion v%d could not be scored on this data (%v)", champion, err), nil
			}
		case c.rescore != nil && len(c.also) == 0:
			m, err := c.rescore(art)
			if err != nil {
				return true, fmt.Sprintf("promoted: champion v%d could not be backtested on this data (%v)", champion, err), nil
			}
			old[c.primary] = m
		default:
			return true, fmt.Sprintf("promoted: champion v%d was trained on other data and cannot be backtested again", champion), nil
		}
		where = "champion's configuration backtested on this data"
	}
	var said []string
	for _, n := range names {
		got, was := c.metrics[n], old[n]
		// A relative tolerance keeps rounding noise from blocking an identical model.
		if got > was+1e-9*math.Max(1, math.Abs(was)) {
			return false, fmt.Sprintf("kept champion v%d: %s %.4f worse than its %.4f (%s)", champion, n, got, was, where), nil
		}
		said = append(said, fmt.Sprintf("%s %.4f not worse than champion v%d's %.4f", n, got, champion, was))
	}
	return true, fmt.Sprintf("promoted: %s (%s)", strings.Join(said, ", "), where), nil
}

// everChampion reports whether the champion alias of a model ever pointed at version.
func everChampion(store registry.Store, tenant, name string, version int) (bool, error) {
	events, err := store.History(tenant, name, Champion, 0)
	if errors.Is(err, registry.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, e := range events {
		if e.To == version {
			return true, nil
		}
	}
	return false, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
