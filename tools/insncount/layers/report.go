package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// layerInfo is one "layer" line of a counting run.
type layerInfo struct {
	index              int
	class, op, in, out string
	macs               int64
}

// run is the parsed log of one counting run.
type run struct {
	label, engine string
	// counts holds, per operator index, its instructions in each marked
	// inference.
	counts map[int][]int64
	// totals holds each marked inference's instructions from its start
	// mark to its last mark.
	totals []int64
}

// median returns the median of counts (the upper one of an even count).
func median(counts []int64) int64 {
	if len(counts) == 0 {
		return 0
	}
	s := slices.Clone(counts)
	slices.Sort(s)
	return s[len(s)/2]
}

// parseLog reads a counting run's log, appending the layers it lists to
// *layers when that is still empty.
func parseLog(label string, r io.Reader, layers *[]layerInfo) (*run, error) {
	out := &run{label: label, counts: map[int][]int64{}}
	listed := len(*layers) > 0
	var start, prev int64
	started := false
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) >= 2 && f[0] == "engine":
			out.engine = f[1]
		case len(f) == 7 && f[0] == "layer" && !listed:
			index, err1 := strconv.Atoi(f[1])
			macs, err2 := strconv.ParseInt(f[6], 10, 64)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("%s: bad line %q", label, sc.Text())
			}
			*layers = append(*layers, layerInfo{index: index, class: f[2], op: f[3], in: f[4], out: f[5], macs: macs})
		case len(f) == 3 && f[0] == "insnmark":
			tag, err1 := strconv.Atoi(f[1])
			n, err2 := strconv.ParseInt(f[2], 10, 64)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("%s: bad line %q", label, sc.Text())
			}
			if tag == startMark {
				if started {
					out.totals = append(out.totals, prev-start)
				}
				start, prev, started = n, n, true
				continue
			}
			if !started {
				return nil, fmt.Errorf("%s: mark %d before the first start mark", label, tag)
			}
			out.counts[tag] = append(out.counts[tag], n-prev)
			prev = n
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if !started {
		return nil, fmt.Errorf("%s: no marks (was the plugin loaded?)", label)
	}
	out.totals = append(out.totals, prev-start)
	if out.engine == "" {
		return nil, fmt.Errorf("%s: no engine line", label)
	}
	return out, nil
}

// classes are the report's layer classes, in table order.
var classes = []string{"stem", "1x1", "dw3x3", "3x3", "FC", "other"}

// writeReport tabulates the logs named by args (label=path); see the
// package comment.
func writeReport(w io.Writer, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("-report: no logs")
	}
	var layers []layerInfo
	var runs []*run
	for _, a := range args {
		label, path, ok := strings.Cut(a, "=")
		if !ok {
			return fmt.Errorf("-report: %q is not label=path", a)
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		r, err := parseLog(label, f, &layers)
		f.Close()
		if err != nil {
			return err
		}
		runs = append(runs, r)
	}
	// The compared layers are those every run counted.
	var compared []layerInfo
	for _, l := range layers {
		if !slices.ContainsFunc(runs, func(r *run) bool { return len(r.counts[l.index]) == 0 }) {
			compared = append(compared, l)
		}
	}
	// pairs[k] is the XNNPACK column that percept column k is divided by
	// (the next one), or -1; the ratio follows the XNNPACK column.
	pairs := make([]int, len(runs))
	for k, r := range runs {
		pairs[k] = -1
		if r.engine == "percept" && k+1 < len(runs) && runs[k+1].engine == "xnnpack" {
			pairs[k] = k + 1
		}
	}
	header := func(first string) {
		fmt.Fprint(w, first)
		for k, r := range runs {
			fmt.Fprintf(w, " | %s", r.label)
			if k > 0 && pairs[k-1] == k {
				fmt.Fprintf(w, " | %s / %s", runs[k-1].label, r.label)
			}
		}
		fmt.Fprintln(w, " |")
		fmt.Fprint(w, strings.Repeat("|---", strings.Count(first, "|")))
		for k := range runs {
			fmt.Fprint(w, "|---:")
			if k > 0 && pairs[k-1] == k {
				fmt.Fprint(w, "|---:")
			}
		}
		fmt.Fprintln(w, "|")
	}
	row := func(first string, counts []int64) {
		fmt.Fprint(w, first)
		for k, c := range counts {
			fmt.Fprintf(w, " | %s", millions(c))
			if k > 0 && pairs[k-1] == k {
				fmt.Fprintf(w, " | %s", ratio(counts[k-1], c))
			}
		}
		fmt.Fprintln(w, " |")
	}
	sum := func(keep func(layerInfo) bool) ([]int64, int) {
		out := make([]int64, len(runs))
		n := 0
		for _, l := range compared {
			if !keep(l) {
				continue
			}
			n++
			for k, r := range runs {
				out[k] += median(r.counts[l.index])
			}
		}
		return out, n
	}

	fmt.Fprintf(w, "Millions of instructions per inference, median of the marked inferences; %d layers compared.\n\n", len(compared))
	header("| layer class | layers")
	for _, c := range classes {
		counts, n := sum(func(l layerInfo) bool { return l.class == c })
		if n > 0 {
			row(fmt.Sprintf("| %s | %d", c, n), counts)
		}
	}
	counts, n := sum(func(layerInfo) bool { return true })
	row(fmt.Sprintf("| **all compared layers** | %d", n), counts)
	totals := make([]int64, len(runs))
	for k, r := range runs {
		totals[k] = median(r.totals)
	}
	fmt.Fprint(w, "| whole inference (percept: every operator; XNNPACK: its layers) |")
	for k, t := range totals {
		fmt.Fprintf(w, " | %s", millions(t))
		if k > 0 && pairs[k-1] == k {
			fmt.Fprint(w, " | ")
		}
	}
	fmt.Fprintln(w, " |")

	fmt.Fprintln(w)
	header("| op | class | operator | input → output | MMACs")
	for _, l := range compared {
		counts := make([]int64, len(runs))
		for k, r := range runs {
			counts[k] = median(r.counts[l.index])
		}
		row(fmt.Sprintf("| %d | %s | %s | %s → %s | %.2f", l.index, l.class, l.op, l.in, l.out, float64(l.macs)/1e6), counts)
	}
	return nil
}

// millions formats an instruction count in millions.
func millions(n int64) string { return fmt.Sprintf("%.3f", float64(n)/1e6) }

// ratio formats a / b, or "–" when b is zero.
func ratio(a, b int64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", float64(a)/float64(b))
}
