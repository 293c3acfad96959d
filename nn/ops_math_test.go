package nn

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/npy"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/internal/tflitetest"
	"github.com/percept-robotics/percept/tflite"
)

// The BuiltinOptions tags of the options these tests write.
const (
	optionsMul     uint8 = 21
	optionsSub     uint8 = 28
	optionsReducer       = tflitetest.OptionsReducer
)

// unaryModel is one operator from in to out (shape shape, the given types
// and quantizations).
func unaryModel(code tflite.BuiltinOperator, typ tflite.TensorType, shape []int32, qi, qo *tflitetest.Affine) *tflitetest.Model {
	m := tflitetest.NewModel()
	in := m.Tensor("in", typ, shape, nil, qi)
	out := m.Tensor("out", typ, shape, nil, qo)
	m.Op(code, 1, []int32{in}, []int32{out}, 0, nil)
	m.Inputs, m.Outputs = []int32{in}, []int32{out}
	return m
}

func TestUnaryMath(t *testing.T) {
	for _, tc := range []struct {
		code tflite.BuiltinOperator
		in   []float32
		want []float32
	}{
		{tflite.OpRsqrt, []float32{4, 0.25, 1}, []float32{0.5, 2, 1}},
		{tflite.OpExp, []float32{0, 1, -1}, []float32{1, float32(math.E), float32(1 / math.E)}},
	} {
		it, err := build(t, unaryModel(tc.code, tflite.TypeFloat32, []int32{3}, nil, nil))
		require.NoError(t, err)
		copy(it.Input(0).Float32s(), tc.in)
		require.NoError(t, it.Invoke())
		assert.Equal(t, tc.want, it.Output(0).Float32s(), tc.code.String())
	}

	// int8 RSQRT: an input below the zero point fails the Invoke, as in
	// TFLite; one at it gives the maximum.
	it, err := build(t, unaryModel(tflite.OpRsqrt, tflite.TypeInt8, []int32{3}, &tflitetest.Affine{Scale: 1, Zero: -10}, &tflitetest.Affine{Scale: 1.0 / 128}))
	require.NoError(t, err)
	copy(it.Input(0).Int8s(), []int8{-6, -10, 6})
	require.NoError(t, it.Invoke())
	assert.Equal(t, []int8{64, 127, 32}, it.Output(0).Int8s())
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = it.Invoke() }))
	it.Input(0).Int8s()[2] = -11
	assert.ErrorContains(t, it.Invoke(), `RSQRT of a negative value: element 2 of tensor 0 "in"`)

	it, err = build(t, unaryModel(tflite.OpSqrt, tflite.TypeInt8, []int32{2}, &tflitetest.Affine{Scale: 1}, &tflitetest.Affine{Scale: 1}))
	require.NoError(t, err)
	copy(it.Input(0).Int8s(), []int8{9, -1})
	assert.ErrorContains(t, it.Invoke(), "SQRT of a negative value: element 1")

	_, err = build(t, unaryModel(tflite.OpExp, tflite.TypeUint8, []int32{2}, &tflitetest.Affine{Scale: 1}, &tflitetest.Affine{Scale: 1}))
	assert.ErrorIs(t, err, ErrUnsupported)
}

