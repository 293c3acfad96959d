package nn

import (
	"math/rand"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestWorkerPoolHandsOverEveryShare runs many small operators through
// pools of 2 to 4 threads with pauses between them that keep the workers
// spinning, let them park, or catch them parking, while GOMAXPROCS
// changes: every index is covered exactly once, by worker numbers that
// are distinct and below the thread count, and parallel always returns
// (a lost wake-up hangs the test until its deadline).
func TestWorkerPoolHandsOverEveryShare(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rounds := 800
	if testing.Short() {
		rounds = 300
	}
	r := rand.New(rand.NewSource(1))
	pauses := []time.Duration{0, spinWait / 4, spinWait, 3 * spinWait}
	for threads := 2; threads <= 4; threads++ {
		p := newWorkerPool(threads)
		for round := range rounds {
			if round%100 == 0 {
				runtime.GOMAXPROCS(1 + r.Intn(threads))
			}
			n := 1 + r.Intn(9)
			covered := make([]int, n)
			byWorker := make([]int, threads)
			p.parallel(n, func(worker, lo, hi int) {
				byWorker[worker]++
				for i := lo; i < hi; i++ {
					covered[i]++
				}
			})
			for i, c := range covered {
				require.Equal(t, 1, c, "threads %d, round %d: index %d of %d covered %d times", threads, round, i, n, c)
			}
			for w, c := range byWorker {
				require.LessOrEqual(t, c, 1, "threads %d, round %d: worker %d ran %d shares", threads, round, w, c)
			}
			if d := pauses[r.Intn(len(pauses))]; d > 0 {
				time.Sleep(d)
			}
		}
		p.close()
	}
}
