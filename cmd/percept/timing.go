package main

import (
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/nn"
)

// timing is what timeInvokes measured: the distribution of one
// interpreter's inference times and its heap allocations.
type timing struct {
	runs             int
	median, p90, min time.Duration
	allocs           float64 // heap allocations per inference
}

// timeInvokes runs one warm-up inference, resets the interpreter's profile,
// then times n inferences (n ≥ 1) on whatever its inputs hold.
func timeInvokes(it *nn.Interpreter, n int) (timing, error) {
	if err := it.Invoke(); err != nil {
		return timing{}, err
	}
	it.ResetProfile()
	times := make([]time.Duration, n)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range times {
		start := time.Now()
		if err := it.Invoke(); err != nil {
			return timing{}, err
		}
		times[i] = time.Since(start)
	}
	runtime.ReadMemStats(&after)
	slices.Sort(times)
	return timing{
		runs: n, median: times[n/2], p90: times[min(n-1, n*9/10)], min: times[0],
		allocs: float64(after.Mallocs-before.Mallocs) / float64(n),
	}, nil
}

// ms converts a duration to milliseconds, to the microsecond.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// parseTargets reads a -kernels flag: "all" for every target this CPU runs,
// "" for the one nn picks by default, or a comma-separated list of targets.
func parseTargets(list string) ([]string, error) {
	switch list {
	case "all":
		return kernels.Targets(), nil
	case "":
		best, err := kernels.ResolveTarget("")
		return []string{best}, err
	}
	names := strings.Split(list, ",")
	for _, t := range names {
		if _, err := kernels.ResolveTarget(t); err != nil {
			return nil, err
		}
	}
	return names, nil
}

// parseInts reads a comma-separated list of positive integers.
func parseInts(list string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(list, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, v)
	}
	return out, nil
}