func TestReductions(t *testing.T) {
	reduce := func(code tflite.BuiltinOperator, typ tflite.TensorType, shape []int32, axes []int32, keep bool, q *tflitetest.Affine) *tflitetest.Model {
		m := tflitetest.NewModel()
		in := m.Tensor("in", typ, shape, nil, q)
		a := m.Tensor("axes", tflite.TypeInt32, []int32{int32(len(axes))}, tflitetest.Int32s(axes...), nil)
		out := m.Tensor("out", typ, nil, nil, q)
		m.Op(code, 1, []int32{in, a}, []int32{out}, optionsReducer, tflitetest.Table{keep})
		m.Inputs, m.Outputs = []int32{in}, []int32{out}
		return m
	}
	// SUM over axis 1 and −1 (repeated: 2 and −1 are the same) of [2 2 3].
	it, err := build(t, reduce(tflite.OpSum, tflite.TypeFloat32, []int32{2, 2, 3}, []int32{1, 2, -1}, false, nil))
	require.NoError(t, err)
	assert.Equal(t, []int{2}, it.Output(0).Shape)
	copy(it.Input(0).Float32s(), []float32{1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, 0.5})
	require.NoError(t, it.Invoke())
	assert.Equal(t, []float32{21, -14.5}, it.Output(0).Float32s())

	it, err = build(t, reduce(tflite.OpReduceMax, tflite.TypeInt32, []int32{2, 3}, []int32{0}, true, nil))
	require.NoError(t, err)
	assert.Equal(t, []int{1, 3}, it.Output(0).Shape)
	copy(it.Input(0).Int32s(), []int32{1, -5, 3, 0, -7, 9})
	require.NoError(t, it.Invoke())
	assert.Equal(t, []int32{1, -5, 9}, it.Output(0).Int32s())

	// REDUCE_MAX needs one quantization on both sides.
	m := reduce(tflite.OpReduceMax, tflite.TypeUint8, []int32{2, 3}, []int32{0}, true, &tflitetest.Affine{Scale: 1})
	m.Tensor("unused", tflite.TypeUint8, []int32{1}, nil, nil)
	root := m.Root()
	tensors := root[2].([]tflitetest.Table)[0][0].([]tflitetest.Table)
	tensors[2][4] = tflitetest.Table{nil, nil, []float32{2}, []int64{0}}
	_, err = New(parseRoot(t, root), &Options{Threads: 1})
	assert.ErrorContains(t, err, "quantized differently")

	_, err = build(t, reduce(tflite.OpSum, tflite.TypeFloat32, []int32{2, 3}, []int32{2}, false, nil))
	assert.ErrorContains(t, err, "axis 2 out of range for rank 2")
}

func TestMaximumMinimumSquaredDifference(t *testing.T) {
	it, err := build(t, binaryModel(tflite.OpMaximum, tflite.TypeFloat32, []int32{2, 2}, []int32{2}, tflitetest.Floats(0, 10), 0, nil, nil))
	require.NoError(t, err)
	copy(it.Input(0).Float32s(), []float32{-1, 11, 3, 4})
	require.NoError(t, it.Invoke())
	assert.Equal(t, []float32{0, 11, 3, 10}, it.Output(0).Float32s())

	it, err = build(t, binaryModel(tflite.OpMinimum, tflite.TypeUint8, []int32{3}, []int32{1}, []byte{100}, 0, nil, &tflitetest.Affine{Scale: 1}))
	require.NoError(t, err)
	copy(it.Input(0).Uint8s(), []uint8{0, 150, 100})
	require.NoError(t, it.Invoke())
	assert.Equal(t, []uint8{0, 100, 100}, it.Output(0).Uint8s())

	it, err = build(t, binaryModel(tflite.OpSquaredDifference, tflite.TypeInt8, []int32{3}, []int32{3}, nil, 0, nil, &tflitetest.Affine{Scale: 1}))
	require.NoError(t, err)
	copy(it.Input(0).Int8s(), []int8{5, -3, 100})
	copy(it.Input(1).Int8s(), []int8{2, 3, 0})
	require.NoError(t, it.Invoke())
	assert.Equal(t, []int8{9, 36, 127}, it.Output(0).Int8s())

	_, err = build(t, binaryModel(tflite.OpSquaredDifference, tflite.TypeUint8, []int32{3}, []int32{3}, nil, 0, nil, &tflitetest.Affine{Scale: 1}))
	assert.ErrorContains(t, err, "want FLOAT32, INT32 or INT8")
	_, err = build(t, binaryModel(tflite.OpMaximum, tflite.TypeInt64, []int32{3}, []int32{3}, nil, 0, nil, nil))
	assert.ErrorIs(t, err, ErrUnsupported)
}

// oracleModel builds, op by op, a model with one input whose outputs are
// the results of each operator under test, for comparison with LiteRT.js
// (which feeds one input tensor per run).
type oracleModel struct {
	*tflitetest.Model
	rng  *rand.Rand
	outs []string // the name of each output, for messages
}

