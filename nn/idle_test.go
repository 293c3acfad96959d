//go:build linux || darwin

package nn

import (
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/tflite"
)

// cpuTime is the user and system CPU time the process has used.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	require.NoError(t, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestIdleInterpreterSpendsNoCPU: workers that spin between operators park
// soon after an inference, so an interpreter waiting for its next input (a
// robot between camera frames) costs next to no CPU: under 1% of a core
// over 2 s.
func TestIdleInterpreterSpendsNoCPU(t *testing.T) {
	if testing.Short() {
		t.Skip("sleeps 2 s per thread count")
	}
	m, err := tflite.Parse(assets.ClassifierModel)
	require.NoError(t, err)
	for _, threads := range []int{2, 3} {
		it, err := New(m, &Options{Threads: threads})
		require.NoError(t, err)
		for range 10 {
			require.NoError(t, it.Invoke())
		}
		const idle = 2 * time.Second
		start := cpuTime(t)
		time.Sleep(idle)
		used := cpuTime(t) - start
		t.Logf("%d threads: %v CPU in %v idle", threads, used, idle)
		require.Less(t, used, idle/100, "%d threads: CPU used while idle", threads)
		require.NoError(t, it.Close())
	}
}
