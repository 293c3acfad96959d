package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// benchResult is one line of `percept bench -json`, a contract read by
// tools outside the project.
type benchResult struct {
	Model              string  `json:"model"`
	Kernels            string  `json:"kernels"`
	Threads            int     `json:"threads"`
	Runs               int     `json:"runs"`
	MedianMs           float64 `json:"median_ms"`
	P90Ms              float64 `json:"p90_ms"`
	MinMs              float64 `json:"min_ms"`
	GMACs              float64 `json:"gmacs"`
	AllocsPerInference float64 `json:"allocs_per_inference"`
	ArenaBytes         int     `json:"arena_bytes"`
	ArenaLowerBound    int     `json:"arena_lower_bound_bytes"`
}

// benchModel is a model to measure and its display name.
type benchModel struct {
	name string
	open func() (*tflite.Model, error)
}

func benchCmd(args []string, stdout io.Writer) error {
	fs := newFlags("bench")
	var modelPaths pathList
	fs.Var(&modelPaths, "model", "model to measure (repeatable); default: every embedded model")
	targets := fs.String("kernels", "all", "kernel targets: all, or a comma-separated list of "+strings.Join(kernels.Targets(), ", "))
	threadList := fs.String("threads", "1,2", "comma-separated thread counts")
	runs := fs.Int("n", 10, "timed inferences per configuration, after one warm-up")
	asJSON := fs.Bool("json", false, "print one JSON line per (model, kernels, threads)")
	profile := fs.Bool("profile", false, "print the per-operator profile of each configuration")
	svgPath := fs.String("svg", "", "write a bar chart of median times to this SVG file")
	compare := fs.String("compare", "", "instead, time each convolution and fully connected layer in percept and in this engine, in one process, and print percept's time over its: xnnpack (needs the xnnpack build tag)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	switch {
	case *runs < 1:
		return usageError{fmt.Sprintf("-n %d: want at least 1", *runs)}
	case fs.NArg() > 0:
		return usageError{fmt.Sprintf("unexpected argument %q (models are given with -model)", fs.Arg(0))}
	}
	threads, err := parseInts(*threadList)
	if err != nil {
		return usageError{"-threads: " + err.Error()}
	}
	targetNames, err := parseTargets(*targets)
	if err != nil {
		return usageError{"-kernels: " + err.Error()}
	}
	models := []benchModel{
		{"ssd_mobilenet_v1_coco_quant", func() (*tflite.Model, error) { return tflite.Parse(assets.DetectorModel) }},
		{"mobilenet_v1_0.25_224_quant", func() (*tflite.Model, error) { return tflite.Parse(assets.ClassifierModel) }},
	}
	if len(modelPaths) > 0 {
		models = models[:0]
		for _, p := range modelPaths {
			models = append(models, benchModel{strings.TrimSuffix(filepath.Base(p), ".tflite"), func() (*tflite.Model, error) { return tflite.Open(p) }})
		}
	}

	if *compare != "" {
		return compareBench(stdout, *compare, models, targetNames, threads, *runs, *asJSON)
	}

	peaks := map[string]float64{}
	for _, target := range targetNames {
		peaks[target] = peakGMACs(target)
	}
	var results []benchResult
	for _, bm := range models {
		m, err := bm.open()
		if err != nil {
			return fmt.Errorf("%s: %w", bm.name, err)
		}
		for _, target := range targetNames {
			for _, t := range threads {
				r, prof, err := measure(m, bm.name, target, t, *runs, *profile)
				if err != nil {
					m.Close()
					return fmt.Errorf("%s: %w", bm.name, err)
				}
				results = append(results, r)
				if *asJSON {
					line, _ := json.Marshal(r)
					fmt.Fprintf(stdout, "%s\n", line)
				}
				if *profile {
					fmt.Fprintf(stdout, "\n%s, kernels %s, %d threads:\n", bm.name, target, t)
					if err := nn.WriteProfile(stdout, prof); err != nil {
						return err
					}
				}
			}
		}
		m.Close()
	}
	if !*asJSON {
		printBench(stdout, results, peaks)
	}
	if *svgPath != "" {
		return os.WriteFile(*svgPath, benchSVG(results), 0o644)
	}
	return nil
}