// constant adds a constant tensor of random bytes valid for typ (nonzero
// after offset when nonzero is set, for divisors).
func (o *oracleModel) constant(name string, typ tflite.TensorType, shape []int32, q *tflitetest.Affine, nonzero bool) int32 {
	n := 1
	for _, d := range shape {
		n *= int(d)
	}
	var data []byte
	for range n {
		switch typ {
		case tflite.TypeFloat32:
			v := float32(o.rng.NormFloat64() * 2)
			if nonzero && math.Abs(float64(v)) < 0.1 {
				v = 0.5
			}
			data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v))
		case tflite.TypeInt32:
			v := o.rng.Int32N(41) - 20
			if nonzero && v == 0 {
				v = -3
			}
			data = binary.LittleEndian.AppendUint32(data, uint32(v))
		default:
			v := byte(o.rng.IntN(256))
			for nonzero && q != nil && int64(int8(v)) == q.Zero && typ == tflite.TypeInt8 || nonzero && q != nil && int64(v) == q.Zero && typ == tflite.TypeUint8 {
				v++
			}
			data = append(data, v)
		}
	}
	return o.Tensor(name, typ, shape, data, q)
}

// output marks tensor t as a model output.
func (o *oracleModel) output(name string, t int32) {
	o.Outputs = append(o.Outputs, t)
	o.outs = append(o.outs, name)
}

// op adds operator code from inputs to a new tensor of typ (quantized as q)
// and returns it.
func (o *oracleModel) op(name string, code tflite.BuiltinOperator, typ tflite.TensorType, q *tflitetest.Affine, inputs []int32, optionsType uint8, options tflitetest.Table) int32 {
	t := o.Tensor(name, typ, nil, nil, q)
	o.Op(code, 1, inputs, []int32{t}, optionsType, options)
	return t
}

// TestNewOperatorsMatchLiteRT runs every operator of this family, every
// type, through percept and LiteRT.js (TFLite in WebAssembly) on random
// inputs and compares: integer outputs (int32, and int8/uint8 ones,
// dequantized exactly to float where LiteRT.js cannot return int8) must be
// identical, float ones within a few ulps (XNNPACK orders sums
// differently).
func TestNewOperatorsMatchLiteRT(t *testing.T) {
	ref := testmodels.LiteRTJS(t)
	for _, kind := range []string{"uint8", "float32", "int32"} {
		t.Run(kind, func(t *testing.T) {
			o, it := oracleInterpreter(t, kind)
			// LiteRT.js reads the outputs' shapes from the file: write
			// the ones percept derived.
			tensors := o.Root()[2].([]tflitetest.Table)[0][0].([]tflitetest.Table)
			for i, table := range tensors {
				if s, _ := table[0].([]int32); len(s) == 0 && it.Tensor(i).Shape != nil {
					var s []int32
					for _, d := range it.Tensor(i).Shape {
						s = append(s, int32(d))
					}
					table[0] = s
				}
			}
			dir := t.TempDir()
			model := filepath.Join(dir, "ops.tflite")
			require.NoError(t, os.WriteFile(model, o.Encode(), 0o600))
			in := it.Input(0)
			data := in.Bytes()
			for i := range data {
				data[i] = byte(o.rng.Uint32())
			}
			if kind == "float32" {
				for i, f := 0, in.Float32s(); i < len(f); i++ {
					f[i] = float32(o.rng.NormFloat64() * 3)
				}
			} else if kind == "int32" {
				for i, v := 0, in.Int32s(); i < len(v); i++ {
					v[i] = o.rng.Int32N(201) - 100
				}
			}
			dtype := map[string]string{"uint8": "|u1", "float32": "<f4", "int32": "<i4"}[kind]
			inPath := filepath.Join(dir, "in.npy")
			writeNPY(t, inPath, dtype, in)
			require.NoError(t, it.Invoke())

			outs := ref.Run(t, model, inPath)[0]
			require.Len(t, outs, len(o.outs))
			for k, p := range outs {
				want, err := npy.ReadFile(p)
				require.NoError(t, err)
				got := it.Output(k)
				name := fmt.Sprintf("output %d %s %v", k, o.outs[k], got)
				if o.outs[k][0] == '~' {
					// LiteRT.js runs quantized SUM in XNNPACK, which
					// rounds halves to even where TFLite's reference (and
					// percept) round them away from zero.
					require.Len(t, got.Bytes(), len(want.Data), name)
					for i, w := range want.Data {
						assert.InDelta(t, w, got.Bytes()[i], 1, "%s element %d", name, i)
					}
					continue
				}
				if got.Type != tflite.TypeFloat32 || o.outs[k][0] == '=' {
					assert.Equal(t, want.Data, got.Bytes(), name)
					continue
				}
				w, err := want.Float32s()
				require.NoError(t, err)
				g := got.Float32s()
				require.Len(t, g, len(w), name)
				bad := 0
				for i := range w {
					if !floatsClose(w[i], g[i]) {
						if bad < 3 {
							t.Errorf("%s element %d: LiteRT.js %v, percept %v", name, i, w[i], g[i])
						}
						bad++
					}
				}
				assert.Zero(t, bad, name)
			}
		})
	}
}

