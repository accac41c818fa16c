package driver

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
)

// laterCancel is a context that reports cancellation from its (after+1)th look on: it shows
// that the fit looks again while it samples, not only before it starts.
type laterCancel struct {
	context.Context
	after, looks int
}

func (c *laterCancel) Err() error {
	c.looks++
	if c.looks > c.after {
		return context.Canceled
	}
	return nil
}

// TestBayesFitStopsWhenCancelled is issue 14's bounded shutdown at the driver model: SIGTERM
// during training waited for the whole Gibbs sampler (11,000 sweeps). The sampler now looks
// at the context every cancelCheck sweeps and returns its error.
func TestBayesFitStopsWhenCancelled(t *testing.T) {
	f := simulate(companyLike(), rand.New(rand.NewPCG(1, 1)))
	opt := Options{Replicates: 100, Priors: map[string]Prior{DefaultSpecs()[0].Column: {Mean: 0.1, SD: 0.1, Sign: 1}}}
	if _, err := fitFrame(f, opt); err != nil {
		t.Fatalf("uncancelled fit: %v", err)
	}
	for _, after := range []int{0, 3, 40} {
		ctx := &laterCancel{Context: context.Background(), after: after}
		m, err := fitWith(ctx, f, nil, opt)
		if !errors.Is(err, context.Canceled) || m != nil {
			t.Errorf("cancelled at look %d: model %v, err %v; want no model and context.Canceled", after+1, m != nil, err)
		}
		if ctx.looks != after+1 {
			t.Errorf("cancelled at look %d: the fit looked %d times; want it to stop at the cancellation", after+1, ctx.looks)
		}
	}
}
