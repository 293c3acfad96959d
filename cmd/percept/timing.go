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

// timing is what timeInvokes measured of one interpreter: the
// distribution of its inference times.
type timing struct {
	runs             int
	median, p90, min time.Duration
}

// timeInvokes runs one warm-up inference of each interpreter and resets
// its profile, then n rounds (n ≥ 1) that each time one inference of every
// interpreter in turn, on whatever their inputs hold: a machine whose speed
// drifts while they run (other work, frequency changes) weighs on all
// alike. It also returns the heap allocations per inference, over all.
func timeInvokes(its []*nn.Interpreter, n int) ([]timing, float64, error) {
	for _, it := range its {
		if err := it.Invoke(); err != nil {
			return nil, 0, err
		}
		it.ResetProfile()
	}
	times := make([][]time.Duration, len(its))
	for k := range times {
		times[k] = make([]time.Duration, n)
	}
	var before, after runtime.MemStats
	// The first ReadMemStats may start an OS thread for the world it stops
	// (a one-time runtime cost, not the inferences'): read twice.
	runtime.ReadMemStats(&before)
	runtime.ReadMemStats(&before)
	for i := range n {
		for k, it := range its {
			start := time.Now()
			if err := it.Invoke(); err != nil {
				return nil, 0, err
			}
			times[k][i] = time.Since(start)
		}
	}
	runtime.ReadMemStats(&after)
	out := make([]timing, len(its))
	for k, ts := range times {
		slices.Sort(ts)
		out[k] = timing{runs: n, median: ts[n/2], p90: ts[min(n-1, n*9/10)], min: ts[0]}
	}
	return out, float64(after.Mallocs-before.Mallocs) / float64(n*len(its)), nil
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