// oracleInterpreter builds the oracle model of one input type (uint8,
// float32 or int32) and an interpreter for it with 2 threads.
func oracleInterpreter(t testing.TB, kind string) (*oracleModel, *Interpreter) {
	o := &oracleModel{Model: tflitetest.NewModel(), rng: rand.New(rand.NewPCG(15, 9))}
	var x int32
	switch kind {
	case "uint8":
		buildUint8Oracle(o, []int32{1, 3, 4, 8}, &x)
	case "float32":
		buildFloatOracle(o, []int32{1, 3, 4, 8}, &x)
	default:
		buildInt32Oracle(o, []int32{1, 2, 3, 4}, &x)
	}
	o.Inputs = []int32{x}
	it, err := New(o.Parse(t), &Options{Threads: 2})
	require.NoError(t, err)
	t.Cleanup(func() { it.Close() })
	return o, it
}

// TestNewOperatorsAllocateNothing: the oracle models, which hold every
// operator of this family, invoke without heap allocations (2 threads).
func TestNewOperatorsAllocateNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	for _, kind := range []string{"uint8", "float32", "int32"} {
		_, it := oracleInterpreter(t, kind)
		if kind == "float32" {
			for i, f := 0, it.Input(0).Float32s(); i < len(f); i++ {
				f[i] = 1 + float32(i%7)
			}
		}
		require.NoError(t, it.Invoke())
		for range 20 {
			_ = it.Invoke()
		}
		assert.Zero(t, testing.AllocsPerRun(200, func() { _ = it.Invoke() }), kind)
	}
}

// floatsClose: equal, both NaN, or within 1e-5 relative (absolute below
// 1: sums of products cancel).
func floatsClose(a, b float32) bool {
	if a == b || a != a && b != b {
		return true
	}
	d := math.Abs(float64(a) - float64(b))
	return d <= 1e-5*max(math.Abs(float64(a)), math.Abs(float64(b)), 1)
}

