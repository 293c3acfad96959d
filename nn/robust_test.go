package nn

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/internal/tflitetest"
	"github.com/percept-robotics/percept/tflite"
)

// robustLimits bound what a corrupted model may cost before Invoke is
// skipped: a corruption may legally make a model far larger or slower, and
// the test checks memory safety, not endurance.
type robustLimits struct {
	arenaBytes int
	macs       int64
}

// exercise runs a model through every stage a user would: Parse (when data
// is given), New, filling the inputs and Invoke. A panic at any stage is
// returned as an error naming the stage, with the stack; ordinary errors
// are expected and only counted: reached says how far the model got.
// invoke says whether to run Invoke at all.
func exercise(data []byte, m *tflite.Model, lim robustLimits, invoke bool, fill uint64) (reached string, err error) {
	stage := "Parse"
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in %s: %v\n%s", stage, r, perceptFrames(debug.Stack()))
		}
	}()
	if m == nil {
		var perr error
		if m, perr = tflite.Parse(data); perr != nil {
			return "rejected by Parse", nil
		}
	}
	stage = "New"
	// One thread: a panic inside a worker goroutine could not be recovered.
	it, nerr := New(m, &Options{Threads: 1})
	if nerr != nil {
		return "rejected by New", nil
	}
	defer it.Close()
	if !invoke || it.Memory().ArenaBytes > lim.arenaBytes || it.MACs() > lim.macs {
		return "built", nil
	}
	stage = "filling inputs"
	rng := rand.New(rand.NewPCG(fill, 1))
	for _, in := range it.Inputs() {
		if in.IsConstant() {
			continue // model memory, possibly a read-only map
		}
		b := in.Bytes()
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
	}
	stage = "Invoke"
	_ = it.Invoke()
	stage = "reading outputs"
	for _, out := range it.Outputs() {
		_ = out.Bytes()
		_ = out.NumElements()
	}
	return "invoked", nil
}

// perceptFrames keeps the first frames of a stack trace that lie in
// percept's own code, where the missing check belongs.
func perceptFrames(stack []byte) string {
	var frames []string
	lines := strings.Split(string(stack), "\n")
	for i := 1; i+1 < len(lines) && len(frames) < 6; i += 2 {
		if strings.Contains(lines[i], "percept-robotics/percept/") && !strings.Contains(lines[i+1], "_test.go") {
			frames = append(frames, strings.TrimSpace(lines[i+1]))
		}
	}
	return strings.Join(frames, "\n")
}

