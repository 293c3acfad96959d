package optimize_test

import (
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/quant/optimize"
	"github.com/percept-robotics/percept/tflite"
)

// requireFloat16Layout checks that q is float model f in TFLite's float16
// post-training layout, by rules read from TFLite's converter (its legacy
// QuantizeWeightsFloat16, which the converter runs for float16) and from
// its float16 models, independently of how Float16 builds it:
//
//   - operator codes: f's, plus DEQUANTIZE at version 2 or above;
//   - f's tensors keep their index and shape, and each FLOAT32 constant
//     an operator reads its name; it is FLOAT16 of the same size, every
//     other tensor keeps its type. When q is made from f (same), all names
//     are f's and the FLOAT16 values are f's rounded to nearest even;
//   - the tensors after f's are FLOAT32 without data, "<name>_dequantize"
//     of one FLOAT16 tensor each, of its shape;
//   - each FLOAT16 tensor is read by one operator, a DEQUANTIZE writing its
//     _dequantize tensor, placed after the previous non-DEQUANTIZE operator
//     and before the first reader of its output;
//   - without the DEQUANTIZE operators, and with each _dequantize tensor
//     read as its constant, the operators are f's; inputs and outputs are
//     f's.
//
// It returns the number of DEQUANTIZE operators.
func requireFloat16Layout(t *testing.T, f, q *tflite.Model, same bool) int {
	t.Helper()
	require.Len(t, q.Subgraphs, len(f.Subgraphs))
	dq := -1
	for i, c := range q.OperatorCodes {
		if i < len(f.OperatorCodes) && f.OperatorCodes[i].Builtin != tflite.OpDequantize {
			require.Equal(t, f.OperatorCodes[i], c, "operator code %d", i)
			continue
		}
		require.Equal(t, tflite.OpDequantize, c.Builtin, "operator code %d", i)
		require.GreaterOrEqual(t, c.Version, int32(2), "DEQUANTIZE version")
		require.Equal(t, -1, dq, "one DEQUANTIZE operator code")
		dq = i
	}
	count := 0
	for s := range f.Subgraphs {
		fs, qs := &f.Subgraphs[s], &q.Subgraphs[s]
		assert.Equal(t, fs.Inputs, qs.Inputs, "subgraph %d inputs", s)
		assert.Equal(t, fs.Outputs, qs.Outputs, "subgraph %d outputs", s)
		constant := map[int32]bool{} // f's FLOAT32 constants that operators read
		for _, op := range fs.Operators {
			for _, in := range op.Inputs {
				if in >= 0 && fs.Tensors[in].Type == tflite.TypeFloat32 && len(f.Buffers[fs.Tensors[in].Buffer].Data) > 0 {
					constant[in] = true
				}
			}
		}
		require.GreaterOrEqual(t, len(qs.Tensors), len(fs.Tensors))
		for i, ft := range fs.Tensors {
			qt := qs.Tensors[i]
			if same || constant[int32(i)] {
				require.Equal(t, ft.Name, qt.Name, "tensor %d", i)
			}
			require.Equal(t, ft.Shape, qt.Shape, "tensor %d %q", i, ft.Name)
			if !constant[int32(i)] {
				require.Equal(t, ft.Type, qt.Type, "tensor %d %q keeps its type", i, ft.Name)
				continue
			}
			require.Equal(t, tflite.TypeFloat16, qt.Type, "constant %d %q", i, ft.Name)
			fd, qd := f.Buffers[ft.Buffer].Data, q.Buffers[qt.Buffer].Data
			require.Len(t, qd, len(fd)/2, "constant %d %q", i, ft.Name)
			for j := 0; same && j < len(fd)/4; j++ {
				v := math.Float32frombits(binary.LittleEndian.Uint32(fd[4*j:]))
				require.Equal(t, uint16(kernels.HalfFromFloat32(v)), binary.LittleEndian.Uint16(qd[2*j:]),
					"constant %d %q element %d (%g)", i, ft.Name, j, v)
			}
		}
		source := map[int32]int32{} // _dequantize tensor → its FLOAT16 tensor
		readers := map[int32]int{}
		for _, op := range qs.Operators {
			for _, in := range op.Inputs {
				readers[in]++
			}
		}
		var ops []tflite.Operator // q's operators without the DEQUANTIZEs
		pending := map[int32]bool{}
		for oi, op := range qs.Operators {
			if int(op.OpcodeIndex) == dq {
				require.Len(t, op.Inputs, 1)
				require.Len(t, op.Outputs, 1)
				in, out := op.Inputs[0], op.Outputs[0]
				require.Equal(t, tflite.TypeFloat16, qs.Tensors[in].Type, "DEQUANTIZE %d reads FLOAT16", oi)
				require.GreaterOrEqual(t, int(out), len(fs.Tensors), "DEQUANTIZE %d writes a new tensor", oi)
				ot := qs.Tensors[out]
				assert.Equal(t, qs.Tensors[in].Name+"_dequantize", ot.Name)
				assert.Equal(t, tflite.TypeFloat32, ot.Type)
				assert.Equal(t, qs.Tensors[in].Shape, ot.Shape)
				assert.Empty(t, q.Buffers[ot.Buffer].Data)
				assert.Equal(t, 1, readers[in], "FLOAT16 %q is read by its DEQUANTIZE only", qs.Tensors[in].Name)
				require.NotContains(t, source, out)
				source[out] = in
				pending[out] = true
				count++
				continue
			}
			c := op
			c.Inputs = slices.Clone(op.Inputs)
			for k, in := range c.Inputs {
				if src, ok := source[in]; ok {
					c.Inputs[k] = src
					delete(pending, in)
				}
			}
			// A DEQUANTIZE sits just before the first reader of its output.
			require.Empty(t, pending, "operator %d: DEQUANTIZE outputs not read by it", oi)
			ops = append(ops, c)
		}
		require.Len(t, source, len(constant), "one DEQUANTIZE per constant")
		require.Len(t, qs.Tensors, len(fs.Tensors)+len(constant), "one new tensor per constant")
		require.Len(t, ops, len(fs.Operators))
		for oi, op := range fs.Operators {
			require.Equal(t, f.OperatorCodes[op.OpcodeIndex].Builtin, q.OperatorCodes[ops[oi].OpcodeIndex].Builtin, "operator %d", oi)
			require.Equal(t, op.Inputs, ops[oi].Inputs, "operator %d inputs", oi)
			require.Equal(t, op.Outputs, ops[oi].Outputs, "operator %d outputs", oi)
			require.Equal(t, op.Options, ops[oi].Options, "operator %d options", oi)
		}
	}
	return count
}

