package nn

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/tflitetest"
	"github.com/percept-robotics/percept/tflite"
)

// The BuiltinOptions union tags of the options these tests write.
const (
	optionsSpaceToDepth uint8 = 19
	optionsGather       uint8 = 23
	optionsTranspose    uint8 = 26
	optionsStridedSlice uint8 = 32
	optionsSplit        uint8 = 35
	optionsCast         uint8 = 37
	optionsArgMax       uint8 = 40
	optionsArgMin       uint8 = 57
	optionsPack         uint8 = 59
	optionsUnpack       uint8 = 64
	optionsSplitV       uint8 = 79
	optionsDepthToSpace uint8 = 94
)

// int64Bytes is an int64 constant's data, little-endian.
func int64Bytes(v ...int64) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, uint64(x))
	}
	return b
}

// argModel is ARG_MAX (or ARG_MIN) of a FLOAT32 input along a constant
// axis, with the output type outType.
func argModel(code tflite.BuiltinOperator, shape []int32, axis []byte, axisType, outType tflite.TensorType) *tflitetest.Model {
	m := tflitetest.NewModel()
	in := m.Tensor("in", tflite.TypeFloat32, shape, nil, nil)
	ax := m.Tensor("axis", axisType, nil, axis, nil)
	out := m.Tensor("out", outType, nil, nil, nil)
	options := optionsArgMax
	if code == tflite.OpArgMin {
		options = optionsArgMin
	}
	m.Op(code, 2, []int32{in, ax}, []int32{out}, options, tflitetest.Table{int8(outType)})
	m.Inputs, m.Outputs = []int32{in}, []int32{out}
	return m
}

func TestArgMaxAndArgMin(t *testing.T) {
	nan := float32(math.NaN())
	// Rows {1 5 5}, {NaN 2 3}, {2 NaN 1}: ties to the lowest index; a NaN
	// is never taken, nor replaced when first (TFLite's comparison).
	src := []float32{1, 5, 5, nan, 2, 3, 2, nan, 1}
	for _, tc := range []struct {
		code    tflite.BuiltinOperator
		axis    []byte
		axisT   tflite.TensorType
		outType tflite.TensorType
		want    []int64
	}{
		{tflite.OpArgMax, tflitetest.Int32s(1), tflite.TypeInt32, tflite.TypeInt32, []int64{1, 0, 0}},
		{tflite.OpArgMax, int64Bytes(-1), tflite.TypeInt64, tflite.TypeInt64, []int64{1, 0, 0}},
		{tflite.OpArgMin, tflitetest.Int32s(1), tflite.TypeInt32, tflite.TypeInt64, []int64{0, 0, 2}},
		// Along the columns {1 NaN 2}, {5 2 NaN}, {5 3 1}.
		{tflite.OpArgMax, tflitetest.Int32s(-2), tflite.TypeInt32, tflite.TypeInt64, []int64{2, 0, 0}},
		{tflite.OpArgMin, int64Bytes(0), tflite.TypeInt64, tflite.TypeInt32, []int64{0, 1, 2}},
	} {
		it, err := build(t, argModel(tc.code, []int32{3, 3}, tc.axis, tc.axisT, tc.outType))
		require.NoError(t, err)
		copy(it.Input(0).Float32s(), src)
		require.NoError(t, it.Invoke())
		out := it.Output(0)
		assert.Equal(t, []int{3}, out.Shape)
		got := make([]int64, 3)
		for i := range got {
			if out.Type == tflite.TypeInt32 {
				got[i] = int64(out.Int32s()[i])
			} else {
				got[i] = out.Int64s()[i]
			}
		}
		assert.Equal(t, tc.want, got, "%s along %v", tc.code, tc.axis)
		assert.Zero(t, testing.AllocsPerRun(10, func() { _ = it.Invoke() }))
	}
}

