// Package workpool runs n independent jobs on a fixed number of goroutines, reporting progress
// after each one. It is the loop the evaluators (company, root-cause, pipeline) share; it must
// not know what a job is.
package workpool

import (
	"context"
	"sync"
)

// Run calls job(i) for i in 0..n−1 on max(workers, 1) goroutines. After each job, progress
// (when not nil) is called with the number done so far and that job's index, one call at a time.
// No new job starts once ctx ends; Run then returns ctx's error after the running ones finish.
// job must be safe to call concurrently for different i.
func Run(ctx context.Context, workers, n int, job func(i int), progress func(done, i int)) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		done int
	)
	next := make(chan int)
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				job(i)
				mu.Lock()
				done++
				if progress != nil {
					progress(done, i)
				}
				mu.Unlock()
			}
		}()
	}
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return ctx.Err()
}
