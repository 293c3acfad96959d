package nn

import (
	"bytes"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/tflitetest"
	"github.com/percept-robotics/percept/tflite"
)

// optionsDiv tags DivOptions in the BuiltinOptions union.
const optionsDiv uint8 = 29

// binaryModel is one binary operator from inputs x (shape xs) and y (shape
// ys, constant when yData is not nil) to out, all of type typ.
func binaryModel(code tflite.BuiltinOperator, typ tflite.TensorType, xs, ys []int32, yData []byte, optionsType uint8, options tflitetest.Table, q *tflitetest.Affine) *tflitetest.Model {
	m := tflitetest.NewModel()
	x := m.Tensor("x", typ, xs, nil, q)
	y := m.Tensor("y", typ, ys, yData, q)
	out := m.Tensor("out", typ, nil, nil, q)
	m.Op(code, 1, []int32{x, y}, []int32{out}, optionsType, options)
	m.Inputs, m.Outputs = []int32{x}, []int32{out}
	if yData == nil {
		m.Inputs = []int32{x, y}
	}
	return m
}

// TestDivLikeMoveNet: MoveNet divides a [1 48 48 17] heatmap by a
// [48 48 17] tensor; here [1 2 2 3] by [2 2 3], with a zero divisor.
func TestDivLikeMoveNet(t *testing.T) {
	it, err := build(t, binaryModel(tflite.OpDiv, tflite.TypeFloat32, []int32{1, 2, 2, 3}, []int32{2, 2, 3}, nil,
		optionsDiv, tflitetest.Table{int8(tflite.ActNone)}, nil))
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2, 2, 3}, it.Output(0).Shape)
	copy(it.Input(0).Float32s(), []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, -12})
	copy(it.Input(1).Float32s(), []float32{2, 4, 3, 8, 0.5, 1, 7, 2, 9, 4, 11, 0})
	require.NoError(t, it.Invoke())
	assert.Equal(t, []float32{0.5, 0.5, 1, 0.5, 10, 6, 1, 4, 1, 2.5, 1, -math.MaxFloat32}, it.Output(0).Float32s())
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = it.Invoke() }))
}

// TestFloorDivLikeMoveNet: MoveNet's FLOOR_DIV takes an int32 [1 17] of
// ARG_MAX indices and a constant int32 scalar; negative dividends round
// toward −∞.
func TestFloorDivLikeMoveNet(t *testing.T) {
	it, err := build(t, binaryModel(tflite.OpFloorDiv, tflite.TypeInt32, []int32{1, 5}, []int32{}, tflitetest.Int32s(48), 0, nil, nil))
	require.NoError(t, err)
	copy(it.Input(0).Int32s(), []int32{0, 47, 48, 2303, -1})
	require.NoError(t, it.Invoke())
	assert.Equal(t, []int32{0, 0, 1, 47, -1}, it.Output(0).Int32s())

	it, err = build(t, binaryModel(tflite.OpFloorDiv, tflite.TypeFloat32, []int32{3}, []int32{3}, nil, 0, nil, nil))
	require.NoError(t, err)
	copy(it.Input(0).Float32s(), []float32{7, -7, 1})
	copy(it.Input(1).Float32s(), []float32{2, 2, 0.5})
	require.NoError(t, it.Invoke())
	assert.Equal(t, []float32{3, -4, 2}, it.Output(0).Float32s())
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = it.Invoke() }))

	// A zero divisor (−0 too) fails the Invoke as in TFLite, the next one
	// without it succeeds.
	it.Input(1).Float32s()[2] = float32(math.Copysign(0, -1))
	err = it.Invoke()
	require.Error(t, err)
	assert.Contains(t, err.Error(), `op 0 FLOOR_DIV (v1): division by 0: element 2 of divisor tensor 1 "y" FLOAT32[3]`)
	it.Input(1).Float32s()[2] = 1
	require.NoError(t, it.Invoke())

	// A constant zero divisor fails New.
	_, err = build(t, binaryModel(tflite.OpFloorDiv, tflite.TypeInt32, []int32{2}, []int32{2}, tflitetest.Int32s(3, 0), 0, nil, nil))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `division by 0: element 1 of constant divisor tensor 1 "y" INT32[2]`)
}

