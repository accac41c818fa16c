package workpool

import (
	"context"
	"sync/atomic"
	"testing"
)

func TestRunEveryJobOnceWithProgress(t *testing.T) {
	const n = 50
	var ran [n]atomic.Int32
	var last int
	calls := 0
	err := Run(context.Background(), 3, n, func(i int) { ran[i].Add(1) }, func(done, i int) {
		calls++
		if done != last+1 {
			t.Errorf("progress done %d after %d", done, last)
		}
		last = done
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range ran {
		if got := ran[i].Load(); got != 1 {
			t.Errorf("job %d ran %d times", i, got)
		}
	}
	if calls != n || last != n {
		t.Errorf("progress called %d times, last done %d; want %d", calls, last, n)
	}
}

func TestRunStopsStartingJobsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var ran atomic.Int32
	err := Run(ctx, 1, 100, func(i int) {
		if ran.Add(1) == 3 {
			cancel()
		}
	}, nil)
	if err != context.Canceled {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if got := ran.Load(); got >= 100 || got < 3 {
		t.Errorf("%d jobs ran after cancel at the third", got)
	}
}
