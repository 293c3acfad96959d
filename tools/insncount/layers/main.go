// Command layers counts, with tools/insncount's qemu plugin, the
// instructions each convolution and fully connected layer of a TFLite model
// executes in percept (one kernel target) or in XNNPACK (build tag
// xnnpack), one thread, and tabulates the counts of several such runs side
// by side; tools/insncount/xnnpack-arm64.sh drives it.
//
// Counting (the program runs under qemu with the plugin):
//
//	layers -model m.tflite -engine percept -kernels dotprod -n 2
//	layers -model m.tflite -engine xnnpack -n 2
//
// prints the model's layers ("layer" lines), runs one unmarked warm-up
// inference, then n marked ones: a mark before each inference and one
// after each operator (percept: every operator that runs, through
// nn.Interpreter.Observe; XNNPACK: each layer of xnnpack.Network). The
// plugin prints each mark's running instruction count, so that the
// difference of a mark and the one before it is the operator's
// instructions. XNNPACK runs the layers on zeroed activations (its kernels
// do not branch on values), percept on random ones.
//
// Tabulating (on any machine):
//
//	layers -report neon=a.log xnnpack-neon=b.log ...
//
// reads the logs of counting runs (the program's output and the plugin's,
// in one file each) and prints Markdown tables: per layer and per layer
// class (stem: a convolution of at most 4 input channels; 1×1; depthwise
// 3×3; other 3×3 convolutions; FC, which includes a 1×1 convolution of a
// 1×1 image; other), the median count over the
// marked inferences of every run, and the ratio of each percept column to
// the XNNPACK column after it.
//
// Attributing (on any machine), where a counting run had the plugin write
// a blocks file (-plugin insncount.so,blocks=B,from=T,to=U: the blocks
// executed between the first mark T and the next mark U):
//
//	layers -symbols B -binary layers.arm64 -log run.log
//
// sums the blocks' instructions per function of the driver binary and of
// the shared libraries the log maps (XNNPACK: the run prints its
// mappings), and lists the top ones. Debian's XNNPACK exports only some of
// its kernels; code past an exported symbol's end is named after it.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

func main() {
	model := flag.String("model", "", "TFLite model to run")
	engine := flag.String("engine", "percept", "percept or xnnpack")
	target := flag.String("kernels", "", "percept kernel target (default: the best this CPU runs)")
	n := flag.Int("n", 2, "marked inferences after the warm-up")
	report := flag.Bool("report", false, "tabulate the logs named by the arguments (label=path) instead of counting")
	symbols := flag.String("symbols", "", "attribute the instructions of this blocks file (the plugin's blocks=) to functions instead of counting")
	binary := flag.String("binary", "", "with -symbols: the driver binary that ran")
	log := flag.String("log", "", "with -symbols: the counting run's log (for the shared libraries' addresses)")
	top := flag.Int("top", 12, "with -symbols: functions to list")
	flag.Parse()
	var err error
	switch {
	case *report:
		err = writeReport(os.Stdout, flag.Args())
	case *symbols != "":
		err = writeSymbols(os.Stdout, *binary, *log, *symbols, *top)
	default:
		err = count(*model, *engine, *target, *n)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "layers:", err)
		os.Exit(1)
	}
}

// startMark tags the mark before each inference; a mark after an operator
// carries the operator's index.
const startMark = -1

// count runs the counting side: see the package comment.
func count(path, engine, target string, n int) error {
	if path == "" {
		return fmt.Errorf("no -model")
	}
	if n < 1 {
		return fmt.Errorf("-n %d: want at least 1", n)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	m, err := tflite.Parse(data)
	if err != nil {
		return err
	}
	if err := printLayers(m); err != nil {
		return err
	}
	switch engine {
	case "percept":
		return countPercept(m, target, n)
	case "xnnpack":
		return countXNNPACK(m, n)
	}
	return fmt.Errorf("-engine %q: want percept or xnnpack", engine)
}

// printLayers prints one line per convolution or fully connected layer of
// m: "layer", operator index, class, operator, input and output shapes
// and multiply-accumulates.
func printLayers(m *tflite.Model) error {
	it, err := nn.New(m, &nn.Options{Kernels: "generic", Threads: 1})
	if err != nil {
		return err
	}
	defer it.Close()
	for _, c := range it.ConvLayers() {
		fmt.Printf("layer %d %s %s %s %s %d\n", c.Index, class(&c), c.Op, shape(c.Input.Shape), shape(c.Output.Shape), c.MACs)
	}
	return nil
}

// class names the kind of layer c is in the report's tables.
func class(c *nn.ConvLayer) string {
	f := c.Filter.Shape
	switch {
	case c.Op == tflite.OpFullyConnected:
		return "FC"
	case len(f) != 4 || len(c.Input.Shape) != 4:
		return "other"
	case c.Op == tflite.OpDepthwiseConv2D && f[1] == 3 && f[2] == 3:
		return "dw3x3"
	case c.Op == tflite.OpConv2D && c.Input.Shape[3] <= 4:
		return "stem"
	case c.Op == tflite.OpConv2D && f[1] == 1 && f[2] == 1 && c.Input.Shape[1] == 1 && c.Input.Shape[2] == 1:
		return "FC" // a classifier written as a 1×1 convolution of a 1×1 image
	case c.Op == tflite.OpConv2D && f[1] == 1 && f[2] == 1:
		return "1x1"
	case c.Op == tflite.OpConv2D && f[1] == 3 && f[2] == 3:
		return "3x3"
	}
	return "other"
}

// shape formats a tensor shape as 1x224x224x3.
func shape(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return strings.Join(parts, "x")
}

// countPercept runs percept's interpreter of m with the kernel target on
// one thread, marking every operator.
func countPercept(m *tflite.Model, target string, n int) error {
	it, err := nn.New(m, &nn.Options{Kernels: target, Threads: 1})
	if err != nil {
		return err
	}
	defer it.Close()
	fmt.Printf("engine percept %s\n", it.Kernels())
	rng := rand.New(rand.NewPCG(1, 1))
	for _, t := range it.Inputs() {
		switch t.Type {
		case tflite.TypeUint8, tflite.TypeInt8:
			b := t.Bytes()
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
		case tflite.TypeFloat32:
			f := t.Float32s()
			for i := range f {
				f[i] = float32(2*rng.Float64() - 1)
			}
		}
	}
	if err := it.Invoke(); err != nil {
		return err
	}
	it.Observe(func(op int, _ []*nn.Tensor) { mark(op) })
	for range n {
		mark(startMark)
		if err := it.Invoke(); err != nil {
			return err
		}
	}
	return nil
}
