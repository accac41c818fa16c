package train

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/growthlens/growthlens/models/incentive"
)

// Promotion policies.
const (
	PromoteAuto   = "auto"
	PromoteAlways = "always"
	PromoteNever  = "never"
)

// Champion is the alias a promotion moves.
const Champion = "champion"

// Config says what to train and where to put it. DefaultConfig gives the defaults.
type Config struct {
	// Data is the dataset directory (canonical CSV tables).
	Data string
	// Tenant owns the models in the store.
	Tenant string
	// Seed makes every randomized step reproducible.
	Seed uint64
	// Promote is PromoteAuto, PromoteAlways or PromoteNever.
	Promote string
	// Horizon is the number of quarters forecast.
	Horizon int
	// Levels are the prediction-interval levels in percent.
	Levels []float64
	// Incentive configures eligibility and valuation of incentives (nil: incentive.DefaultConfig).
	Incentive *incentive.Config
	// CodeVersion is recorded with every model (the VCS revision of the binary).
	CodeVersion string
	// By names who started the run in alias histories ("cli:alice", an API key id).
	By string
	// DataGuard limits auto-promotion when this run's data differs from the champion's;
	// the zero value means DefaultDataGuard.
	DataGuard DataGuard
	// RunID, when set, is the id of a run record made beforehand (the server makes one, status
	// "queued", when it queues a run, so that the id a client holds survives a restart); the
	// run takes it over instead of choosing a new id.
	RunID string
	// Worker, when set, names the worker (growthlens worker) running a queued run: the run
	// appends an attempt to those already in the record at RunID, and a model registered by
	// an earlier attempt of the run is taken over instead of registered again (see Run).
	Worker string
	// MaxAttempts, with Worker, is how many attempts a run gets: a run whose record already
	// shows that many fails at once ("gave up after …"). Zero means no limit.
	MaxAttempts int
	// Logger receives one structured line per step; nil discards them.
	Logger *slog.Logger
	// Progress, when set, is told each step's progress (for a progress bar).
	Progress func(step string, done, total int)
	// Now is the clock for run ids and durations; nil means time.Now.
	Now func() time.Time
}

// DefaultConfig returns a config for dir: tenant "default", seed 0, automatic promotion, four
// quarters ahead at 80 and 95 %.
func DefaultConfig(dir string) Config {
	return Config{Data: dir, Tenant: "default", Promote: PromoteAuto, Horizon: 4, Levels: []float64{80, 95}}
}

// Validate reports the first field out of range, naming it.
func (c *Config) Validate() error {
	switch {
	case c.Data == "":
		return fmt.Errorf("data: a dataset directory is required")
	case c.Tenant == "":
		return fmt.Errorf("tenant: required")
	case !slices.Contains([]string{PromoteAuto, PromoteAlways, PromoteNever}, c.Promote):
		return fmt.Errorf("promote: %q is not one of auto, always, never", c.Promote)
	case c.Horizon < 1 || c.Horizon > 12:
		return fmt.Errorf("horizon: %d out of range [1, 12] quarters", c.Horizon)
	case len(c.Levels) == 0:
		return fmt.Errorf("levels: at least one interval level is required")
	}
	for _, l := range c.Levels {
		if !(l > 0 && l < 100) {
			return fmt.Errorf("levels: %v out of range (0, 100)", l)
		}
	}
	st, err := os.Stat(c.Data)
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("data: %s is not a directory", c.Data)
	}
	if c.Incentive != nil {
		if err := c.Incentive.Validate(); err != nil {
			return fmt.Errorf("incentive config: %w", err)
		}
	}
	return nil
}

func (c *Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Config) log() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (c *Config) progress(step string, done, total int) {
	if c.Progress != nil {
		c.Progress(step, done, total)
	}
}

// dataName is the dataset's directory name, for messages.
func (c *Config) dataName() string { return filepath.Base(filepath.Clean(c.Data)) }
