package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/delegate/edgetpu"
	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// benchResult is one line of `percept bench -json`, a contract read by
// tools outside the project.
type benchResult struct {
	Model string `json:"model"`
	// Kernels is the kernel target; with the model's edgetpu-custom-op on
	// an Edge TPU it is "edgetpu:DEVICE+TARGET", TARGET running the other
	// operators.
	Kernels string `json:"kernels"`
	// EdgeTPU is the device (-edgetpu) that ran the model's
	// edgetpu-custom-op, empty for a model run on the CPU alone.
	EdgeTPU  string  `json:"edgetpu,omitempty"`
	Threads  int     `json:"threads"`
	Runs     int     `json:"runs"`
	MedianMs float64 `json:"median_ms"`
	P90Ms    float64 `json:"p90_ms"`
	MinMs    float64 `json:"min_ms"`
	// GMACs counts the multiply-accumulates of the operators percept runs
	// on the CPU: 0 with an Edge TPU, whose program percept cannot count.
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

func benchCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench")
	var modelPaths pathList
	fs.Var(&modelPaths, "model", "model to measure (repeatable); default: every embedded model")
	targets := fs.String("kernels", "all", "kernel targets: all, or a comma-separated list of "+strings.Join(kernels.Targets(), ", ")+
		" (with -edgetpu the default is the target nn picks, for the operators the Edge TPU does not run)")
	threadList := fs.String("threads", "1,2", "comma-separated thread counts")
	runs := fs.Int("n", 10, "timed inferences per configuration, after one warm-up")
	asJSON := fs.Bool("json", false, "print one JSON line per (model, kernels, threads)")
	profile := fs.Bool("profile", false, "print the per-operator profile of each configuration")
	svgPath := fs.String("svg", "", "write a bar chart of median times to this SVG file")
	compare := fs.String("compare", "", "instead, time each convolution and fully connected layer in percept and in this engine, in one process, and print percept's time over its: xnnpack, or xnnpack-avx2 (XNNPACK with the CPU's AVX-512 hidden from it, as on an AVX2-only CPU; needs the xnnpack build tag)")
	tpu := addEdgeTPUFlags(fs)
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	switch {
	case *runs < 1:
		return usageError{fmt.Sprintf("-n %d: want at least 1", *runs)}
	case fs.NArg() > 0:
		return usageError{fmt.Sprintf("unexpected argument %q (models are given with -model)", fs.Arg(0))}
	}
	var c checks
	tpu.check(&c)
	c.require(tpu.fallback == "" || len(modelPaths) == 1, "-fallback %s: give the one model compiled for the Edge TPU with -model", tpu.fallback)
	c.require(tpu.device == "" || *compare == "", "-compare %s times percept's CPU layers: leave out -edgetpu", *compare)
	if c.err != nil {
		return c.err
	}
	threads, err := parseInts(*threadList)
	if err != nil {
		return usageError{"-threads: " + err.Error()}
	}
	if tpu.device != "" && !flagSet(fs, "kernels") {
		*targets = ""
	}
	targetNames, err := parseTargets(*targets)
	if err != nil {
		return usageError{"-kernels: " + err.Error()}
	}
	if tpu.device != "" && tpu.fallback == "" && !edgetpu.Built {
		return fmt.Errorf("-edgetpu %s: %w", tpu.device, edgetpu.ErrNotBuilt)
	}
	if tpu.device != "" && len(modelPaths) == 0 {
		return usageError{fmt.Sprintf("-edgetpu %s: name the model compiled for the Edge TPU with -model (the embedded models run on the CPU)", tpu.device)}
	}
	list := []benchModel{
		{"ssd_mobilenet_v1_coco_quant", func() (*tflite.Model, error) { return tflite.Parse(assets.DetectorModel) }},
		{"mobilenet_v1_0.25_224_quant", func() (*tflite.Model, error) { return tflite.Parse(assets.ClassifierModel) }},
	}
	if len(modelPaths) > 0 {
		list = list[:0]
		for _, p := range modelPaths {
			list = append(list, benchModel{modelName(p), func() (*tflite.Model, error) { return tflite.Open(p) }})
		}
	}

	if *compare != "" {
		return compareBench(stdout, *compare, list, targetNames, threads, *runs, *asJSON)
	}

	peaks := map[string]float64{}
	for _, target := range targetNames {
		peaks[target] = peakGMACs(target)
	}
	var results []benchResult
	for _, bm := range list {
		err := benchOne(bm, tpu, targetNames, threads, *runs, *profile, stderr, func(r benchResult, prof []nn.OpProfile) error {
			results = append(results, r)
			if *asJSON {
				line, _ := json.Marshal(r)
				fmt.Fprintf(stdout, "%s\n", line)
			}
			if *profile {
				fmt.Fprintf(stdout, "\n%s, kernels %s, %d threads:\n", r.Model, r.Kernels, r.Threads)
				return nn.WriteProfile(stdout, prof)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if !*asJSON {
		printBench(stdout, results, peaks)
	}
	if *svgPath != "" {
		return os.WriteFile(*svgPath, benchSVG(results), 0o644)
	}
	return nil
}

// modelName is the name bench shows for the model file path.
func modelName(path string) string { return strings.TrimSuffix(filepath.Base(path), ".tflite") }

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// benchOne measures one model for every kernel target and thread count
// and hands each result to done. With -edgetpu, a model that has an
// edgetpu-custom-op runs it on the device; where no Edge TPU can be used,
// the -fallback model is measured instead, with a notice on stderr, and
// without -fallback that is the error.
func benchOne(bm benchModel, tpu *edgeTPUFlags, targets []string, threads []int, runs int, profile bool, stderr io.Writer,
	done func(benchResult, []nn.OpProfile) error) error {
	m, err := bm.open()
	if err != nil {
		return fmt.Errorf("%s: %w", bm.name, err)
	}
	defer func() { m.Close() }()
	device := ""
	if tpu.device != "" {
		if hasEdgeTPUOp(m) {
			device = tpu.device
		} else {
			tpu.checkModel(m, "bench", stderr)
		}
	}
	for _, target := range targets {
		for _, t := range threads {
			opts := nn.Options{Kernels: target, Threads: t, Profile: profile, EdgeTPU: device}
			r, prof, err := measure(m, bm.name, opts, runs)
			if err != nil && device != "" && tpu.fallback != "" && models.EdgeTPUUnavailable(err) {
				fb, ferr := tflite.Open(tpu.fallback)
				if ferr != nil {
					return fmt.Errorf("%s: %w; -fallback: %w", bm.name, err, ferr)
				}
				tpu.notice(stderr, "bench", err)
				m.Close()
				m, bm.name, device = fb, modelName(tpu.fallback), ""
				opts.EdgeTPU = ""
				r, prof, err = measure(m, bm.name, opts, runs)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", bm.name, err)
			}
			if err := done(r, prof); err != nil {
				return err
			}
		}
	}
	return nil
}

// measure runs one warm-up and n timed inferences of one configuration.
func measure(m *tflite.Model, name string, opts nn.Options, n int) (benchResult, []nn.OpProfile, error) {
	it, err := nn.New(m, &opts)
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
	r := benchResult{
		Model: name, Kernels: opts.Kernels, Threads: opts.Threads, Runs: n,
		MedianMs: ms(tm.median), P90Ms: ms(tm.p90), MinMs: ms(tm.min),
		GMACs:              float64(it.MACs()) / tm.median.Seconds() / 1e9,
		AllocsPerInference: allocs,
		ArenaBytes:         mem.ArenaBytes, ArenaLowerBound: mem.LowerBoundBytes,
	}
	if opts.EdgeTPU != "" {
		r.Kernels, r.EdgeTPU, r.GMACs = edgeTPUKernels(opts.EdgeTPU, opts.Kernels), opts.EdgeTPU, 0
	}
	return r, it.Profile(), nil
}

// edgeTPUKernels labels a configuration whose edgetpu-custom-op runs on
// device and whose other operators run on the kernel target.
func edgeTPUKernels(device, target string) string { return "edgetpu:" + device + "+" + target }

func printBench(w io.Writer, results []benchResult, peaks map[string]float64) {
	fmt.Fprintf(w, "percept bench: %s/%s, %d cores available\n", runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0))
	for _, target := range slices.Sorted(maps.Keys(peaks)) {
		fmt.Fprintf(w, "kernels %s: probe peak %.2f GMAC/s per thread\n", target, peaks[target])
	}
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tkernels\tthreads\tmedian ms\tp90 ms\tmin ms\tinf/s\tGMAC/s\tof peak\tallocs/inf\tarena KiB\tlower bound KiB\t")
	for _, r := range results {
		// The Edge TPU's multiply-accumulates are not known: no rate.
		rate, share := "-", "-"
		if r.EdgeTPU == "" {
			rate = fmt.Sprintf("%.2f", r.GMACs)
			share = fmt.Sprintf("%.0f%%", 100*r.GMACs/(peaks[r.Kernels]*float64(r.Threads)))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.2f\t%.2f\t%.2f\t%.1f\t%s\t%s\t%.1f\t%d\t%d\t\n",
			r.Model, r.Kernels, r.Threads, r.MedianMs, r.P90Ms, r.MinMs, 1000/r.MedianMs, rate, share,
			r.AllocsPerInference, r.ArenaBytes/1024, r.ArenaLowerBound/1024)
	}
	tw.Flush()
}

// benchSVG draws one horizontal bar per configuration, its length the
// median time, its colour the kernel target's (one colour for every
// configuration with an Edge TPU).
func benchSVG(results []benchResult) []byte {
	const rowH, barW = 22, 420
	longest := 0.0
	labels := make([]string, len(results))
	labelW := 200
	for i, r := range results {
		longest = max(longest, r.MedianMs)
		labels[i] = fmt.Sprintf("%s · %s · %d thr", r.Model, r.Kernels, r.Threads)
		labelW = max(labelW, 7*utf8.RuneCountInString(labels[i])+16)
	}
	var b strings.Builder
	svgOpen(&b, labelW+barW+90, rowH*len(results)+40, fmt.Sprintf("percept bench: median ms per inference (%s/%s)", runtime.GOOS, runtime.GOARCH))
	for i, r := range results {
		y := 30 + i*rowH
		w := 0.0
		if longest > 0 {
			w = r.MedianMs / longest * barW
		}
		color := edgeTPUColor
		if r.EdgeTPU == "" {
			color = plotColors[max(0, slices.Index(kernels.Targets(), r.Kernels))%len(plotColors)]
		}
		fmt.Fprintf(&b, `<text x="4" y="%d">%s</text>`, y+14, xmlEscape(labels[i]))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`, labelW, y+2, w, rowH-6, color)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`+"\n", float64(labelW)+w+4, y+14, barValue(r.MedianMs))
	}
	b.WriteString("</svg>\n")
	return []byte(b.String())
}

// barValue formats a bar's milliseconds to three significant digits
// from 1 ms up (0.01 ms below).
func barValue(ms float64) string {
	switch {
	case ms < 10:
		return fmt.Sprintf("%.2f", ms)
	case ms < 100:
		return fmt.Sprintf("%.1f", ms)
	}
	return fmt.Sprintf("%.0f", ms)
}

// edgeTPUColor is the colour of the bars of configurations with an Edge
// TPU: dark grey, apart from the kernel targets' plotColors.
const edgeTPUColor = "#333333"

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