// buildUint8Oracle: uint8 DIV, MAXIMUM, MINIMUM, SUM, REDUCE_MAX and
// TRANSPOSE_CONV on the input, and through QUANTIZE to int8 the int8
// SQRT, RSQRT, EXP, SQUARED_DIFFERENCE, MAXIMUM and per-channel
// TRANSPOSE_CONV, each dequantized for output ("=" marks outputs compared
// bit for bit, "~" within one step).
func buildUint8Oracle(o *oracleModel, shape []int32, x *int32) {
	qx := &tflitetest.Affine{Scale: 0.05, Zero: 100}
	*x = o.Tensor("x", tflite.TypeUint8, shape, nil, qx)
	qc := &tflitetest.Affine{Scale: 0.03, Zero: 20}
	div := o.constant("divisor", tflite.TypeUint8, []int32{1, 1, 4, 1}, qc, true)
	o.output("=div", o.op("div", tflite.OpDiv, tflite.TypeUint8, &tflitetest.Affine{Scale: 0.25, Zero: 128}, []int32{*x, div}, optionsDiv, tflitetest.Table{int8(0)}))
	c := o.constant("c", tflite.TypeUint8, []int32{8}, qx, false)
	o.output("=max", o.op("max", tflite.OpMaximum, tflite.TypeUint8, qx, []int32{*x, c}, 0, nil))
	o.output("=min", o.op("min", tflite.OpMinimum, tflite.TypeUint8, qx, []int32{*x, c}, 0, nil))
	axes12 := o.Tensor("axes12", tflite.TypeInt32, []int32{2}, tflitetest.Int32s(1, 2), nil)
	o.output("~sum", o.op("sum", tflite.OpSum, tflite.TypeUint8, &tflitetest.Affine{Scale: 0.1, Zero: 60}, []int32{*x, axes12}, optionsReducer, tflitetest.Table{false}))
	axesLast := o.Tensor("axes_last", tflite.TypeInt32, []int32{1}, tflitetest.Int32s(-1), nil)
	o.output("=reduce_max", o.op("reduce_max", tflite.OpReduceMax, tflite.TypeUint8, qx, []int32{*x, axesLast}, optionsReducer, tflitetest.Table{true}))

	tcShape := o.Tensor("tc_shape", tflite.TypeInt32, []int32{4}, tflitetest.Int32s(1, 6, 8, 5), nil)
	qf := &tflitetest.Affine{Scale: 0.01, Zero: 120}
	filter := o.constant("tc_filter", tflite.TypeUint8, []int32{5, 3, 3, 8}, qf, false)
	bias := o.constant("tc_bias", tflite.TypeInt32, []int32{5}, nil, false)
	o.output("=tconv", o.op("tconv", tflite.OpTransposeConv, tflite.TypeUint8, &tflitetest.Affine{Scale: 0.05, Zero: 128},
		[]int32{tcShape, filter, *x, bias}, optionsTransposeConv, tflitetest.Table{int8(tflite.PaddingSame), int32(2), int32(2)}))

	// int8: q8 spans the input's range, pos only its non-negative part.
	q8a := &tflitetest.Affine{Scale: 0.05, Zero: -28}
	q8 := o.op("q8", tflite.OpQuantize, tflite.TypeInt8, q8a, []int32{*x}, 0, nil)
	posA := &tflitetest.Affine{Scale: 0.04, Zero: -128}
	pos := o.op("pos", tflite.OpQuantize, tflite.TypeInt8, posA, []int32{*x}, 0, nil)
	deq := func(name string, t int32) {
		o.output("="+name, o.op(name+"_f", tflite.OpDequantize, tflite.TypeFloat32, nil, []int32{t}, 0, nil))
	}
	deq("sqrt8", o.op("sqrt8", tflite.OpSqrt, tflite.TypeInt8, &tflitetest.Affine{Scale: 0.015, Zero: -128}, []int32{pos}, 0, nil))
	deq("rsqrt8", o.op("rsqrt8", tflite.OpRsqrt, tflite.TypeInt8, &tflitetest.Affine{Scale: 0.05, Zero: -128}, []int32{pos}, 0, nil))
	deq("exp8", o.op("exp8", tflite.OpExp, tflite.TypeInt8, &tflitetest.Affine{Scale: 0.5, Zero: -128}, []int32{q8}, 0, nil))
	deq("sqdiff8", o.op("sqdiff8", tflite.OpSquaredDifference, tflite.TypeInt8, &tflitetest.Affine{Scale: 0.3, Zero: -128}, []int32{q8, pos}, 0, nil))
	deq("max8", o.op("max8", tflite.OpMaximum, tflite.TypeInt8, q8a, []int32{q8, pos}, 0, nil))

	// VALID, stride 2 down and 1 across over [3 4]: a [1 7 6 5] output.
	// (LiteRT.js's XNNPACK fills outputs beyond the input's reach, which
	// TFLite's reference leaves at the bias: the geometries here are
	// consistent.)
	tcShape8 := o.Tensor("tc_shape8", tflite.TypeInt32, []int32{4}, tflitetest.Int32s(1, 7, 6, 5), nil)
	filter8 := o.constant("tc_filter8", tflite.TypeInt8, []int32{5, 3, 3, 8}, &tflitetest.Affine{Scale: 0.01}, false)
	tensors := o.Root()[2].([]tflitetest.Table)[0][0].([]tflitetest.Table)
	tensors[filter8][4] = tflitetest.Table{nil, nil, []float32{0.01, 0.02, 0.005, 0.03, 0.01}, []int64{0, 0, 0, 0, 0}, nil, nil, int32(0)}
	tc8 := o.op("tconv8", tflite.OpTransposeConv, tflite.TypeInt8, &tflitetest.Affine{Scale: 0.04, Zero: 3},
		[]int32{tcShape8, filter8, q8, o.constant("tc_bias8", tflite.TypeInt32, []int32{5}, nil, false)}, optionsTransposeConv, tflitetest.Table{int8(tflite.PaddingValid), int32(1), int32(2)})
	deq("tconv8", tc8)
}

