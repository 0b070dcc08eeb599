package plan

import (
	"context"
	"sync"
)

// ordered runs work(i) for i in [0, n), starting them in index order with
// at most limit running at once, and hands each result to emit in index
// order as soon as it and every result before it are ready. When emit
// returns an error, the remaining work is cancelled (work sees ctx end)
// and that error returned.
func ordered[T any](ctx context.Context, n, limit int, work func(ctx context.Context, i int) T, emit func(T) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	results := make([]T, n)
	done := make([]chan struct{}, n)
	for i := range done {
		done[i] = make(chan struct{})
	}
	sem := make(chan struct{}, max(limit, 1))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the dispatcher: starts work in index order
		defer wg.Done()
		for i := range n {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer close(done[i])
				defer func() { <-sem }()
				results[i] = work(ctx, i)
			}()
		}
	}()
	defer wg.Wait()
	for i := range n {
		<-done[i]
		if err := emit(results[i]); err != nil {
			cancel()
			return err
		}
	}
	return nil
}