// robustModelFiles lists every real model, edge TPU builds included.
func robustModelFiles(t *testing.T) []string {
	root := testmodels.Root()
	if root == "" {
		testmodels.Path(t, "detection") // skips with the standard message
	}
	files, err := filepath.Glob(filepath.Join(root, "*", "*.tflite"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

// findVectors returns the offsets, outside constant buffers, at which data
// holds a flatbuffer vector with exactly these elements: the places where
// the file stores a tensor's shape or quantization parameters.
func findVectors(data []byte, isWeight []bool, elems []byte, count int) []int {
	if len(elems) == 0 {
		return nil
	}
	pattern := binary.LittleEndian.AppendUint32(nil, uint32(count))
	pattern = append(pattern, elems...)
	var found []int
	for from := 0; ; {
		i := bytes.Index(data[from:], pattern)
		if i < 0 {
			return found
		}
		at := from + i
		if !isWeight[at] && at%4 == 0 {
			found = append(found, at+4) // the first element
		}
		from = at + 1
	}
}

// fieldEdit is the place of one parsed value in the file: the bytes a
// targeted corruption rewrites.
type fieldEdit struct {
	what   string
	offset int
	width  int // 4 or 8
	float  bool
}

// locateFields finds, outside constant buffers, where the file stores each
// tensor's shape dimensions, quantization scales and zero points.
func locateFields(m *tflite.Model, data []byte, isWeight []bool) []fieldEdit {
	var edits []fieldEdit
	for s, sg := range m.Subgraphs {
		for i, x := range sg.Tensors {
			var shape []byte
			for _, d := range x.Shape {
				shape = binary.LittleEndian.AppendUint32(shape, uint32(d))
			}
			for _, at := range findVectors(data, isWeight, shape, len(x.Shape)) {
				for k := range x.Shape {
					edits = append(edits, fieldEdit{fmt.Sprintf("subgraph %d tensor %d shape[%d]", s, i, k), at + 4*k, 4, false})
				}
			}
			q := x.Quantization
			if q == nil {
				continue
			}
			var scales []byte
			for _, v := range q.Scale {
				scales = binary.LittleEndian.AppendUint32(scales, math.Float32bits(v))
			}
			for _, at := range findVectors(data, isWeight, scales, len(q.Scale)) {
				for k := range min(len(q.Scale), 4) {
					edits = append(edits, fieldEdit{fmt.Sprintf("subgraph %d tensor %d scale[%d]", s, i, k), at + 4*k, 4, true})
				}
			}
			var zeros []byte
			for _, v := range q.ZeroPoint {
				zeros = binary.LittleEndian.AppendUint64(zeros, uint64(v))
			}
			for _, at := range findVectors(data, isWeight, zeros, len(q.ZeroPoint)) {
				edits = append(edits, fieldEdit{fmt.Sprintf("subgraph %d tensor %d zero_point[0]", s, i), at, 8, false})
			}
		}
	}
	return edits
}

// interestingInts are integer values that tend to break size arithmetic.
var interestingInts = []int64{0, 1, 2, 3, 4, 7, 8, 16, 255, 256, 1 << 16, 1<<31 - 1, -1, -2, math.MinInt32, 1 << 40, -1 << 40}

// interestingFloats are float values that tend to break quantization
// arithmetic.
var interestingFloats = []float32{0, -1, 1, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
	1e-38, 1e38, math.SmallestNonzeroFloat32, 65504, 1e-9, 2, 0.5}

// rewrite stores an interesting value in the field e points at.
func (e fieldEdit) rewrite(b []byte, rng *rand.Rand) string {
	switch {
	case e.float:
		v := interestingFloats[rng.IntN(len(interestingFloats))]
		binary.LittleEndian.PutUint32(b[e.offset:], math.Float32bits(v))
		return fmt.Sprintf("%s = %g", e.what, v)
	case e.width == 8:
		v := interestingInts[rng.IntN(len(interestingInts))]
		binary.LittleEndian.PutUint64(b[e.offset:], uint64(v))
		return fmt.Sprintf("%s = %d", e.what, v)
	}
	v := int32(interestingInts[rng.IntN(len(interestingInts))])
	binary.LittleEndian.PutUint32(b[e.offset:], uint32(v))
	return fmt.Sprintf("%s = %d", e.what, v)
}

// cloneModel deep-copies everything of m that a mutation may change; buffer
// contents stay shared.
func cloneModel(m *tflite.Model) *tflite.Model {
	c := *m
	c.OperatorCodes = slices.Clone(m.OperatorCodes)
	c.Buffers = slices.Clone(m.Buffers)
	c.Subgraphs = slices.Clone(m.Subgraphs)
	for s := range c.Subgraphs {
		sg := &c.Subgraphs[s]
		sg.Inputs, sg.Outputs = slices.Clone(sg.Inputs), slices.Clone(sg.Outputs)
		sg.Tensors = slices.Clone(sg.Tensors)
		for i := range sg.Tensors {
			x := &sg.Tensors[i]
			x.Shape = slices.Clone(x.Shape)
			if q := x.Quantization; q != nil {
				x.Quantization = &tflite.Quantization{
					Min: slices.Clone(q.Min), Max: slices.Clone(q.Max),
					Scale: slices.Clone(q.Scale), ZeroPoint: slices.Clone(q.ZeroPoint),
					QuantizedDimension: q.QuantizedDimension,
				}
			}
		}
		sg.Operators = slices.Clone(sg.Operators)
		for i := range sg.Operators {
			o := &sg.Operators[i]
			o.Inputs, o.Outputs = slices.Clone(o.Inputs), slices.Clone(o.Outputs)
			o.Intermediates = slices.Clone(o.Intermediates)
			o.CustomOptions = slices.Clone(o.CustomOptions)
			o.Options = cloneOptions(o.Options)
		}
	}
	return &c
}

// cloneOptions copies a *XxxOptions struct, slices included.
func cloneOptions(options any) any {
	v := reflect.ValueOf(options)
	if !v.IsValid() || v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return options
	}
	c := reflect.New(v.Elem().Type())
	c.Elem().Set(v.Elem())
	for i := range c.Elem().NumField() {
		f := c.Elem().Field(i)
		if f.Kind() == reflect.Slice && f.CanSet() && !f.IsNil() {
			f.Set(reflect.AppendSlice(reflect.MakeSlice(f.Type(), 0, f.Len()), f))
		}
	}
	return c.Interface()
}

// keepParseInvariants restores what tflite.Parse guarantees of a tensor
// after a mutation, so that the mutated model is one a file could hold.
func keepParseInvariants(x *tflite.Tensor) {
	for k, d := range x.Shape {
		if d < 0 {
			x.Shape[k] = -d - 1
		}
	}
	q := x.Quantization
	if q == nil {
		return
	}
	if len(q.ZeroPoint) != 0 && len(q.ZeroPoint) != len(q.Scale) {
		q.ZeroPoint = nil
	}
	if len(q.Scale) > 1 {
		rank := int32(len(x.Shape))
		switch {
		case rank == 0:
			q.Scale, q.ZeroPoint = q.Scale[:1], q.ZeroPoint[:min(len(q.ZeroPoint), 1)]
		case rank == 1:
			q.QuantizedDimension = 0
		case q.QuantizedDimension < 0 || q.QuantizedDimension >= rank:
			q.QuantizedDimension = rank - 1
		}
	}
}

// mutateModel applies one random semantic corruption to m (a clone) and
// describes it. Everything it writes stays within what Parse accepts.
func mutateModel(m *tflite.Model, rng *rand.Rand) string {
	sg := &m.Subgraphs[0]
	pick := func(n int) int { return rng.IntN(n) }
	anyInt := func() int64 { return interestingInts[pick(len(interestingInts))] }
	tensor := pick(len(sg.Tensors))
	x := &sg.Tensors[tensor]
	defer keepParseInvariants(x)
	switch kind := pick(12); kind {
	case 0: // one dimension
		if len(x.Shape) == 0 {
			x.Shape = []int32{int32(anyInt())}
			return fmt.Sprintf("tensor %d shape %v", tensor, x.Shape)
		}
		k := pick(len(x.Shape))
		x.Shape[k] = int32(anyInt())
		return fmt.Sprintf("tensor %d shape[%d] = %d", tensor, k, x.Shape[k])
	case 1: // rank
		switch {
		case len(x.Shape) > 0 && rng.IntN(2) == 0:
			x.Shape = x.Shape[:pick(len(x.Shape))]
		default:
			x.Shape = slices.Insert(x.Shape, pick(len(x.Shape)+1), int32(1+pick(3)))
		}
		return fmt.Sprintf("tensor %d shape = %v", tensor, x.Shape)
	case 2:
		x.Type = tflite.TensorType(pick(24) - 1)
		return fmt.Sprintf("tensor %d type = %s", tensor, x.Type)
	case 3:
		x.Buffer = uint32(pick(len(m.Buffers)))
		return fmt.Sprintf("tensor %d buffer = %d", tensor, x.Buffer)
	case 4: // quantization values
		if x.Quantization == nil || len(x.Quantization.Scale) == 0 {
			x.Quantization = &tflite.Quantization{Scale: []float32{interestingFloats[pick(len(interestingFloats))]}, ZeroPoint: []int64{anyInt()}}
			return fmt.Sprintf("tensor %d quantization = %+v", tensor, *x.Quantization)
		}
		q := x.Quantization
		k := pick(len(q.Scale))
		if len(q.ZeroPoint) > 0 && rng.IntN(2) == 0 {
			q.ZeroPoint[k] = anyInt()
			return fmt.Sprintf("tensor %d zero_point[%d] = %d", tensor, k, q.ZeroPoint[k])
		}
		q.Scale[k] = interestingFloats[pick(len(interestingFloats))]
		return fmt.Sprintf("tensor %d scale[%d] = %g", tensor, k, q.Scale[k])
	case 5: // quantization structure
		q := x.Quantization
		switch {
		case q == nil || rng.IntN(4) == 0:
			x.Quantization = nil
			return fmt.Sprintf("tensor %d quantization removed", tensor)
		case rng.IntN(2) == 0:
			n := 1 + pick(8)
			if len(x.Shape) > 0 && rng.IntN(2) == 0 {
				n = int(x.Shape[pick(len(x.Shape))]) % 4096
			}
			q.Scale = make([]float32, n)
			for i := range q.Scale {
				q.Scale[i] = 0.01 * float32(i+1)
			}
			q.ZeroPoint = make([]int64, n)
			return fmt.Sprintf("tensor %d has %d scales", tensor, n)
		default:
			q.QuantizedDimension = int32(pick(max(len(x.Shape), 1)))
			return fmt.Sprintf("tensor %d quantized_dimension = %d", tensor, q.QuantizedDimension)
		}
	}
	if len(sg.Operators) == 0 {
		return "no change"
	}
	opIndex := pick(len(sg.Operators))
	o := &sg.Operators[opIndex]
	switch pick(7) {
	case 0: // an input
		if len(o.Inputs) == 0 || rng.IntN(5) == 0 {
			o.Inputs = append(o.Inputs, int32(tensor))
			return fmt.Sprintf("op %d gains input %d", opIndex, tensor)
		}
		k := pick(len(o.Inputs))
		o.Inputs[k] = int32(tensor)
		if rng.IntN(4) == 0 {
			o.Inputs[k] = -1
		}
		return fmt.Sprintf("op %d input %d = %d", opIndex, k, o.Inputs[k])
	case 1: // an output
		if len(o.Outputs) == 0 || rng.IntN(5) == 0 {
			o.Outputs = append(o.Outputs, int32(tensor))
			return fmt.Sprintf("op %d gains output %d", opIndex, tensor)
		}
		k := pick(len(o.Outputs))
		o.Outputs[k] = int32(tensor)
		return fmt.Sprintf("op %d output %d = %d", opIndex, k, tensor)
	case 2: // drop an input or output
		if rng.IntN(2) == 0 && len(o.Inputs) > 0 {
			o.Inputs = o.Inputs[:len(o.Inputs)-1]
			return fmt.Sprintf("op %d loses its last input", opIndex)
		}
		if len(o.Outputs) > 0 {
			o.Outputs = o.Outputs[:len(o.Outputs)-1]
		}
		return fmt.Sprintf("op %d loses its last output", opIndex)
	case 3: // the operator run
		if rng.IntN(2) == 0 {
			o.OpcodeIndex = uint32(pick(len(m.OperatorCodes)))
			return fmt.Sprintf("op %d opcode index = %d", opIndex, o.OpcodeIndex)
		}
		other := sg.Operators[pick(len(sg.Operators))]
		o.Options, o.OptionsType = cloneOptions(other.Options), other.OptionsType
		return fmt.Sprintf("op %d takes the options %T", opIndex, o.Options)
	case 4: // one option field
		return fmt.Sprintf("op %d %s", opIndex, mutateOptions(o.Options, rng))
	case 5: // custom options
		if len(o.CustomOptions) == 0 {
			return "no change"
		}
		if rng.IntN(3) == 0 {
			o.CustomOptions = o.CustomOptions[:pick(len(o.CustomOptions))]
			return fmt.Sprintf("op %d custom options cut to %d bytes", opIndex, len(o.CustomOptions))
		}
		k := pick(len(o.CustomOptions))
		o.CustomOptions[k] ^= 1 << pick(8)
		return fmt.Sprintf("op %d custom options byte %d flipped", opIndex, k)
	}
	// The subgraph's inputs and outputs.
	list := &sg.Inputs
	if rng.IntN(2) == 0 {
		list = &sg.Outputs
	}
	if len(*list) == 0 || rng.IntN(4) == 0 {
		*list = append(*list, int32(tensor))
	} else {
		(*list)[pick(len(*list))] = int32(tensor)
	}
	return fmt.Sprintf("subgraph inputs %v outputs %v", sg.Inputs, sg.Outputs)
}

// mutateOptions sets one field of a *XxxOptions struct to an interesting
// value.
func mutateOptions(options any, rng *rand.Rand) string {
	v := reflect.ValueOf(options)
	if !v.IsValid() || v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct || v.Elem().NumField() == 0 {
		return "has no options to change"
	}
	s := v.Elem()
	k := rng.IntN(s.NumField())
	f := s.Field(k)
	name := s.Type().Field(k).Name
	if !f.CanSet() {
		return "no change"
	}
	anyInt := interestingInts[rng.IntN(len(interestingInts))]
	switch f.Kind() {
	case reflect.Bool:
		f.SetBool(!f.Bool())
	case reflect.Int8:
		f.SetInt(int64(int8(rng.IntN(8) - 1)))
	case reflect.Int32, reflect.Int64, reflect.Int:
		f.SetInt(int64(int32(anyInt)))
	case reflect.Uint8, reflect.Uint32:
		f.SetUint(uint64(uint8(anyInt)))
	case reflect.Float32:
		f.SetFloat(float64(interestingFloats[rng.IntN(len(interestingFloats))]))
	case reflect.Slice:
		if f.Type().Elem().Kind() != reflect.Int32 {
			return "no change"
		}
		n := rng.IntN(5)
		vals := make([]int32, n)
		for i := range vals {
			vals[i] = int32(interestingInts[rng.IntN(len(interestingInts))])
			if rng.IntN(2) == 0 {
				vals[i] = int32(rng.IntN(5) - 1)
			}
		}
		f.Set(reflect.ValueOf(vals))
	default:
		return "no change"
	}
	return fmt.Sprintf("%T.%s = %v", options, name, f.Interface())
}

// TestCorruptModelsNeverPanic corrupts every real model in many seeded ways
// (bit flips in the flatbuffer structure and, more rarely, in the weights;
// rewritten shapes, scales and zero points at their places in the file;
// truncations; semantic edits of the parsed model) and runs each variant
// through Parse, New and Invoke: every stage must fail with an error or
// succeed, never panic.
func TestCorruptModelsNeverPanic(t *testing.T) {
	for mi, path := range robustModelFiles(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".tflite")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			m, err := tflite.Parse(data)
			require.NoError(t, err)
			it, err := New(m, &Options{Threads: 1})
			if err != nil && unsupportedModels[name] != nil && errors.Is(err, ErrUnsupported) {
				t.Skipf("percept cannot run it (TestUnsupportedRealModels checks why): %v", err)
			}
			require.NoError(t, err)
			if raceEnabled && it.MACs() > 5e8 {
				it.Close()
				t.Skip("hundreds of builds of a model this large take minutes under the race detector: the run without it covers it")
			}
			lim := robustLimits{arenaBytes: 2*it.Memory().ArenaBytes + 1<<20, macs: 2*it.MACs() + 1<<20}
			// Invoke costs up to about a second on the largest models:
			// spend about 0.3 G multiply-accumulates per model.
			invokes := max(1, min(30, int(3e8/max(it.MACs(), 1))))
			it.Close()

			// Semantic mutations start from a read-only map of the file, so
			// that a write into constant data faults (and panics, below).
			mapped, err := tflite.Open(path)
			require.NoError(t, err)
			defer mapped.Close()
			defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))

			failures := 0
			outcomes := map[string]int{}
			defer func() { t.Logf("outcomes: %v", outcomes) }()
			check := func(what string, data []byte, m *tflite.Model, seed uint64) {
				t.Helper()
				if failures >= 5 {
					return
				}
				reached, err := exercise(data, m, lim, invokes > 0, seed)
				outcomes[reached]++
				if reached == "invoked" {
					invokes--
				}
				if err != nil {
					failures++
					t.Errorf("%s (seed %d): %v", what, seed, err)
				}
			}

			isWeight := tflitetest.WeightBytes(m, data)
			var structure, weights []int
			for i, w := range isWeight {
				if w {
					weights = append(weights, i)
				} else {
					structure = append(structure, i)
				}
			}
			fields := locateFields(m, data, isWeight)
			mutated := make([]byte, len(data))
			for trial := range 120 {
				seed := uint64(mi)<<32 | uint64(trial)
				rng := rand.New(rand.NewPCG(seed, 2))
				copy(mutated, data)
				var flips []int
				for range 1 + rng.IntN(4) {
					at := structure[rng.IntN(len(structure))]
					if len(weights) > 0 && rng.IntN(10) == 0 {
						at = weights[rng.IntN(len(weights))]
					}
					mutated[at] ^= 1 << rng.IntN(8)
					flips = append(flips, at)
				}
				check(fmt.Sprintf("bit flips at %v", flips), mutated, nil, seed)
			}
			for trial := range min(60, 3*len(fields)) {
				seed := uint64(mi)<<32 | 1<<20 | uint64(trial)
				rng := rand.New(rand.NewPCG(seed, 3))
				copy(mutated, data)
				what := fields[rng.IntN(len(fields))].rewrite(mutated, rng)
				check(what, mutated, nil, seed)
			}
			for trial := range 8 {
				seed := uint64(mi)<<32 | 2<<20 | uint64(trial)
				rng := rand.New(rand.NewPCG(seed, 4))
				n := rng.IntN(len(data))
				check(fmt.Sprintf("cut at %d", n), data[:n:n], nil, seed)
			}
			for trial := range 250 {
				seed := uint64(mi)<<32 | 3<<20 | uint64(trial)
				rng := rand.New(rand.NewPCG(seed, 5))
				c := cloneModel(mapped)
				var what []string
				for range 1 + rng.IntN(2) {
					what = append(what, mutateModel(c, rng))
				}
				check(strings.Join(what, "; "), nil, c, seed)
			}
		})
	}
}

