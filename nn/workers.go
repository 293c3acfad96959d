package nn

import (
	"context"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"
)

// spinWait is how long a worker that has finished its share keeps looking
// for the next operator before it parks, and how long the invoking
// goroutine looks for the workers to finish before it parks. Operators
// follow each other within it, so the workers of an inference are woken
// about once per Invoke rather than once per operator, and an idle
// interpreter spends no CPU after it.
const spinWait = 100 * time.Microsecond

// workerPool is a fixed set of goroutines that share the rows of one
// operator at a time. The goroutine that calls parallel does the first share
// itself, so a pool of one thread starts no goroutine at all.
//
// Handing an operator over and waiting for it allocates nothing: the pool
// signals through atomics while its goroutines spin, and parks them on
// pipes (read through the runtime's network poller) rather than on
// channels or sync primitives, whose waits take runtime records from
// per-processor caches that run dry and are refilled with new allocations.
type workerPool struct {
	threads int
	// labels, when set, are the pprof labels the workers take on for the
	// operator being run (set by the profiler between operators).
	labels context.Context

	// The operator being shared: written by the invoking goroutine before
	// it advances gen, read by the workers after they see gen advance.
	fn         func(worker, lo, hi int)
	n          int
	taskLabels context.Context

	gen atomic.Uint64 // advanced once per shared operator, and by close
	// noSpin is set while the pool has more goroutines than GOMAXPROCS:
	// then a spinning goroutine would hold a processor a working one
	// needs, so they park at once.
	noSpin  atomic.Bool
	pending atomic.Int32 // workers yet to finish the current operator
	closed  atomic.Bool

	caller    parker   // the invoking goroutine, waiting for pending to reach 0
	workers   []parker // worker i waits on workers[i-1] for gen to advance
	exited    sync.WaitGroup
	closeOnce sync.Once
}

func newWorkerPool(threads int) *workerPool {
	p := &workerPool{threads: threads}
	if threads > 1 {
		p.caller.init()
		p.workers = make([]parker, threads-1)
		p.exited.Add(threads - 1)
		for i := range p.workers {
			p.workers[i].init()
			go p.work(i + 1)
		}
	}
	return p
}

// work is worker i's loop: wait for an operator, run its share, report.
func (p *workerPool) work(i int) {
	defer p.exited.Done()
	var seen uint64
	for {
		p.workers[i-1].await(func() bool { return p.gen.Load() != seen }, p.noSpin.Load())
		seen = p.gen.Load()
		if p.closed.Load() {
			return
		}
		if p.taskLabels != nil {
			pprof.SetGoroutineLabels(p.taskLabels)
		}
		if k := min(p.threads, p.n); i < k {
			p.fn(i, i*p.n/k, (i+1)*p.n/k)
		}
		if p.pending.Add(-1) == 0 {
			p.caller.wake()
		}
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
	p.fn, p.n, p.taskLabels = fn, n, p.labels
	p.noSpin.Store(p.threads > runtime.GOMAXPROCS(0))
	p.pending.Store(int32(len(p.workers)))
	p.gen.Add(1)
	for i := range p.workers {
		p.workers[i].wake()
	}
	fn(0, 0, n/k)
	p.caller.await(func() bool { return p.pending.Load() == 0 }, p.noSpin.Load())
	// Hold no operator between inferences: it would keep what it refers
	// to reachable from the workers.
	p.fn, p.taskLabels = nil, nil
}

// close stops the workers and waits for them to return; it is safe to call
// more than once, but not during parallel.
func (p *workerPool) close() {
	p.closeOnce.Do(func() {
		if p.workers == nil {
			return
		}
		p.closed.Store(true)
		p.gen.Add(1)
		for i := range p.workers {
			p.workers[i].wake()
		}
		p.exited.Wait()
		p.caller.close()
		for i := range p.workers {
			p.workers[i].close()
		}
	})
}

// Parker states.
const (
	running int32 = iota // spinning or working
	parked               // blocked, or about to block, in sleep
	woken                // a waker took it out of parked and signals it
)

// parker is where one goroutine of a pool waits: it spins for spinWait,
// then blocks reading a byte from a pipe that wake writes to. On platforms
// without pipes it blocks on a channel instead.
type parker struct {
	state atomic.Int32
	r, w  *os.File
	ch    chan struct{}
	buf   [1]byte
}

// wakeByte is what wake writes.
var wakeByte = []byte{1}

func (k *parker) init() {
	r, w, err := os.Pipe()
	if err != nil {
		k.ch = make(chan struct{}, 1)
		return
	}
	k.r, k.w = r, w
}

// await returns once done reports true: done turns true only before a
// wake, which is how the waiting goroutine learns of it when parked. It
// spins for spinWait first unless noSpin is set.
func (k *parker) await(done func() bool, noSpin bool) {
	start := time.Now()
	for !done() {
		if noSpin || time.Since(start) >= spinWait {
			k.sleep(done)
			start = time.Now()
		}
	}
}

// sleep blocks until a wake, unless done is already true. The wake may be
// for an earlier condition (a waker that was slow to look at the state),
// so the caller checks done again.
func (k *parker) sleep(done func() bool) {
	k.state.Store(parked)
	// A waker makes done true, then looks at the state: either it sees
	// parked, or this sees done.
	if done() && k.state.CompareAndSwap(parked, running) {
		return
	}
	if k.ch != nil {
		<-k.ch
	} else {
		// Reads of a pipe only this pool writes to, with at most one
		// byte in it, end with that byte.
		_, _ = k.r.Read(k.buf[:])
	}
	k.state.Store(running)
}

// wake signals the parker's goroutine if it is parked, after the caller
// made its condition true.
func (k *parker) wake() {
	if k.state.Load() != parked || !k.state.CompareAndSwap(parked, woken) {
		return
	}
	if k.ch != nil {
		k.ch <- struct{}{}
	} else {
		_, _ = k.w.Write(wakeByte)
	}
}

// close releases the pipe, once its goroutine no longer waits.
func (k *parker) close() {
	if k.r != nil {
		k.r.Close()
		k.w.Close()
	}
}
