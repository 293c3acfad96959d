//go:build xnnpack

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/percept-robotics/percept/internal/xnnpack"
)

// compareJSON is one line of `percept bench -compare xnnpack -json`: the
// comparison of one model at one thread count.
type compareJSON struct {
	Model          string             `json:"model"`
	Engine         string             `json:"engine"`
	EngineAVX512   bool               `json:"engine_avx512"` // whether XNNPACK could use AVX-512
	Kernels        []string           `json:"kernels"`
	Threads        int                `json:"threads"`
	Runs           int                `json:"runs"`
	Layers         []compareLayerJSON `json:"layers"`
	EngineMs       float64            `json:"engine_ms"`        // sum of the layers' medians
	PerceptMs      []float64          `json:"percept_ms"`       // per kernel target, sum of the layers' medians
	Ratio          []float64          `json:"ratio"`            // per kernel target, percept over engine
	PerceptModelMs []float64          `json:"percept_model_ms"` // per kernel target, whole inference
	Skipped        []string           `json:"skipped,omitempty"`
}

// compareLayerJSON is one layer of a compareJSON.
type compareLayerJSON struct {
	Index      int       `json:"index"`
	Op         string    `json:"op"`
	EngineKind string    `json:"engine_kind"`
	Shape      []int     `json:"shape"`
	MMACs      float64   `json:"mmacs"`
	EngineMs   float64   `json:"engine_ms"`
	PerceptMs  []float64 `json:"percept_ms"`
	Ratio      []float64 `json:"ratio"`
	Elements   int       `json:"elements"`
	Differing  int       `json:"differing"`
	MaxDiff    float64   `json:"max_diff"`
	Clamped    int       `json:"clamped"`
}

// compareEngines are the engines -compare accepts, by the XNNPACK
// instruction sets they stand for: xnnpack-avx2 is XNNPACK as it runs on
// an AVX2-only CPU, the anchor for percept's avx2 target on an AVX-512
// machine.
var compareEngines = map[string]xnnpack.ISA{"xnnpack": xnnpack.Native, "xnnpack-avx2": xnnpack.AVX2}

// compareBench is `percept bench -compare xnnpack`: for every model and
// thread count, the per-layer times of percept's kernel targets against
// XNNPACK's operators for the same layers, and their agreement.
func compareBench(w io.Writer, engine string, models []benchModel, targets []string, threads []int, runs int, asJSON bool) error {
	isa, ok := compareEngines[engine]
	if !ok {
		return usageError{fmt.Sprintf("-compare: unknown engine %q (known: xnnpack, xnnpack-avx2)", engine)}
	}
	for _, bm := range models {
		m, err := bm.open()
		if err != nil {
			return fmt.Errorf("%s: %w", bm.name, err)
		}
		for _, t := range threads {
			res, err := xnnpack.Compare(m, &xnnpack.Options{Kernels: targets, Threads: t, Runs: runs, ISA: isa})
			if err != nil {
				m.Close()
				return fmt.Errorf("%s: %w", bm.name, err)
			}
			if asJSON {
				line, err := json.Marshal(comparisonJSON(bm.name, engine, res))
				if err != nil {
					m.Close()
					return err
				}
				fmt.Fprintf(w, "%s\n", line)
			} else {
				printComparison(w, bm.name, engine, res)
			}
		}
		m.Close()
	}
	return nil
}

