package incentive

import (
	"context"
	"errors"
	"sync"
	"testing"
)

// laterCancel reports cancellation from its (after+1)th look on. Looks may come from several
// goroutines (the cross-validation folds).
type laterCancel struct {
	context.Context
	after int

	mu    sync.Mutex
	looks int
}

func (c *laterCancel) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.looks++
	if c.looks > c.after {
		return context.Canceled
	}
	return nil
}

// TestTrainStopsInsideFits is issue 14's bounded shutdown at the incentive models, the longest
// training stage (34 s of a 46 s run on a loaded machine at 200 employees): Train looked at
// its context only between its four fits, so SIGTERM waited for the preference model's
// cross-validation, or the attrition model's, to finish. Every Newton step and every step of
// the joint refinement now looks; cancelled at any of them, Train returns the context's error
// and no model. Before, Train looked 3 times in all, so a cancellation at the 11th look or
// later never came and it returned a model.
func TestTrainStopsInsideFits(t *testing.T) {
	_, ds, _ := defaultCompany(t)
	for _, after := range []int{1, 10, 60} {
		ctx := &laterCancel{Context: context.Background(), after: after}
		r, err := Train(ctx, ds, DefaultConfig(), TrainOptions{Seed: trainSeed})
		if !errors.Is(err, context.Canceled) || r != nil {
			t.Errorf("cancelled at look %d: model %v, err %v; want no model and context.Canceled", after+1, r != nil, err)
		}
	}
}