// TestFloat16LayoutIsTFLites checks the layout rules on TFLite's own work:
// MediaPipe's float16 BlazeFace (face_detection_short_range, made by
// TFLite's converter) has the graph of the float BlazeFace
// (face_detection_front), tensor for tensor, with other weights. Float16
// of the float model writes the same model, up to the weights and to the
// order of the DEQUANTIZE operators and of their tensors, which the
// converter takes from a hash map.
func TestFloat16LayoutIsTFLites(t *testing.T) {
	f := blazeface.open(t)
	tfl, err := tflite.Open(testmodels.Path(t, "float16", "face_detection_short_range.tflite"))
	require.NoError(t, err)
	defer tfl.Close()
	n := requireFloat16Layout(t, f, tfl, false)
	assert.Equal(t, 74, n, "TFLite's model: a DEQUANTIZE per conv weight and bias")
	assert.Equal(t, tflite.OperatorCode{Builtin: tflite.OpDequantize, Version: optimize.DequantizeVersion}, tfl.OperatorCodes[len(tfl.OperatorCodes)-1],
		"the version TFLite's converter writes")

	q, rep, err := optimize.Float16(f)
	require.NoError(t, err)
	assert.Equal(t, n, requireFloat16Layout(t, f, q, true))
	assert.Len(t, rep.Tensors, n)
	assert.Equal(t, n, rep.OpsAdded)
	assert.Empty(t, rep.Skipped)
	// The same operator codes and tensors (names, types, shapes) as
	// TFLite's.
	assert.Equal(t, tfl.OperatorCodes, q.OperatorCodes)
	names := map[string]tflite.Tensor{}
	for _, tt := range tfl.Subgraphs[0].Tensors {
		names[tt.Name] = tt
	}
	for _, tt := range q.Subgraphs[0].Tensors {
		if len(q.Buffers[tt.Buffer].Data) == 0 && !strings.HasSuffix(tt.Name, "_dequantize") {
			continue // activations: some are named differently in the two files
		}
		want, ok := names[tt.Name]
		require.True(t, ok, "TFLite's model has a tensor %q", tt.Name)
		assert.Equal(t, want.Type, tt.Type, tt.Name)
		assert.Equal(t, want.Shape, tt.Shape, tt.Name)
		assert.Len(t, q.Buffers[tt.Buffer].Data, len(tfl.Buffers[want.Buffer].Data), tt.Name)
	}
	assert.Len(t, q.Subgraphs[0].Tensors, len(tfl.Subgraphs[0].Tensors))
	assert.Len(t, q.Buffers, len(tfl.Buffers), "no buffer added: each constant narrowed in place")

	// Widen folds TFLite's model back into the float twin's structure,
	// with the float16 values.
	w, wrep, err := optimize.Widen(tfl)
	require.NoError(t, err)
	assert.Equal(t, n, wrep.OpsRemoved)
	assert.Len(t, wrep.Tensors, n)
	requireSameGraph(t, f, w, false)
	wq, _, err := optimize.Float16(w)
	require.NoError(t, err)
	requireFloat16Layout(t, w, wq, true)
}

// requireSameStructure checks that a and b have the same operator codes,
// tensors (name, type, shape) and operators.
func requireSameStructure(t *testing.T, a, b *tflite.Model) {
	t.Helper()
	requireSameGraph(t, a, b, true)
}