// buildFloatOracle: the float operators.
func buildFloatOracle(o *oracleModel, shape []int32, x *int32) {
	*x = o.Tensor("x", tflite.TypeFloat32, shape, nil, nil)
	div := o.constant("divisor", tflite.TypeFloat32, []int32{1, 1, 4, 1}, nil, true)
	o.output("div", o.op("div", tflite.OpDiv, tflite.TypeFloat32, nil, []int32{*x, div}, optionsDiv, tflitetest.Table{int8(tflite.ActRelu6)}))
	o.output("floor_div", o.op("floor_div", tflite.OpFloorDiv, tflite.TypeFloat32, nil, []int32{*x, div}, 0, nil))
	o.output("sqrt", o.op("sqrt", tflite.OpSqrt, tflite.TypeFloat32, nil, []int32{*x}, 0, nil))
	o.output("rsqrt", o.op("rsqrt", tflite.OpRsqrt, tflite.TypeFloat32, nil, []int32{*x}, 0, nil))
	o.output("exp", o.op("exp", tflite.OpExp, tflite.TypeFloat32, nil, []int32{*x}, 0, nil))
	c := o.constant("c", tflite.TypeFloat32, []int32{8}, nil, false)
	o.output("sqdiff", o.op("sqdiff", tflite.OpSquaredDifference, tflite.TypeFloat32, nil, []int32{*x, c}, 0, nil))
	o.output("max", o.op("max", tflite.OpMaximum, tflite.TypeFloat32, nil, []int32{*x, c}, 0, nil))
	o.output("min", o.op("min", tflite.OpMinimum, tflite.TypeFloat32, nil, []int32{*x, c}, 0, nil))
	axes := o.Tensor("axes", tflite.TypeInt32, []int32{2}, tflitetest.Int32s(1, -1), nil)
	o.output("sum", o.op("sum", tflite.OpSum, tflite.TypeFloat32, nil, []int32{*x, axes}, optionsReducer, tflitetest.Table{true}))
	o.output("reduce_max", o.op("reduce_max", tflite.OpReduceMax, tflite.TypeFloat32, nil, []int32{*x, axes}, optionsReducer, tflitetest.Table{false}))
	tcShape := o.Tensor("tc_shape", tflite.TypeInt32, []int32{4}, tflitetest.Int32s(1, 6, 8, 4), nil)
	filter := o.constant("tc_filter", tflite.TypeFloat32, []int32{4, 3, 2, 8}, nil, false)
	bias := o.constant("tc_bias", tflite.TypeFloat32, []int32{4}, nil, false)
	o.output("tconv", o.op("tconv", tflite.OpTransposeConv, tflite.TypeFloat32, nil,
		[]int32{tcShape, filter, *x, bias}, optionsTransposeConv, tflitetest.Table{int8(tflite.PaddingSame), int32(2), int32(2)}))
}

// buildInt32Oracle: the int32 operators.
func buildInt32Oracle(o *oracleModel, shape []int32, x *int32) {
	*x = o.Tensor("x", tflite.TypeInt32, shape, nil, nil)
	d := o.constant("divisor", tflite.TypeInt32, []int32{1, 1, 3, 1}, nil, true)
	o.output("floor_div", o.op("floor_div", tflite.OpFloorDiv, tflite.TypeInt32, nil, []int32{*x, d}, 0, nil))
	o.output("div", o.op("div", tflite.OpDiv, tflite.TypeInt32, nil, []int32{*x, d}, optionsDiv, tflitetest.Table{int8(0)}))
	o.output("mul", o.op("mul", tflite.OpMul, tflite.TypeInt32, nil, []int32{*x, d}, optionsMul, tflitetest.Table{int8(0)}))
	o.output("sub", o.op("sub", tflite.OpSub, tflite.TypeInt32, nil, []int32{*x, d}, optionsSub, tflitetest.Table{int8(tflite.ActRelu)}))
	o.output("add", o.op("add", tflite.OpAdd, tflite.TypeInt32, nil, []int32{*x, d}, tflitetest.OptionsAdd, tflitetest.Table{int8(tflite.ActRelu6)}))
	o.output("sqdiff", o.op("sqdiff", tflite.OpSquaredDifference, tflite.TypeInt32, nil, []int32{*x, d}, 0, nil))
	o.output("max", o.op("max", tflite.OpMaximum, tflite.TypeInt32, nil, []int32{*x, d}, 0, nil))
	axes := o.Tensor("axes", tflite.TypeInt32, []int32{1}, tflitetest.Int32s(2), nil)
	o.output("sum", o.op("sum", tflite.OpSum, tflite.TypeInt32, nil, []int32{*x, axes}, optionsReducer, tflitetest.Table{false}))
	o.output("reduce_max", o.op("reduce_max", tflite.OpReduceMax, tflite.TypeInt32, nil, []int32{*x, axes}, optionsReducer, tflitetest.Table{true}))
}