func TestDivInt32AndQuantized(t *testing.T) {
	it, err := build(t, binaryModel(tflite.OpDiv, tflite.TypeInt32, []int32{4}, []int32{1}, tflitetest.Int32s(-2), optionsDiv,
		tflitetest.Table{int8(tflite.ActRelu)}, nil))
	require.NoError(t, err)
	copy(it.Input(0).Int32s(), []int32{-7, 7, 1, -1})
	require.NoError(t, it.Invoke())
	assert.Equal(t, []int32{3, 0, 0, 0}, it.Output(0).Int32s())

	q := &tflitetest.Affine{Scale: 0.5, Zero: 10}
	it, err = build(t, binaryModel(tflite.OpDiv, tflite.TypeUint8, []int32{1, 4}, []int32{1, 4}, nil, optionsDiv,
		tflitetest.Table{int8(tflite.ActNone)}, q))
	require.NoError(t, err)
	copy(it.Input(0).Uint8s(), []uint8{30, 0, 10, 255}) // 10, −5, 0, 122.5
	copy(it.Input(1).Uint8s(), []uint8{14, 20, 12, 10}) // 2, 5, 1, 0
	require.NoError(t, it.Invoke())
	// 5, −1, 0 and the clamp limit for the zero divisor.
	assert.Equal(t, []uint8{20, 8, 10, 255}, it.Output(0).Uint8s())
}

// TestLargeDivSplitsAcrossWorkers: a DIV of operands of one shape and at
// least parallelElements elements splits; two threads give the one
// thread's result.
func TestLargeDivSplitsAcrossWorkers(t *testing.T) {
	m := binaryModel(tflite.OpDiv, tflite.TypeFloat32, []int32{1, 48, 48, 17}, []int32{48, 48, 17}, nil, optionsDiv, tflitetest.Table{int8(tflite.ActNone)}, nil)
	parsed := m.Parse(t)
	var outs [][]byte
	for _, threads := range []int{1, 2} {
		it, err := New(parsed, &Options{Threads: threads})
		require.NoError(t, err)
		defer it.Close()
		for i := range it.Input(0).Float32s() {
			it.Input(0).Float32s()[i] = float32(i%97) - 40
			it.Input(1).Float32s()[i] = float32(i%13) - 6
		}
		require.NoError(t, it.Invoke())
		outs = append(outs, slices.Clone(it.Output(0).Bytes()))
		assert.Equal(t, float32(-40)/-6, it.Output(0).Float32s()[0])
	}
	assert.True(t, bytes.Equal(outs[0], outs[1]), "1 and 2 threads differ")
}

func TestSqrt(t *testing.T) {
	m := tflitetest.NewModel()
	in := m.Tensor("in", tflite.TypeFloat32, []int32{4}, nil, nil)
	out := m.Tensor("out", tflite.TypeFloat32, []int32{4}, nil, nil)
	m.Op(tflite.OpSqrt, 1, []int32{in}, []int32{out}, 0, nil)
	m.Inputs, m.Outputs = []int32{in}, []int32{out}
	it, err := build(t, m)
	require.NoError(t, err)
	copy(it.Input(0).Float32s(), []float32{9, 2, 0, 0.25})
	require.NoError(t, it.Invoke())
	assert.Equal(t, []float32{3, float32(math.Sqrt2), 0, 0.5}, it.Output(0).Float32s())

	m = tflitetest.NewModel()
	in = m.Tensor("in", tflite.TypeInt8, []int32{3}, nil, &tflitetest.Affine{Scale: 0.25})
	out = m.Tensor("out", tflite.TypeInt8, []int32{3}, nil, &tflitetest.Affine{Scale: 0.5, Zero: -10})
	m.Op(tflite.OpSqrt, 1, []int32{in}, []int32{out}, 0, nil)
	m.Inputs, m.Outputs = []int32{in}, []int32{out}
	it, err = build(t, m)
	require.NoError(t, err)
	copy(it.Input(0).Int8s(), []int8{16, 14, 0})
	require.NoError(t, it.Invoke())
	assert.Equal(t, []int8{-6, -7, -10}, it.Output(0).Int8s())
	// A negative input fails the Invoke, as in TFLite.
	it.Input(0).Int8s()[2] = -3
	assert.ErrorContains(t, it.Invoke(), "SQRT of a negative value: element 2")
}