// FuzzNew runs Parse, New and Invoke on mutations of small real models and
// of hand-written ones: no input may panic.
func FuzzNew(f *testing.F) {
	if root := testmodels.Root(); root != "" {
		for _, file := range []string{"tflm/person_detect.tflite", "classification/mobilenet_v1_0.25_128_quant.tflite"} {
			data, err := os.ReadFile(filepath.Join(root, file))
			require.NoError(f, err)
			f.Add(data)
		}
	}
	f.Add(addChain([]int32{1, 4, 4, 4}).Encode())
	f.Add(conv1x1Uint8(1).Encode())
	// The index and layout operators, with indices the model computes.
	f.Add(gatherNDModel([]int32{2, 2}, nil).Encode())
	f.Add(argModel(tflite.OpArgMax, []int32{3, 5}, tflitetest.Int32s(1), tflite.TypeInt32, tflite.TypeInt64).Encode())
	f.Add(castModel(tflite.TypeFloat32, tflite.TypeUint8, 7).Encode())
	f.Add(packModel(1, 3).Encode())
	f.Add(unpackModel(1, 3, 3).Encode())
	f.Add(layoutChain().Encode())
	lim := robustLimits{arenaBytes: 64 << 20, macs: 1 << 28}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := exercise(data, nil, lim, true, uint64(len(data))); err != nil {
			t.Fatal(err)
		}
	})
}

