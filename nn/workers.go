package nn

import (
	"context"
	"runtime/pprof"
	"sync"
)

// workerPool is a fixed set of goroutines that share the rows of one
// operator at a time. The goroutine that calls parallel does the first share
// itself, so a pool of one thread starts no goroutine at all.
type workerPool struct {
	threads int
	// labels, when set, are the pprof labels the workers take on for the
	// operator being run (set by the profiler between operators).
	labels    context.Context
	tasks     chan rowTask
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// rowTask is one share of an operator's rows.
type rowTask struct {
	fn             func(worker, lo, hi int)
	worker, lo, hi int
	labels         context.Context
}

func newWorkerPool(threads int) *workerPool {
	p := &workerPool{threads: threads}
	if threads > 1 {
		p.tasks = make(chan rowTask, threads)
		for range threads - 1 {
			go p.work()
		}
	}
	return p
}

func (p *workerPool) work() {
	for t := range p.tasks {
		if t.labels != nil {
			pprof.SetGoroutineLabels(t.labels)
		}
		t.fn(t.worker, t.lo, t.hi)
		p.wg.Done()
	}
}

// parallel runs fn over [0, n) split into contiguous shares, one per thread,
// and returns when all are done. Each share gets a distinct worker index
// below the thread count, for per-worker scratch memory. Shares never
// overlap, so the result does not depend on the number of threads.
func (p *workerPool) parallel(n int, fn func(worker, lo, hi int)) {
	k := min(p.threads, n)
	if k <= 1 {
		fn(0, 0, n)
		return
	}
	p.wg.Add(k - 1)
	for i := 1; i < k; i++ {
		p.tasks <- rowTask{fn: fn, worker: i, lo: i * n / k, hi: (i + 1) * n / k, labels: p.labels}
	}
	fn(0, 0, n/k)
	p.wg.Wait()
}

// close stops the workers; it is safe to call more than once.
func (p *workerPool) close() {
	p.closeOnce.Do(func() {
		if p.tasks != nil {
			close(p.tasks)
		}
	})
}