func TestDivFloorDivSqrtRejects(t *testing.T) {
	q := &tflitetest.Affine{Scale: 1}
	for name, tc := range map[string]struct {
		m    *tflitetest.Model
		want string
	}{
		"int8 div": {binaryModel(tflite.OpDiv, tflite.TypeInt8, []int32{2}, []int32{2}, nil, optionsDiv, tflitetest.Table{int8(0)}, q),
			"want FLOAT32, INT32 or UINT8"},
		"div options": {binaryModel(tflite.OpDiv, tflite.TypeFloat32, []int32{2}, []int32{2}, nil, 0, nil, nil), "missing DivOptions"},
		"uint8 floor div": {binaryModel(tflite.OpFloorDiv, tflite.TypeUint8, []int32{2}, []int32{2}, nil, 0, nil, q),
			"want FLOAT32 or INT32"},
		"broadcast": {binaryModel(tflite.OpFloorDiv, tflite.TypeInt32, []int32{2, 3}, []int32{2}, nil, 0, nil, nil),
			"cannot broadcast"},
		"unquantized": {binaryModel(tflite.OpDiv, tflite.TypeUint8, []int32{2}, []int32{2}, nil, optionsDiv, tflitetest.Table{int8(0)}, nil),
			"no quantization"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := build(t, tc.m)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}

	m := tflitetest.NewModel()
	in := m.Tensor("in", tflite.TypeUint8, []int32{3}, nil, q)
	out := m.Tensor("out", tflite.TypeUint8, []int32{3}, nil, q)
	m.Op(tflite.OpSqrt, 1, []int32{in}, []int32{out}, 0, nil)
	m.Inputs, m.Outputs = []int32{in}, []int32{out}
	_, err := build(t, m)
	require.ErrorIs(t, err, ErrUnsupported)
	assert.Contains(t, err.Error(), "UINT8")
}

// TestRowAndColumnLikeMoveNet: MoveNet turns an ARG_MAX index i over a
// 48-wide map into row i floordiv 48 and column i − row·48 with int32
// FLOOR_DIV, MUL and SUB.
func TestRowAndColumnLikeMoveNet(t *testing.T) {
	m := tflitetest.NewModel()
	idx := m.Tensor("idx", tflite.TypeInt32, []int32{1, 4}, nil, nil)
	width := m.Tensor("width", tflite.TypeInt32, []int32{}, tflitetest.Int32s(48), nil)
	row := m.Tensor("row", tflite.TypeInt32, []int32{1, 4}, nil, nil)
	prod := m.Tensor("prod", tflite.TypeInt32, []int32{1, 4}, nil, nil)
	col := m.Tensor("col", tflite.TypeInt32, []int32{1, 4}, nil, nil)
	none := tflitetest.Table{int8(tflite.ActNone)}
	m.Op(tflite.OpFloorDiv, 1, []int32{idx, width}, []int32{row}, 0, nil)
	m.Op(tflite.OpMul, 2, []int32{row, width}, []int32{prod}, 21, none)
	m.Op(tflite.OpSub, 2, []int32{idx, prod}, []int32{col}, 28, none)
	m.Inputs, m.Outputs = []int32{idx}, []int32{row, col}
	it, err := build(t, m)
	require.NoError(t, err)
	copy(it.Input(0).Int32s(), []int32{0, 100, 2303, 48})
	require.NoError(t, it.Invoke())
	assert.Equal(t, []int32{0, 2, 47, 1}, it.Output(0).Int32s())
	assert.Equal(t, []int32{0, 4, 47, 0}, it.Output(1).Int32s())
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = it.Invoke() }))
}