// TestArgMaxQuantizedSegmentation: a DeepLab-shaped uint8 [1, H, W, 21]
// score map, large enough to split across the workers, against the class
// planted in each pixel.
func TestArgMaxQuantizedSegmentation(t *testing.T) {
	const h, w, c = 37, 41, 21
	m := tflitetest.NewModel()
	in := m.Tensor("scores", tflite.TypeUint8, []int32{1, h, w, c}, nil, &tflitetest.Affine{Scale: 0.1, Zero: 3})
	ax := m.Tensor("axis", tflite.TypeInt32, []int32{1}, tflitetest.Int32s(3), nil)
	out := m.Tensor("classes", tflite.TypeInt64, []int32{1, h, w}, nil, nil)
	m.Op(tflite.OpArgMax, 1, []int32{in, ax}, []int32{out}, optionsArgMax, tflitetest.Table{int8(tflite.TypeInt64)})
	m.Inputs, m.Outputs = []int32{in}, []int32{out}
	parsed := m.Parse(t)
	for _, threads := range []int{1, 3} {
		it, err := New(parsed, &Options{Threads: threads})
		require.NoError(t, err)
		scores := it.Input(0).Uint8s()
		want := make([]int64, h*w)
		for p := range want {
			want[p] = int64((p * 7) % c)
			for k := range c {
				scores[p*c+k] = uint8(k % 3) // low scores, with ties
			}
			scores[p*c+int(want[p])] = 200
			if p%5 == 0 { // a tie at the top: the lower class wins
				scores[p*c+c-1] = 200
			}
		}
		require.NoError(t, it.Invoke())
		assert.Equal(t, want, it.Output(0).Int64s())
		assert.Zero(t, testing.AllocsPerRun(10, func() { _ = it.Invoke() }))
		it.Close()
	}
}

func TestArgMaxIsValidated(t *testing.T) {
	for _, tc := range []struct {
		name  string
		shape []int32
		axis  []byte
		out   tflite.TensorType
		opts  tflite.TensorType
		want  string
	}{
		{"axis beyond rank", []int32{2, 3}, tflitetest.Int32s(2), tflite.TypeInt32, tflite.TypeInt32, "axis 2 out of range for rank 2"},
		{"axis below rank", []int32{2, 3}, tflitetest.Int32s(-3), tflite.TypeInt32, tflite.TypeInt32, "axis -3 out of range"},
		{"two axes", []int32{2, 3}, tflitetest.Int32s(0, 1), tflite.TypeInt32, tflite.TypeInt32, "must hold one value"},
		{"empty axis", []int32{2, 0}, tflitetest.Int32s(1), tflite.TypeInt32, tflite.TypeInt32, "no elements along axis 1"},
		{"output type", []int32{2, 3}, tflitetest.Int32s(1), tflite.TypeInt32, tflite.TypeInt64, "the options say INT64"},
		{"float output", []int32{2, 3}, tflitetest.Int32s(1), tflite.TypeFloat32, tflite.TypeFloat32, "want one of"},
	} {
		m := tflitetest.NewModel()
		in := m.Tensor("in", tflite.TypeFloat32, tc.shape, nil, nil)
		ax := m.Tensor("axis", tflite.TypeInt32, []int32{int32(len(tc.axis) / 4)}, tc.axis, nil)
		out := m.Tensor("out", tc.out, nil, nil, nil)
		m.Op(tflite.OpArgMax, 2, []int32{in, ax}, []int32{out}, optionsArgMax, tflitetest.Table{int8(tc.opts)})
		m.Inputs, m.Outputs = []int32{in}, []int32{out}
		_, err := build(t, m)
		require.Error(t, err, tc.name)
		assert.Contains(t, err.Error(), tc.want, tc.name)
	}
	// A declared output shape that keeps the axis.
	m := tflitetest.NewModel()
	in := m.Tensor("in", tflite.TypeFloat32, []int32{2, 3}, nil, nil)
	ax := m.Tensor("axis", tflite.TypeInt32, nil, tflitetest.Int32s(1), nil)
	out := m.Tensor("out", tflite.TypeInt32, []int32{2, 1}, nil, nil)
	m.Op(tflite.OpArgMax, 2, []int32{in, ax}, []int32{out}, optionsArgMax, tflitetest.Table{int8(tflite.TypeInt32)})
	m.Inputs, m.Outputs = []int32{in}, []int32{out}
	_, err := build(t, m)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the operator produces shape [2]")
}

// castModel is CAST of an input of type from and shape [n] to type to.
func castModel(from, to tflite.TensorType, n int32) *tflitetest.Model {
	m := tflitetest.NewModel()
	in := m.Tensor("in", from, []int32{n}, nil, nil)
	out := m.Tensor("out", to, []int32{n}, nil, nil)
	m.Op(tflite.OpCast, 1, []int32{in}, []int32{out}, optionsCast, tflitetest.Table{int8(from), int8(to)})
	m.Inputs, m.Outputs = []int32{in}, []int32{out}
	return m
}

