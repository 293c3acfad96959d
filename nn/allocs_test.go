package nn

import (
	"runtime"
	"runtime/metrics"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/tflite"
)

// TestInvokeMallocsNothing counts the heap allocations of the whole process
// (runtime.MemStats.Mallocs, which counts every goroutine's, the workers'
// and the runtime's own) over many inferences of every embedded model with
// 1, 2 and 3 threads (1000 of the detector and the classifier, 100 of
// the pose, face and segmentation models, which take longer): there must be
// none, not merely fewer than one per Invoke on average. It runs in no
// parallel group, so nothing else allocates meanwhile.
func TestInvokeMallocsNothing(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("1000 inferences per configuration are for the full run (the race detector allocates)")
	}
	// Collect first: the runtime's first collection starts background
	// workers, which allocate, and earlier tests' cleanups run. (A
	// collection also empties the runtime's central cache of wait records,
	// sudogs, which a pool that parks on channels or sync primitives
	// allocates again to refill.)
	runtime.GC()
	models := []struct {
		name string
		data []byte
		runs int
	}{
		{"classifier", assets.ClassifierModel, 1000},
		{"detector", assets.DetectorModel, 1000},
		{"pose", assets.PoseModel, 100},
		{"faces", assets.FaceModel, 100},
		{"segmenter", assets.SegmenterModel, 100},
	}
	for _, model := range models {
		name, data := model.name, model.data
		m, err := tflite.Parse(data)
		require.NoError(t, err)
		for _, threads := range []int{1, 2, 3} {
			it, err := New(m, &Options{Threads: threads})
			require.NoError(t, err)
			// The runtime allocates once in a process's life as it first
			// needs a thread (an M) or a processor first holds a timer:
			// settle invokes until 50 inferences in a row allocate
			// nothing.
			settle := func() {
				for range 20 {
					if mallocs(func() { invokeN(t, it, 50) }) == 0 {
						return
					}
				}
			}
			settle()
			// A window in which the runtime started a thread (its first
			// ever need for one more) or its background scavenger
			// returned memory (its timer allocates) is measured again,
			// up to 5 times.
			var n uint64
			for range 5 {
				before := runtimeActivity()
				n = mallocs(func() { invokeN(t, it, model.runs) })
				if runtimeActivity() == before {
					break
				}
			}
			require.Zero(t, n, "%s, %d threads: heap allocations in %d inferences", name, threads, model.runs)
			require.NoError(t, it.Close())
		}
	}
}

// invokeN invokes it n times and fails t after them if an Invoke failed
// (calling require.NoError for each would allocate, as it records a new
// helper's call site).
func invokeN(t *testing.T, it *Interpreter, n int) {
	var err error
	for range n {
		if e := it.Invoke(); e != nil {
			err = e
		}
	}
	require.NoError(t, err)
}

// mallocs is the number of heap allocations of the process while f runs.
func mallocs(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	// The first ReadMemStats may start a thread as it restarts the
	// world, which allocates; the second starts none.
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.Mallocs - before.Mallocs
}

// runtimeActivity is the number of OS threads the runtime has started and
// the heap memory it has returned to the OS.
func runtimeActivity() [2]uint64 {
	s := []metrics.Sample{{Name: "/sched/threads/total:threads"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	return [2]uint64{s[0].Value.Uint64(), s[1].Value.Uint64()}
}