// layoutChain is a small model through GATHER (computed indices), SLICE,
// STRIDED_SLICE, TRANSPOSE, SPACE_TO_DEPTH, DEPTH_TO_SPACE and SPLIT_V:
// a seed for FuzzNew.
func layoutChain() *tflitetest.Model {
	m := tflitetest.NewModel()
	f32 := func(name string, shape ...int32) int32 { return m.Tensor(name, tflite.TypeFloat32, shape, nil, nil) }
	i32 := func(name string, v ...int32) int32 {
		return m.Tensor(name, tflite.TypeInt32, []int32{int32(len(v))}, tflitetest.Int32s(v...), nil)
	}
	in := f32("in", 1, 4, 4, 2)
	rows := m.Tensor("rows", tflite.TypeInt32, []int32{3}, nil, nil)
	gathered := f32("gathered", 1, 3, 4, 2)
	m.Op(tflite.OpGather, 1, []int32{in, rows}, []int32{gathered}, optionsGather, tflitetest.Table{int32(1)})
	sliced := f32("sliced", 1, 2, 4, 2)
	m.Op(tflite.OpSlice, 1, []int32{gathered, i32("begin", 0, 1, 0, 0), i32("size", -1, 2, -1, -1)}, []int32{sliced}, 0, nil)
	strided := f32("strided", 1, 2, 2, 2)
	m.Op(tflite.OpStridedSlice, 1, []int32{sliced, i32("b", 0, 0, 3, 0), i32("e", 0, 0, 0, 0), i32("s", 1, 1, -2, 1)},
		[]int32{strided}, optionsStridedSlice, tflitetest.Table{int32(11), int32(11), int32(0), int32(0), int32(0)})
	transposed := f32("transposed", 1, 2, 2, 2)
	m.Op(tflite.OpTranspose, 1, []int32{strided, i32("perm", 0, 2, 1, 3)}, []int32{transposed}, optionsTranspose, tflitetest.Table{})
	deep := f32("deep", 1, 1, 1, 8)
	m.Op(tflite.OpSpaceToDepth, 1, []int32{transposed}, []int32{deep}, optionsSpaceToDepth, tflitetest.Table{int32(2)})
	wide := f32("wide", 1, 2, 2, 2)
	m.Op(tflite.OpDepthToSpace, 1, []int32{deep}, []int32{wide}, optionsDepthToSpace, tflitetest.Table{int32(2)})
	a, b := f32("a", 1, 2, 2, 1), f32("b", 1, 2, 2, 1)
	m.Op(tflite.OpSplitV, 1, []int32{wide, i32("sizes", 1, -1), i32("axis", 3)}, []int32{a, b}, optionsSplitV, tflitetest.Table{int32(2)})
	m.Inputs, m.Outputs = []int32{in, rows}, []int32{a, b}
	return m
}