// mathModels are the hand-written models holding the operators of this
// family: the three oracle models and MediaPipe's transposed convolution.
func mathModels(t testing.TB) map[string][]byte {
	models := map[string][]byte{}
	for _, kind := range []string{"uint8", "float32", "int32"} {
		o, _ := oracleInterpreter(t, kind)
		models[kind] = o.Encode()
	}
	m := tflitetest.NewModel()
	x := m.Tensor("in", tflite.TypeFloat32, []int32{1, 3, 3, 2}, nil, nil)
	filter := m.Tensor("filter", tflite.TypeFloat32, []int32{2, 2, 2, 2}, tflitetest.Floats(1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8), nil)
	b := m.Tensor("bias", tflite.TypeFloat32, []int32{2}, tflitetest.Floats(1, -1), nil)
	out := m.Tensor("out", tflite.TypeFloat32, nil, nil, nil)
	m.CustomOp("Convolution2DTransposeBias", []int32{x, filter, b}, []int32{out})
	m.Inputs, m.Outputs = []int32{x}, []int32{out}
	root := m.Root()
	ops := root[2].([]tflitetest.Table)[0][3].([]tflitetest.Table)
	ops[0] = append(ops[0], mediaPipeOptions(1, 2, 2))
	models["transpose_bias"] = tflitetest.Encode(root, "TFL3")
	return models
}

// TestCorruptMathModelsNeverPanic mutates the models of this family's
// operators (bit flips in the file, then semantic edits of the parsed
// model: shapes, types, quantization, indices) and runs each through
// Parse, New and Invoke: errors are fine, panics are not.
func TestCorruptMathModelsNeverPanic(t *testing.T) {
	lim := robustLimits{arenaBytes: 64 << 20, macs: 1 << 26}
	for name, data := range mathModels(t) {
		t.Run(name, func(t *testing.T) {
			outcomes := map[string]int{}
			defer func() { t.Logf("outcomes: %v", outcomes) }()
			check := func(what string, data []byte, m *tflite.Model, seed uint64) {
				t.Helper()
				reached, err := exercise(data, m, lim, true, seed)
				outcomes[reached]++
				require.NoError(t, err, what)
			}
			mutated := make([]byte, len(data))
			for trial := range 200 {
				rng := rand.New(rand.NewPCG(uint64(trial), 6))
				copy(mutated, data)
				var flips []int
				for range 1 + rng.IntN(4) {
					at := rng.IntN(len(data))
					mutated[at] ^= 1 << rng.IntN(8)
					flips = append(flips, at)
				}
				check(fmt.Sprintf("bit flips at %v", flips), mutated, nil, uint64(trial))
			}
			parsed, err := tflite.Parse(data)
			require.NoError(t, err)
			for trial := range 300 {
				rng := rand.New(rand.NewPCG(uint64(trial), 7))
				c := cloneModel(parsed)
				what := mutateModel(c, rng)
				check(what, nil, c, uint64(trial))
			}
		})
	}
}

// FuzzNewMathOperators is FuzzNew seeded with this family's models.
func FuzzNewMathOperators(f *testing.F) {
	for _, data := range mathModels(f) {
		f.Add(data)
	}
	lim := robustLimits{arenaBytes: 64 << 20, macs: 1 << 26}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := exercise(data, nil, lim, true, uint64(len(data))); err != nil {
			t.Fatal(err)
		}
	})
}
