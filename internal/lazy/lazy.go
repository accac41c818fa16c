// Package lazy holds values computed once, on first use, in the background: every caller
// waits for the same computation, and a caller whose context ends stops waiting without
// stopping it, so the next caller gets its result. It is for results worth keeping that one
// caller's leaving must not throw away (a tenant's opened dataset, a fitted driver model, a
// bootstrap of indicator suggestions), not for work a caller owns — that takes the caller's
// context and stops with it.
package lazy

import (
	"context"
	"sync"
)

// Value is a value computed once by f. The zero Value is not usable: make one with New.
type Value[T any] struct {
	f    func() (T, error)
	once sync.Once
	done chan struct{}
	v    T
	err  error
}

// New returns a Value that f computes on the first Get.
func New[T any](f func() (T, error)) *Value[T] {
	return &Value[T]{f: f, done: make(chan struct{})}
}

// Get starts the computation on its first call and returns its result, or ctx's error if
// ctx ends first (the computation then runs on). Every later Get returns the same result.
func (l *Value[T]) Get(ctx context.Context) (T, error) {
	l.once.Do(func() {
		go func() {
			defer close(l.done)
			l.v, l.err = l.f()
		}()
	})
	select {
	case <-l.done:
		return l.v, l.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}
