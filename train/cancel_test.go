package train

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// TestRunCanceledInsideDriverFit is issue 14's bounded shutdown at the training run: SIGTERM
// with --shutdown-timeout 2s waited 18.8 s while a stage ran, because the driver fit (the
// company model's Gibbs sampler) never looked at the context. Cancelled while it fits, the
// stage must return the context's error itself, and the run must end "canceled" with no model
// registered.
func TestRunCanceledInsideDriverFit(t *testing.T) {
	data := salesOnly(t)
	i := slices.IndexFunc(fitters, func(f fitter) bool { return f.name == "driver" })
	saved := fitters[i]
	t.Cleanup(func() { fitters[i] = saved })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stageErr error
	stageRan := false
	fitters[i].fn = func(ctx context.Context, in *inputs) (*candidate, []string, error) {
		cancel() // SIGTERM arrives as the stage starts
		c, warns, err := saved.fn(ctx, in)
		stageRan, stageErr = true, err
		return c, warns, err
	}
	store := openStore(t, t.TempDir())
	rec, err := Run(ctx, store, DefaultConfig(data))
	if !stageRan {
		t.Fatal("the driver stage did not run")
	}
	if !errors.Is(stageErr, context.Canceled) {
		t.Errorf("driver stage cancelled while it fits returned %v; want context.Canceled", stageErr)
	}
	if rec == nil {
		t.Fatalf("run: err %v and no record", err)
	}
	if !errors.Is(err, context.Canceled) || rec.Status != "canceled" {
		t.Errorf("run: err %v, record status %q; want context.Canceled and status canceled", err, rec.Status)
	}
	if len(rec.Models) != 0 {
		t.Errorf("a canceled run registered %d models", len(rec.Models))
	}
}
