package lazy

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestValueComputesOnceAndOutlivesACancelledCaller(t *testing.T) {
	var calls atomic.Int32
	release := make(chan struct{})
	v := New(func() (int, error) {
		calls.Add(1)
		<-release
		return 42, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := v.Get(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: err %v, want context.Canceled", err)
	}
	close(release)
	got, err := v.Get(context.Background())
	if err != nil || got != 42 {
		t.Fatalf("Get = %d, %v; want 42", got, err)
	}
	if got, _ := v.Get(context.Background()); got != 42 || calls.Load() != 1 {
		t.Errorf("second Get = %d after %d computations, want 42 after 1", got, calls.Load())
	}
}

func TestValueKeepsTheError(t *testing.T) {
	boom := errors.New("boom")
	v := New(func() (string, error) { return "", boom })
	for range 2 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if _, err := v.Get(ctx); !errors.Is(err, boom) {
			t.Errorf("err %v, want boom", err)
		}
		cancel()
	}
}