// requireSameGraph checks that a and b have the same operator codes,
// tensors (type, shape, and name when names is true) and operators.
func requireSameGraph(t *testing.T, a, b *tflite.Model, names bool) {
	t.Helper()
	require.Equal(t, a.OperatorCodes, b.OperatorCodes)
	require.Len(t, b.Subgraphs, len(a.Subgraphs))
	for s := range a.Subgraphs {
		as, bs := &a.Subgraphs[s], &b.Subgraphs[s]
		require.Len(t, bs.Tensors, len(as.Tensors))
		for i := range as.Tensors {
			if names {
				require.Equal(t, as.Tensors[i].Name, bs.Tensors[i].Name)
			}
			require.Equal(t, as.Tensors[i].Type, bs.Tensors[i].Type, as.Tensors[i].Name)
			require.Equal(t, as.Tensors[i].Shape, bs.Tensors[i].Shape, as.Tensors[i].Name)
		}
		require.Equal(t, as.Operators, bs.Operators)
		require.Equal(t, as.Inputs, bs.Inputs)
		require.Equal(t, as.Outputs, bs.Outputs)
	}
}

// TestFloat16 checks Float16 on every float model: TFLite's layout, the
// same outputs in percept as the float model with its weights rounded to
// float16 (percept folds the DEQUANTIZEs exactly), outputs close to the
// float model's, the same best class on every photo (MobileNet, whose
// labels survive), and Widen back to the float structure.
//
// Closeness: the deviation is what rounding the weights to float16 does,
// not percept's: MobileNet v1 0.25's probabilities move by up to 0.012
// (0.09 of the largest probability of an uncertain photo), BlazeFace's
// outputs by 2e-3 of their largest value; the bounds below hold that with
// a margin.
func TestFloat16(t *testing.T) {
	bound := map[string]float64{mobilenet.name: 0.15, blazeface.name: 4e-3}
	for _, fm := range floatModels {
		t.Run(fm.name, func(t *testing.T) {
			f := fm.open(t)
			q, rep, err := optimize.Float16(f)
			require.NoError(t, err)
			n := requireFloat16Layout(t, f, q, true)
			assert.Equal(t, n, len(rep.Tensors))

			w, _, err := optimize.Widen(q)
			require.NoError(t, err)
			requireSameStructure(t, f, w)
			for _, c := range rep.Tensors {
				want := floatValues(t, f, c.Index)
				got := floatValues(t, w, c.Index)
				for j := range want {
					require.Equal(t, kernels.HalfFromFloat32(want[j]).Float32(), got[j], "%s element %d", c.Name, j)
				}
			}

			inputs := fm.inputs(t)
			want, got := run(t, f, inputs), run(t, q, inputs)
			require.Equal(t, run(t, w, inputs), got, "percept runs the float16 model as float32 with rounded weights")
			dev := relativeDeviation(want, got)
			t.Logf("%s: %d constants to float16; outputs deviate by %.2g of their largest value over %d inputs", fm.name, n, dev, len(inputs))
			assert.Less(t, dev, bound[fm.name])
			if fm.name == mobilenet.name {
				assertSameTopOnes(t, f, q)
			}
			// The input model is untouched.
			requireSameStructure(t, fm.open(t), f)
		})
	}
}

// TestFloat16OfTFLitesModels widens TFLite's float16 models and narrows
// them again: the result is TFLite's file tensor for tensor (names, types,
// shapes, the very float16 bytes), operator for operator, up to the order
// of the DEQUANTIZE operators and of the _dequantize tensors.
func TestFloat16OfTFLitesModels(t *testing.T) {
	for _, name := range []string{"face_detection_short_range.tflite", "hand_landmark_lite.tflite"} {
		t.Run(name, func(t *testing.T) {
			tfl, err := tflite.Open(testmodels.Path(t, "float16", name))
			require.NoError(t, err)
			defer tfl.Close()
			w, wrep, err := optimize.Widen(tfl)
			require.NoError(t, err)
			require.Empty(t, wrep.Skipped)
			for _, sg := range w.Subgraphs {
				for _, tt := range sg.Tensors {
					require.NotEqual(t, tflite.TypeFloat16, tt.Type, "%q widened", tt.Name)
				}
			}
			// TFLite's file obeys the layout rules, as Float16 of its widened self.
			n := requireFloat16Layout(t, w, tfl, true)
			assert.Equal(t, n, wrep.OpsRemoved)

			q, rep, err := optimize.Float16(w)
			require.NoError(t, err)
			assert.Equal(t, n, requireFloat16Layout(t, w, q, true))
			assert.Equal(t, n, rep.OpsAdded)
			assert.Equal(t, tfl.OperatorCodes, q.OperatorCodes)
			byName := map[string]tflite.Tensor{}
			for _, tt := range tfl.Subgraphs[0].Tensors {
				byName[tt.Name] = tt
			}
			require.Len(t, q.Subgraphs[0].Tensors, len(byName))
			for _, tt := range q.Subgraphs[0].Tensors {
				want, ok := byName[tt.Name]
				require.True(t, ok, "TFLite's model has a tensor %q", tt.Name)
				assert.Equal(t, want.Type, tt.Type, tt.Name)
				assert.Equal(t, want.Shape, tt.Shape, tt.Name)
				assert.Equal(t, tfl.Buffers[want.Buffer].Data, q.Buffers[tt.Buffer].Data, tt.Name)
			}
		})
	}
}