// durationMs converts a duration to milliseconds.
func durationMs(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// durationRatio returns a over b, or 0 when b is 0.
func durationRatio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// comparisonJSON converts a comparison for -json.
func comparisonJSON(model, engine string, res *xnnpack.Result) compareJSON {
	out := compareJSON{
		Model: model, Engine: engine, EngineAVX512: res.XNNPACKAVX512, Kernels: res.Kernels, Threads: res.Threads, Runs: res.Runs,
		EngineMs: durationMs(res.XNNPACK),
	}
	for k := range res.Kernels {
		out.PerceptMs = append(out.PerceptMs, durationMs(res.Percept[k]))
		out.Ratio = append(out.Ratio, res.Ratio(k))
		out.PerceptModelMs = append(out.PerceptModelMs, durationMs(res.PerceptModel[k]))
	}
	for _, l := range res.Layers {
		lj := compareLayerJSON{
			Index: l.Index, Op: l.Op, EngineKind: l.Kind, Shape: l.OutputShape, MMACs: float64(l.MACs) / 1e6,
			EngineMs: durationMs(l.XNNPACK), Elements: l.Elements, Differing: l.Differing, MaxDiff: l.MaxDiff, Clamped: l.Clamped,
		}
		for _, d := range l.Percept {
			lj.PerceptMs = append(lj.PerceptMs, durationMs(d))
			lj.Ratio = append(lj.Ratio, durationRatio(d, l.XNNPACK))
		}
		out.Layers = append(out.Layers, lj)
	}
	for _, s := range res.Skipped {
		out.Skipped = append(out.Skipped, fmt.Sprintf("%d %s: %s", s.Index, s.Op, s.Reason))
	}
	return out
}

// printComparison prints a comparison as a table, one row per layer and a
// total, then percept's whole-inference times and the skipped layers.
func printComparison(w io.Writer, model, engine string, res *xnnpack.Result) {
	isa := "without AVX-512"
	if res.XNNPACKAVX512 {
		isa = "with AVX-512"
	}
	if res.ISA == xnnpack.AVX2 {
		isa += ", the CPU's AVX-512 hidden from it"
	}
	fmt.Fprintf(w, "\n%s: percept vs %s (XNNPACK %s) per layer, %d thread(s), median of %d runs; ratio = percept/XNNPACK\n", model, engine, isa, res.Threads, res.Runs)
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', tabwriter.AlignRight)
	header := "op\ttype\txnnpack\tshape\tMMACs\txnnpack ms\t"
	for _, k := range res.Kernels {
		header += k + " ms\tratio\t"
	}
	fmt.Fprintln(tw, header+"differing\tmax diff\tclamped\t")
	var macs int64
	for _, l := range res.Layers {
		macs += l.MACs
		row := fmt.Sprintf("%d\t%s\t%s\t%v\t%.2f\t%.3f\t", l.Index, l.Op, l.Kind, l.OutputShape, float64(l.MACs)/1e6, durationMs(l.XNNPACK))
		for _, d := range l.Percept {
			row += fmt.Sprintf("%.3f\t%.2f\t", durationMs(d), durationRatio(d, l.XNNPACK))
		}
		fmt.Fprintf(tw, "%s%.1f%%\t%.3g\t%.0f%%\t\n", row, percentOf(l.Differing, l.Elements), l.MaxDiff, percentOf(l.Clamped, l.Elements))
	}
	row := fmt.Sprintf("total\t%d layers\t\t\t%.2f\t%.3f\t", len(res.Layers), float64(macs)/1e6, durationMs(res.XNNPACK))
	for k := range res.Kernels {
		row += fmt.Sprintf("%.3f\t%.2f\t", durationMs(res.Percept[k]), res.Ratio(k))
	}
	fmt.Fprintln(tw, row+"\t\t\t")
	tw.Flush()
	var whole []string
	for k, name := range res.Kernels {
		whole = append(whole, fmt.Sprintf("%s %.2f ms", name, durationMs(res.PerceptModel[k])))
	}
	fmt.Fprintf(w, "whole inference in percept (every operator): %s\n", strings.Join(whole, ", "))
	for _, s := range res.Skipped {
		fmt.Fprintf(w, "not compared: operator %d %s: %s\n", s.Index, s.Op, s.Reason)
	}
}

// percentOf returns part as a percentage of whole.
func percentOf(part, whole int) float64 {
	if whole == 0 {
		return 0
	}
	return 100 * float64(part) / float64(whole)
}
