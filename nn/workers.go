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
	// it advances task, read by the workers that take a share of it after
	// they see task advance (the caller waits for those before it writes
	// again).
	fn         func(worker, lo, hi int)
	n          int
	taskLabels context.Context

	// task is the operator's generation, advanced once per shared operator
	// and by close, above taskShareBits, and its number of shares below:
	// one word, so that a worker that takes no share of an operator and is
	// still looking at it when the next one starts never reads one's
	// generation with the other's shares.
	task    atomic.Uint64
	pending atomic.Int32 // workers yet to finish their shares of the current operator
	closed  atomic.Bool

	caller    parker   // the invoking goroutine, waiting for pending to reach 0
	workers   []parker // worker i waits on workers[i-1] for task to advance
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

// taskShareBits is how many low bits of workerPool.task hold the shares.
const taskShareBits = 16

// work is worker i's loop: wait for an operator, run its share if it has
// one, report.
func (p *workerPool) work(i int) {
	defer p.exited.Done()
	var seen uint64
	for {
		// A worker at or past GOMAXPROCS takes no share (see parallel),
		// so it parks at once rather than hold a processor spinning.
		p.workers[i-1].await(func() bool { return p.task.Load()>>taskShareBits != seen }, i >= runtime.GOMAXPROCS(0))
		task := p.task.Load()
		seen = task >> taskShareBits
		if p.closed.Load() {
			return
		}
		k := int(task & (1<<taskShareBits - 1))
		if i >= k {
			continue
		}
		if p.taskLabels != nil {
			pprof.SetGoroutineLabels(p.taskLabels)
		}
		p.fn(i, i*p.n/k, (i+1)*p.n/k)
		if p.pending.Add(-1) == 0 {
			p.caller.wake()
		}
	}
}

// parallel runs fn over [0, n) split into contiguous shares and returns
// when all are done: one share per thread, but no more than GOMAXPROCS,
// since goroutines beyond the processors that run them only queue behind
// each other and hand their processors back and forth. Each share gets a
// distinct worker index below the thread count, for per-worker scratch
// memory. Shares never overlap, so the result does not depend on how many
// there are.
func (p *workerPool) parallel(n int, fn func(worker, lo, hi int)) {
	k := min(p.threads, n, runtime.GOMAXPROCS(0), 1<<taskShareBits-1)
	if k <= 1 {
		fn(0, 0, n)
		return
	}
	p.fn, p.n, p.taskLabels = fn, n, p.labels
	p.pending.Store(int32(k - 1))
	p.task.Store((p.task.Load()>>taskShareBits+1)<<taskShareBits | uint64(k))
	for i := range k - 1 {
		p.workers[i].wake()
	}
	fn(0, 0, n/k)
	p.caller.await(func() bool { return p.pending.Load() == 0 }, false)
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
		p.task.Store((p.task.Load()>>taskShareBits + 1) << taskShareBits)
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