// measure runs one warm-up and n timed inferences of one configuration.
func measure(m *tflite.Model, name, target string, threads, n int, profile bool) (benchResult, []nn.OpProfile, error) {
	it, err := nn.New(m, &nn.Options{Kernels: target, Threads: threads, Profile: profile})
	if err != nil {
		return benchResult{}, nil, err
	}
	defer it.Close()
	tms, allocs, err := timeInvokes([]*nn.Interpreter{it}, n)
	if err != nil {
		return benchResult{}, nil, err
	}
	tm := tms[0]
	mem := it.Memory()
	return benchResult{
		Model: name, Kernels: target, Threads: threads, Runs: n,
		MedianMs: ms(tm.median), P90Ms: ms(tm.p90), MinMs: ms(tm.min),
		GMACs:              float64(it.MACs()) / tm.median.Seconds() / 1e9,
		AllocsPerInference: allocs,
		ArenaBytes:         mem.ArenaBytes, ArenaLowerBound: mem.LowerBoundBytes,
	}, it.Profile(), nil
}

func printBench(w io.Writer, results []benchResult, peaks map[string]float64) {
	fmt.Fprintf(w, "percept bench: %s/%s, %d cores available\n", runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0))
	for target, peak := range peaks {
		fmt.Fprintf(w, "kernels %s: probe peak %.2f GMAC/s per thread\n", target, peak)
	}
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tkernels\tthreads\tmedian ms\tp90 ms\tmin ms\tinf/s\tGMAC/s\tof peak\tallocs/inf\tarena KiB\tlower bound KiB\t")
	for _, r := range results {
		share := r.GMACs / (peaks[r.Kernels] * float64(r.Threads))
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.2f\t%.2f\t%.2f\t%.1f\t%.2f\t%.0f%%\t%.1f\t%d\t%d\t\n",
			r.Model, r.Kernels, r.Threads, r.MedianMs, r.P90Ms, r.MinMs, 1000/r.MedianMs, r.GMACs, 100*share,
			r.AllocsPerInference, r.ArenaBytes/1024, r.ArenaLowerBound/1024)
	}
	tw.Flush()
}

// benchSVG draws one horizontal bar per configuration, its length the
// median time.
func benchSVG(results []benchResult) []byte {
	const rowH, labelW, barW = 22, 380, 420
	longest := 0.0
	for _, r := range results {
		longest = max(longest, r.MedianMs)
	}
	var b strings.Builder
	svgOpen(&b, labelW+barW+90, rowH*len(results)+40, fmt.Sprintf("percept bench: median ms per inference (%s/%s)", runtime.GOOS, runtime.GOARCH))
	for i, r := range results {
		y := 30 + i*rowH
		w := 0.0
		if longest > 0 {
			w = r.MedianMs / longest * barW
		}
		color := plotColors[slices.Index(kernels.Targets(), r.Kernels)%len(plotColors)]
		fmt.Fprintf(&b, `<text x="4" y="%d">%s · %s · %d thr</text>`, y+14, xmlEscape(r.Model), r.Kernels, r.Threads)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`, labelW, y+2, w, rowH-6, color)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%.1f</text>`+"\n", float64(labelW)+w+4, y+14, r.MedianMs)
	}
	b.WriteString("</svg>\n")
	return []byte(b.String())
}

// peakGMACs measures, in billions of multiply-accumulates per second on one
// thread, the best case of a kernel target's quantized convolution: a 1×1
// uint8 convolution on operands that fit in the L1 and L2 caches. bench
// reports each model's rate as a share of it. The probe takes about 0.1 s.
func peakGMACs(target string) float64 {
	in := kernels.Shape4{N: 1, H: 8, W: 8, C: 256}
	fs := kernels.Shape4{N: 256, H: 1, W: 1, C: 256}
	out := kernels.Shape4{N: 1, H: 8, W: 8, C: 256}
	mult := make([]int32, fs.N)
	shift := make([]int, fs.N)
	for i := range mult {
		mult[i], shift[i] = 1<<30, -8
	}
	r := &kernels.Requant{InputOffset: -128, FilterOffset: -128, OutputOffset: 128, Multiplier: mult, Shift: shift, ActMin: 0, ActMax: 255}
	src, w, dst := make([]uint8, in.Size()), make([]uint8, fs.Size()), make([]uint8, out.Size())
	for i := range src {
		src[i] = uint8(i * 7)
	}
	for i := range w {
		w[i] = uint8(i * 13)
	}
	p := &kernels.ConvGeometry{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1}
	l := kernels.NewConvQ(target, 1, p, r, in, fs, out, w, nil)
	macs := float64(out.Size() * fs.C)
	best := math.Inf(1)
	deadline := time.Now().Add(100 * time.Millisecond)
	for time.Now().Before(deadline) {
		start := time.Now()
		l.Run(0, src, dst, 0, l.Rows())
		best = min(best, time.Since(start).Seconds())
	}
	return macs / best / 1e9
}