func TestCast(t *testing.T) {
	nan := float32(math.NaN())
	for _, tc := range []struct {
		from, to tflite.TensorType
		in, want []byte
	}{
		{tflite.TypeFloat32, tflite.TypeInt32, tflitetest.Floats(1.9, -1.9, nan, 3e9), tflitetest.Int32s(1, -1, 0, math.MaxInt32)},
		{tflite.TypeFloat32, tflite.TypeUint8, tflitetest.Floats(255.9, 300.5, -1), []byte{255, 44, 255}},
		{tflite.TypeFloat32, tflite.TypeInt64, tflitetest.Floats(-3e9, 0.5), int64Bytes(-3000000000, 0)},
		{tflite.TypeFloat32, tflite.TypeBool, tflitetest.Floats(0, nan, -2), []byte{0, 1, 1}},
		{tflite.TypeFloat32, tflite.TypeFloat32, tflitetest.Floats(nan, -0.0), tflitetest.Floats(nan, -0.0)},
		{tflite.TypeUint8, tflite.TypeFloat32, []byte{0, 128, 255}, tflitetest.Floats(0, 128, 255)},
		{tflite.TypeUint8, tflite.TypeInt8, []byte{200, 127}, []byte{200, 127}},
		{tflite.TypeInt8, tflite.TypeInt32, []byte{0x80, 0x7f}, tflitetest.Int32s(-128, 127)},
		{tflite.TypeInt32, tflite.TypeFloat32, tflitetest.Int32s(16777217, -48), tflitetest.Floats(16777216, -48)},
		{tflite.TypeInt32, tflite.TypeUint8, tflitetest.Int32s(300, -1), []byte{44, 255}},
		{tflite.TypeInt32, tflite.TypeInt64, tflitetest.Int32s(math.MinInt32), int64Bytes(math.MinInt32)},
		{tflite.TypeInt32, tflite.TypeBool, tflitetest.Int32s(0, 7, -1), []byte{0, 1, 1}},
		{tflite.TypeInt64, tflite.TypeInt32, int64Bytes(1<<32+7, -1), tflitetest.Int32s(7, -1)},
		{tflite.TypeInt64, tflite.TypeFloat32, int64Bytes(1<<40, -3), tflitetest.Floats(1<<40, -3)},
		{tflite.TypeInt16, tflite.TypeInt8, []byte{0x2c, 0x01}, []byte{0x2c}},
		{tflite.TypeBool, tflite.TypeInt32, []byte{0, 1, 2}, tflitetest.Int32s(0, 1, 1)},
		{tflite.TypeBool, tflite.TypeBool, []byte{0, 1, 2}, []byte{0, 1, 1}},
		{tflite.TypeBool, tflite.TypeFloat32, []byte{2, 0}, tflitetest.Floats(1, 0)},
	} {
		n := int32(len(tc.in) / tc.from.Size())
		it, err := build(t, castModel(tc.from, tc.to, n))
		require.NoError(t, err)
		copy(it.Input(0).Bytes(), tc.in)
		require.NoError(t, it.Invoke())
		assert.Equal(t, tc.want, it.Output(0).Bytes(), "%s → %s", tc.from, tc.to)
	}
	_, err := build(t, castModel(tflite.TypeFloat16, tflite.TypeFloat32, 2))
	require.ErrorIs(t, err, ErrUnsupported)
}

// TestCastLarge: MoveNet's first operator, uint8 [1 192 192 3] to float32,
// split across the workers.
func TestCastLarge(t *testing.T) {
	const n = 192 * 192 * 3
	parsed := castModel(tflite.TypeUint8, tflite.TypeFloat32, n).Parse(t)
	it, err := New(parsed, &Options{Threads: 3})
	require.NoError(t, err)
	defer it.Close()
	for i := range it.Input(0).Uint8s() {
		it.Input(0).Uint8s()[i] = uint8(i * 31)
	}
	require.NoError(t, it.Invoke())
	for i, v := range it.Output(0).Float32s() {
		require.Equal(t, float32(uint8(i*31)), v, "element %d", i)
	}
	assert.Zero(t, testing.AllocsPerRun(10, func() { _ = it.Invoke() }))
}

// gatherNDModel is GATHER_ND of a FLOAT32 [2 3 2] input holding 0..11 by
// INT32 indices of the given shape, constant when data is not nil.
func gatherNDModel(indexShape []int32, data []byte) *tflitetest.Model {
	m := tflitetest.NewModel()
	params := m.Tensor("params", tflite.TypeFloat32, []int32{2, 3, 2},
		tflitetest.Floats(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), nil)
	x := m.Tensor("x", tflite.TypeFloat32, []int32{1}, nil, nil)
	indices := m.Tensor("indices", tflite.TypeInt32, indexShape, data, nil)
	gathered := m.Tensor("gathered", tflite.TypeFloat32, nil, nil, nil)
	out := m.Tensor("out", tflite.TypeFloat32, nil, nil, nil)
	m.Op(tflite.OpGatherND, 1, []int32{params, indices}, []int32{gathered}, 0, nil)
	addOp(m, gathered, x, out)
	m.Inputs, m.Outputs = []int32{x}, []int32{out}
	if data == nil {
		m.Inputs = append(m.Inputs, indices)
	}
	return m
}

