package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/percept-robotics/percept/internal/npy"
	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// pathList is a repeatable string flag.
type pathList []string

func (p *pathList) String() string     { return strings.Join(*p, ",") }
func (p *pathList) Set(v string) error { *p = append(*p, v); return nil }

// npyTypes maps tensor types to NumPy dtype descriptors.
var npyTypes = map[tflite.TensorType]string{
	tflite.TypeFloat32: "<f4", tflite.TypeFloat16: "<f2", tflite.TypeFloat64: "<f8",
	tflite.TypeUint8: "|u1", tflite.TypeInt8: "|i1", tflite.TypeInt16: "<i2",
	tflite.TypeInt32: "<i4", tflite.TypeInt64: "<i8", tflite.TypeBool: "|b1",
}

func runCmd(args []string, stdout io.Writer) error {
	fs := newFlags("run")
	modelPath := fs.String("model", "", "model (.tflite)")
	var inputs pathList
	fs.Var(&inputs, "input", "input tensor as .npy, once per model input, in model order")
	outdir := fs.String("outdir", "", "directory for output_0.npy, output_1.npy, …")
	threads := fs.Int("threads", 0, "threads (0: all cores)")
	tpu := addEdgeTPUFlags(fs)
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	switch {
	case *modelPath == "" || *outdir == "" || len(inputs) == 0:
		return usageError{"-model, -input and -outdir are required"}
	case fs.NArg() > 0:
		return usageError{fmt.Sprintf("unexpected argument %q (inputs are given with -input)", fs.Arg(0))}
	case *threads < 0:
		return usageError{fmt.Sprintf("-threads %d: must not be negative", *threads)}
	}
	var c checks
	tpu.check(&c)
	if c.err != nil {
		return c.err
	}
	m, err := tflite.Open(*modelPath)
	if err != nil {
		return err
	}
	defer m.Close()
	it, closeIt, err := tpu.interpreter(m, nn.Options{Threads: *threads}, "run", stdout)
	if err != nil {
		return err
	}
	defer closeIt()
	if len(inputs) != len(it.Inputs()) {
		return fmt.Errorf("the model has %d inputs, got %d -input files", len(it.Inputs()), len(inputs))
	}
	for i, path := range inputs {
		if err := loadTensor(it.Input(i), path); err != nil {
			return err
		}
	}
	if err := it.Invoke(); err != nil {
		return err
	}
	if err := os.MkdirAll(*outdir, 0o755); err != nil {
		return err
	}
	for i, t := range it.Outputs() {
		if err := saveTensor(t, filepath.Join(*outdir, fmt.Sprintf("output_%d.npy", i))); err != nil {
			return err
		}
	}
	return nil
}

// loadTensor fills t from a .npy file whose dtype and shape match it
// exactly.
func loadTensor(t *nn.Tensor, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	a, err := npy.Read(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if want := npyTypes[t.Type]; a.DType != want {
		return fmt.Errorf("%s: dtype %s, but input %v needs %s", path, a.DType, t, want)
	}
	if !slices.Equal(a.Shape, t.Shape) {
		return fmt.Errorf("%s: shape %v, but input %v needs %v", path, a.Shape, t, t.Shape)
	}
	copy(t.Bytes(), a.Data)
	return nil
}

func saveTensor(t *nn.Tensor, path string) error {
	dtype, ok := npyTypes[t.Type]
	if !ok {
		return fmt.Errorf("output %v: no .npy dtype for %s", t, t.Type)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := npy.Write(f, &npy.Array{DType: dtype, Shape: t.Shape, Data: t.Bytes()}); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