func TestGatherND(t *testing.T) {
	for _, tc := range []struct {
		shape   []int32
		indices []int32
		want    []float32
		wantDim []int
	}{
		{[]int32{2, 2}, []int32{1, 0, 0, 2}, []float32{6, 7, 4, 5}, []int{2, 2}},
		{[]int32{1, 3}, []int32{1, 2, 1}, []float32{11}, []int{1}},
		{[]int32{2, 1, 1}, []int32{1, 0}, []float32{6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5}, []int{2, 1, 3, 2}},
		{[]int32{2, 0}, nil, []float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, []int{2, 2, 3, 2}},
	} {
		it, err := build(t, gatherNDModel(tc.shape, tflitetest.Int32s(tc.indices...)))
		require.NoError(t, err)
		require.NoError(t, it.Invoke())
		assert.Equal(t, tc.want, it.Output(0).Float32s(), "indices %v %v", tc.shape, tc.indices)
		assert.Equal(t, tc.wantDim, it.Output(0).Shape)
	}

	// Indices the model computes: checked on every run.
	it, err := build(t, gatherNDModel([]int32{2, 2}, nil))
	require.NoError(t, err)
	ix := it.Input(1).Int32s()
	copy(ix, []int32{1, 2, 0, 1})
	require.NoError(t, it.Invoke())
	assert.Equal(t, []float32{10, 11, 2, 3}, it.Output(0).Float32s())
	assert.Zero(t, testing.AllocsPerRun(10, func() { _ = it.Invoke() }))
	for _, bad := range [][]int32{{2, 0, 0, 0}, {0, 0, 0, 3}, {0, 0, -1, 0}} {
		copy(ix, bad)
		err := it.Invoke()
		require.Error(t, err, "%v", bad)
		assert.Contains(t, err.Error(), "op 0 GATHER_ND")
		assert.Contains(t, err.Error(), "lies outside")
	}
	copy(ix, []int32{0, 0, 1, 1})
	require.NoError(t, it.Invoke(), "a good run after a bad one")
	assert.Equal(t, []float32{0, 1, 8, 9}, it.Output(0).Float32s())

	// Constant indices out of range fail at New.
	_, err = build(t, gatherNDModel([]int32{2, 2}, tflitetest.Int32s(1, 0, 0, 3)))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "row 1 [0 3] lies outside")
	// More coordinates than the params have dimensions.
	_, err = build(t, gatherNDModel([]int32{1, 4}, tflitetest.Int32s(0, 0, 0, 0)))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "4 coordinates per row, more than the rank")
}

// TestGatherNDMoveNet: MoveNet's int8 [1 48 48 34] map read at the [1 3]
// coordinates a PACK stacks from computed values, int64 indices too.
func TestGatherNDMoveNet(t *testing.T) {
	for _, typ := range []tflite.TensorType{tflite.TypeInt32, tflite.TypeInt64} {
		m := tflitetest.NewModel()
		q := &tflitetest.Affine{Scale: 0.5, Zero: -3}
		params := m.Tensor("map", tflite.TypeInt8, []int32{1, 48, 48, 34}, nil, q)
		indices := m.Tensor("at", typ, []int32{1, 3}, nil, nil)
		out := m.Tensor("out", tflite.TypeInt8, []int32{1, 34}, nil, q)
		m.Op(tflite.OpGatherND, 1, []int32{params, indices}, []int32{out}, 0, nil)
		m.Inputs, m.Outputs = []int32{params, indices}, []int32{out}
		it, err := build(t, m)
		require.NoError(t, err)
		data := it.Input(0).Int8s()
		for i := range data {
			data[i] = int8(i * 13)
		}
		at := []int64{0, 47, 5}
		if typ == tflite.TypeInt32 {
			copy(it.Input(1).Int32s(), []int32{0, 47, 5})
		} else {
			copy(it.Input(1).Int64s(), at)
		}
		require.NoError(t, it.Invoke())
		from := (47*48 + 5) * 34
		assert.Equal(t, data[from:from+34], it.Output(0).Int8s())
		if typ == tflite.TypeInt64 {
			it.Input(1).Int64s()[1] = 1 << 33
			assert.Error(t, it.Invoke())
		}
	}
}
