package nn

import (
	"bytes"
	"encoding/binary"
	"fmt"
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

// packModel is PACK along axis of three INT32 [2] tensors, the first
// constant {1 2}, the others inputs.
func packModel(axis int32, count int32) *tflitetest.Model {
	m := tflitetest.NewModel()
	a := m.Tensor("a", tflite.TypeInt32, []int32{2}, tflitetest.Int32s(1, 2), nil)
	b := m.Tensor("b", tflite.TypeInt32, []int32{2}, nil, nil)
	c := m.Tensor("c", tflite.TypeInt32, []int32{2}, nil, nil)
	out := m.Tensor("out", tflite.TypeInt32, nil, nil, nil)
	m.Op(tflite.OpPack, 2, []int32{a, b, c}, []int32{out}, optionsPack, tflitetest.Table{count, axis})
	m.Inputs, m.Outputs = []int32{b, c}, []int32{out}
	return m
}

func TestPack(t *testing.T) {
	for _, tc := range []struct {
		axis  int32
		want  []int32
		shape []int
	}{
		{0, []int32{1, 2, 3, 4, 5, 6}, []int{3, 2}},
		{1, []int32{1, 3, 5, 2, 4, 6}, []int{2, 3}},
		{-1, []int32{1, 3, 5, 2, 4, 6}, []int{2, 3}},
		{-2, []int32{1, 2, 3, 4, 5, 6}, []int{3, 2}},
	} {
		it, err := build(t, packModel(tc.axis, 3))
		require.NoError(t, err)
		copy(it.Input(0).Int32s(), []int32{3, 4})
		copy(it.Input(1).Int32s(), []int32{5, 6})
		require.NoError(t, it.Invoke())
		assert.Equal(t, tc.want, it.Output(0).Int32s(), "axis %d", tc.axis)
		assert.Equal(t, tc.shape, it.Output(0).Shape)
		assert.Zero(t, testing.AllocsPerRun(10, func() { _ = it.Invoke() }))
	}
	for _, tc := range []struct {
		axis, count int32
		want        string
	}{
		{2, 3, "axis 2 out of range for rank 2"},
		{-3, 3, "axis -3 out of range"},
		{0, 2, "3 inputs, the options say 2"},
	} {
		_, err := build(t, packModel(tc.axis, tc.count))
		require.Error(t, err)
		assert.Contains(t, err.Error(), tc.want)
	}
}

// TestPackInt8 stacks MoveNet's int8 [1 17] coordinates along a new last
// axis; TFLite requires int8 inputs quantized as the output.
func TestPackInt8(t *testing.T) {
	build8 := func(q2 tflitetest.Affine, shape2 []int32) (*Interpreter, error) {
		m := tflitetest.NewModel()
		q := &tflitetest.Affine{Scale: 0.25, Zero: 1}
		x := m.Tensor("x", tflite.TypeInt8, []int32{1, 17}, nil, q)
		y := m.Tensor("y", tflite.TypeInt8, shape2, nil, &q2)
		out := m.Tensor("out", tflite.TypeInt8, []int32{1, 17, 2}, nil, q)
		m.Op(tflite.OpPack, 2, []int32{x, y}, []int32{out}, optionsPack, tflitetest.Table{int32(2), int32(2)})
		m.Inputs, m.Outputs = []int32{x, y}, []int32{out}
		return build(t, m)
	}
	it, err := build8(tflitetest.Affine{Scale: 0.25, Zero: 1}, []int32{1, 17})
	require.NoError(t, err)
	want := make([]int8, 34)
	for i := range 17 {
		it.Input(0).Int8s()[i] = int8(i - 8)
		it.Input(1).Int8s()[i] = int8(100 + i)
		want[2*i], want[2*i+1] = int8(i-8), int8(100+i)
	}
	require.NoError(t, it.Invoke())
	assert.Equal(t, want, it.Output(0).Int8s())

	_, err = build8(tflitetest.Affine{Scale: 0.5, Zero: 1}, []int32{1, 17})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "differ in quantization")
	_, err = build8(tflitetest.Affine{Scale: 0.25, Zero: 1}, []int32{17, 1})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "differ in shape")
}

// unpackModel is UNPACK along axis of an INT8 [2 3] input into outputs
// outputs.
func unpackModel(axis, num int32, outputs int) *tflitetest.Model {
	m := tflitetest.NewModel()
	in := m.Tensor("in", tflite.TypeInt8, []int32{2, 3}, nil, &tflitetest.Affine{Scale: 1})
	outs := make([]int32, outputs)
	for k := range outs {
		outs[k] = m.Tensor("out", tflite.TypeInt8, nil, nil, &tflitetest.Affine{Scale: 1})
	}
	m.Op(tflite.OpUnpack, 2, []int32{in}, outs, optionsUnpack, tflitetest.Table{num, axis})
	m.Inputs, m.Outputs = []int32{in}, outs
	return m
}

func TestUnpack(t *testing.T) {
	for _, tc := range []struct {
		axis, num int32
		want      [][]int8
	}{
		{1, 3, [][]int8{{1, 4}, {2, 5}, {3, 6}}},
		{-1, 0, [][]int8{{1, 4}, {2, 5}, {3, 6}}},
		{0, 2, [][]int8{{1, 2, 3}, {4, 5, 6}}},
		{-2, 2, [][]int8{{1, 2, 3}, {4, 5, 6}}},
	} {
		it, err := build(t, unpackModel(tc.axis, tc.num, len(tc.want)))
		require.NoError(t, err)
		copy(it.Input(0).Int8s(), []int8{1, 2, 3, 4, 5, 6})
		require.NoError(t, it.Invoke())
		for k, want := range tc.want {
			assert.Equal(t, want, it.Output(k).Int8s(), "axis %d output %d", tc.axis, k)
			assert.Equal(t, []int{len(want)}, it.Output(k).Shape)
		}
		assert.Zero(t, testing.AllocsPerRun(10, func() { _ = it.Invoke() }))
	}
	for _, tc := range []struct {
		axis, num int32
		outputs   int
		want      string
	}{
		{2, 0, 2, "axis 2 out of range"},
		{1, 2, 2, "3 elements along axis 1, the options say 2"},
		{1, 3, 2, "2 outputs for the 3 elements"},
	} {
		_, err := build(t, unpackModel(tc.axis, tc.num, tc.outputs))
		require.Error(t, err)
		assert.Contains(t, err.Error(), tc.want)
	}
}

// operand is an input of a one-operator test model: the model's input when
// data is nil, else a constant.
type operand struct {
	typ   tflite.TensorType
	shape []int32
	data  []byte
}

// oneOp builds a model of one operator over ins with outputs outputs of
// type outType whose shapes the operator sets.
func oneOp(t *testing.T, code tflite.BuiltinOperator, ins []operand, outputs int, outType tflite.TensorType, optionsType uint8, options tflitetest.Table) (*Interpreter, error) {
	t.Helper()
	m := tflitetest.NewModel()
	var inputs []int32
	for k, in := range ins {
		ix := m.Tensor(fmt.Sprint("in", k), in.typ, in.shape, in.data, nil)
		inputs = append(inputs, ix)
		if in.data == nil {
			m.Inputs = append(m.Inputs, ix)
		}
	}
	for k := range outputs {
		m.Outputs = append(m.Outputs, m.Tensor(fmt.Sprint("out", k), outType, nil, nil, nil))
	}
	m.Op(code, 1, inputs, m.Outputs, optionsType, options)
	return build(t, m)
}

// counting is the float32 data 1, 2, …, n.
func counting(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i + 1)
	}
	return v
}

func TestGather(t *testing.T) {
	params := operand{tflite.TypeFloat32, []int32{2, 3, 2}, nil} // 1..12
	for _, tc := range []struct {
		axis, batch int32
		indices     operand
		want        []float32
		shape       []int
	}{
		{1, 0, operand{tflite.TypeInt32, []int32{3}, tflitetest.Int32s(2, 0, 2)}, []float32{5, 6, 1, 2, 5, 6, 11, 12, 7, 8, 11, 12}, []int{2, 3, 2}},
		{0, 0, operand{tflite.TypeInt64, []int32{}, int64Bytes(1)}, []float32{7, 8, 9, 10, 11, 12}, []int{3, 2}},
		{-1, 0, operand{tflite.TypeInt32, []int32{2, 1}, tflitetest.Int32s(1, 0)}, []float32{2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11}, []int{2, 3, 2, 1}},
		// One batch dimension: batch 0 takes row 2, batch 1 row 0 and 1.
		{1, 1, operand{tflite.TypeInt32, []int32{2, 2}, tflitetest.Int32s(2, 2, 0, 1)}, []float32{5, 6, 5, 6, 7, 8, 9, 10}, []int{2, 2, 2}},
	} {
		it, err := oneOp(t, tflite.OpGather, []operand{params, tc.indices}, 1, tflite.TypeFloat32, optionsGather, tflitetest.Table{tc.axis, tc.batch})
		require.NoError(t, err, "axis %d", tc.axis)
		copy(it.Input(0).Float32s(), counting(12))
		require.NoError(t, it.Invoke())
		assert.Equal(t, tc.want, it.Output(0).Float32s(), "axis %d batch %d", tc.axis, tc.batch)
		assert.Equal(t, tc.shape, it.Output(0).Shape)
	}
	// Computed indices are checked on every run.
	it, err := oneOp(t, tflite.OpGather, []operand{params, {tflite.TypeInt32, []int32{2}, nil}}, 1, tflite.TypeFloat32, optionsGather, tflitetest.Table{int32(1)})
	require.NoError(t, err)
	copy(it.Input(1).Int32s(), []int32{2, 1})
	require.NoError(t, it.Invoke())
	assert.Zero(t, testing.AllocsPerRun(10, func() { _ = it.Invoke() }))
	for _, bad := range []int32{3, -1} {
		it.Input(1).Int32s()[1] = bad
		err := it.Invoke()
		require.Error(t, err)
		assert.Contains(t, err.Error(), "op 0 GATHER")
		assert.Contains(t, err.Error(), "lies outside [0, 3)")
	}
	for _, tc := range []struct {
		axis, batch int32
		indices     operand
		want        string
	}{
		{1, 0, operand{tflite.TypeInt32, []int32{2}, tflitetest.Int32s(0, 3)}, "index 3 at 1 lies outside [0, 3)"},
		{3, 0, operand{tflite.TypeInt32, []int32{1}, tflitetest.Int32s(0)}, "axis 3 out of range"},
		{0, 1, operand{tflite.TypeInt32, []int32{2}, tflitetest.Int32s(0, 1)}, "batch_dims 1 out of range"},
		{1, 1, operand{tflite.TypeInt32, []int32{3, 1}, tflitetest.Int32s(0, 1, 2)}, "differ in their 1 batch dimensions"},
	} {
		_, err := oneOp(t, tflite.OpGather, []operand{params, tc.indices}, 1, tflite.TypeFloat32, optionsGather, tflitetest.Table{tc.axis, tc.batch})
		require.Error(t, err)
		assert.Contains(t, err.Error(), tc.want)
	}
}

func TestSplitAndSplitV(t *testing.T) {
	in := operand{tflite.TypeInt16, []int32{2, 6}, nil}
	data := []int16{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	run := func(it *Interpreter, err error) [][]int16 {
		t.Helper()
		require.NoError(t, err)
		copy(viewAs[int16](it.Input(0)), data)
		require.NoError(t, it.Invoke())
		assert.Zero(t, testing.AllocsPerRun(10, func() { _ = it.Invoke() }))
		var outs [][]int16
		for _, o := range it.Outputs() {
			outs = append(outs, viewAs[int16](o))
		}
		return outs
	}
	axis := operand{tflite.TypeInt32, []int32{}, tflitetest.Int32s(-1)}
	got := run(oneOp(t, tflite.OpSplit, []operand{axis, in}, 3, tflite.TypeInt16, optionsSplit, tflitetest.Table{int32(3)}))
	assert.Equal(t, [][]int16{{1, 2, 7, 8}, {3, 4, 9, 10}, {5, 6, 11, 12}}, got)
	got = run(oneOp(t, tflite.OpSplit, []operand{{tflite.TypeInt32, []int32{1}, tflitetest.Int32s(0)}, in}, 2, tflite.TypeInt16, optionsSplit, tflitetest.Table{int32(2)}))
	assert.Equal(t, [][]int16{{1, 2, 3, 4, 5, 6}, {7, 8, 9, 10, 11, 12}}, got)
	sizes := operand{tflite.TypeInt64, []int32{3}, int64Bytes(1, -1, 2)}
	got = run(oneOp(t, tflite.OpSplitV, []operand{in, sizes, axis}, 3, tflite.TypeInt16, optionsSplitV, tflitetest.Table{int32(3)}))
	assert.Equal(t, [][]int16{{1, 7}, {2, 3, 4, 8, 9, 10}, {5, 6, 11, 12}}, got)
	got = run(oneOp(t, tflite.OpSplitV, []operand{in, {tflite.TypeInt32, []int32{2}, tflitetest.Int32s(0, 6)}, axis}, 2, tflite.TypeInt16, optionsSplitV, tflitetest.Table{int32(2)}))
	assert.Equal(t, [][]int16{nil, data}, got)

	for _, tc := range []struct {
		code  tflite.BuiltinOperator
		ins   []operand
		outs  int
		opts  tflitetest.Table
		want  string
		otype uint8
	}{
		{tflite.OpSplit, []operand{axis, in}, 4, tflitetest.Table{int32(4)}, "does not split into 4 equal parts", optionsSplit},
		{tflite.OpSplit, []operand{axis, in}, 3, tflitetest.Table{int32(2)}, "3 outputs, the options say 2", optionsSplit},
		{tflite.OpSplit, []operand{{tflite.TypeInt32, []int32{}, tflitetest.Int32s(2)}, in}, 2, tflitetest.Table{int32(2)}, "axis 2 out of range", optionsSplit},
		{tflite.OpSplitV, []operand{in, {tflite.TypeInt32, []int32{2}, tflitetest.Int32s(2, 2)}, axis}, 2, tflitetest.Table{int32(2)}, "do not add up to the 6", optionsSplitV},
		{tflite.OpSplitV, []operand{in, {tflite.TypeInt32, []int32{2}, tflitetest.Int32s(7, -1)}, axis}, 2, tflitetest.Table{int32(2)}, "exceed the 6", optionsSplitV},
		{tflite.OpSplitV, []operand{in, {tflite.TypeInt32, []int32{2}, tflitetest.Int32s(-1, -1)}, axis}, 2, tflitetest.Table{int32(2)}, "size -1 of output 1", optionsSplitV},
		{tflite.OpSplitV, []operand{in, {tflite.TypeInt32, []int32{2}, tflitetest.Int32s(3, 3)}, axis}, 3, tflitetest.Table{int32(3)}, "2 sizes for 3 outputs", optionsSplitV},
	} {
		_, err := oneOp(t, tc.code, tc.ins, tc.outs, tflite.TypeInt16, tc.otype, tc.opts)
		require.Error(t, err)
		assert.Contains(t, err.Error(), tc.want)
	}
}

func TestSlice(t *testing.T) {
	in := operand{tflite.TypeFloat32, []int32{2, 3, 4}, nil} // 1..24
	for _, tc := range []struct {
		begin, size []int32
		want        []float32
		shape       []int
	}{
		{[]int32{1, 0, 2}, []int32{1, 2, 2}, []float32{15, 16, 19, 20}, []int{1, 2, 2}},
		{[]int32{0, 2, 1}, []int32{-1, -1, 3}, []float32{10, 11, 12, 22, 23, 24}, []int{2, 1, 3}},
		{[]int32{0, 0, 4}, []int32{2, 3, 0}, []float32{}, []int{2, 3, 0}},
	} {
		it, err := oneOp(t, tflite.OpSlice, []operand{in, {tflite.TypeInt32, []int32{3}, tflitetest.Int32s(tc.begin...)}, {tflite.TypeInt32, []int32{3}, tflitetest.Int32s(tc.size...)}}, 1, tflite.TypeFloat32, 0, nil)
		require.NoError(t, err)
		copy(it.Input(0).Float32s(), counting(24))
		require.NoError(t, it.Invoke())
		assert.Equal(t, tc.shape, it.Output(0).Shape)
		if len(tc.want) > 0 {
			assert.Equal(t, tc.want, it.Output(0).Float32s(), "begin %v size %v", tc.begin, tc.size)
		}
		assert.Zero(t, testing.AllocsPerRun(10, func() { _ = it.Invoke() }))
	}
	for _, tc := range []struct{ begin, size []int64 }{
		{[]int64{0, 0, 3}, []int64{1, 1, 2}},
		{[]int64{-1, 0, 0}, []int64{1, 1, 1}},
		{[]int64{0, 0, 0}, []int64{1, 1, -2}},
		{[]int64{0, 0, 5}, []int64{1, 1, 0}},
		{[]int64{0, 0, 1}, []int64{1, 1, 1 << 62}},
	} {
		_, err := oneOp(t, tflite.OpSlice, []operand{in, {tflite.TypeInt64, []int32{3}, int64Bytes(tc.begin...)}, {tflite.TypeInt64, []int32{3}, int64Bytes(tc.size...)}}, 1, tflite.TypeFloat32, 0, nil)
		require.Error(t, err, "begin %v size %v", tc.begin, tc.size)
		assert.Contains(t, err.Error(), "reach outside")
	}
	_, err := oneOp(t, tflite.OpSlice, []operand{in, {tflite.TypeInt32, []int32{2}, tflitetest.Int32s(0, 0)}, {tflite.TypeInt32, []int32{2}, tflitetest.Int32s(1, 1)}}, 1, tflite.TypeFloat32, 0, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "must hold 3 values")
}

func TestStridedSlice(t *testing.T) {
	in := operand{tflite.TypeFloat32, []int32{2, 3, 4}, nil} // x[i][j][k] = 12i + 4j + k + 1
	type masks struct{ begin, end, ellipsis, newAxis, shrink int32 }
	for _, tc := range []struct {
		name              string
		begin, end, steps []int32
		m                 masks
		offset            bool
		want              []float32
		shape             []int
	}{
		{"x[:, 1:3, ::2]", []int32{0, 1, 0}, []int32{0, 3, 0}, []int32{1, 1, 2}, masks{begin: 5, end: 5}, false,
			[]float32{5, 7, 9, 11, 17, 19, 21, 23}, []int{2, 2, 2}},
		{"x[-1, ::-1, 1]", []int32{-1, 0, 1}, []int32{0, 0, 2}, []int32{1, -1, 1}, masks{begin: 2, end: 2, shrink: 5}, false,
			[]float32{22, 18, 14}, []int{3}},
		{"x[..., 1]", []int32{0, 1}, []int32{0, 2}, []int32{1, 1}, masks{ellipsis: 1, shrink: 2}, false,
			[]float32{2, 6, 10, 14, 18, 22}, []int{2, 3}},
		{"x[newaxis, 0, 1:]", []int32{0, 0, 1}, []int32{0, 1, 0}, []int32{1, 1, 1}, masks{newAxis: 1, shrink: 2, end: 4}, false,
			[]float32{5, 6, 7, 8, 9, 10, 11, 12}, []int{1, 2, 4}},
		{"x[0:100, -100:2, 3:0:-1]", []int32{0, -100, 3}, []int32{100, 2, 0}, []int32{1, 1, -1}, masks{}, false,
			[]float32{4, 3, 2, 8, 7, 6, 16, 15, 14, 20, 19, 18}, []int{2, 2, 3}},
		{"x[1, ..., newaxis, ::3]", []int32{1, 0, 0, 0}, []int32{2, 0, 0, 0}, []int32{1, 1, 1, 3}, masks{ellipsis: 2, newAxis: 4, shrink: 1, begin: 8, end: 8}, false,
			[]float32{13, 16, 17, 20, 21, 24}, []int{3, 1, 2}},
		{"offset", []int32{0, 1, 1}, []int32{2, 1, 2}, []int32{1, 1, 1}, masks{}, true,
			[]float32{6, 7, 18, 19}, []int{2, 1, 2}},
		{"x[0]: the rest implied", []int32{0}, []int32{1}, []int32{1}, masks{shrink: 1}, false,
			counting(12), []int{3, 4}},
		{"x[2:1]: empty", []int32{2}, []int32{1}, []int32{1}, masks{}, false,
			nil, []int{0, 3, 4}},
		{"x[::-2, -1, -1]", []int32{0, -1, -1}, []int32{0, 0, 0}, []int32{-2, 1, 1}, masks{begin: 1, end: 1, shrink: 6}, false,
			[]float32{24}, []int{1}},
	} {
		n := int32(len(tc.begin))
		it, err := oneOp(t, tflite.OpStridedSlice, []operand{in,
			{tflite.TypeInt32, []int32{n}, tflitetest.Int32s(tc.begin...)},
			{tflite.TypeInt32, []int32{n}, tflitetest.Int32s(tc.end...)},
			{tflite.TypeInt32, []int32{n}, tflitetest.Int32s(tc.steps...)}},
			1, tflite.TypeFloat32, optionsStridedSlice, tflitetest.Table{tc.m.begin, tc.m.end, tc.m.ellipsis, tc.m.newAxis, tc.m.shrink, tc.offset})
		require.NoError(t, err, tc.name)
		copy(it.Input(0).Float32s(), counting(24))
		require.NoError(t, it.Invoke())
		assert.Equal(t, tc.shape, it.Output(0).Shape, tc.name)
		if tc.want != nil {
			assert.Equal(t, tc.want, it.Output(0).Float32s(), tc.name)
		}
		assert.Zero(t, testing.AllocsPerRun(10, func() { _ = it.Invoke() }))
	}
	for _, tc := range []struct {
		begin, end, steps []int32
		m                 masks
		want              string
	}{
		{[]int32{2, 0, 0}, []int32{3, 1, 1}, []int32{1, 1, 1}, masks{shrink: 1}, "dimension 0: index 2 out of range"},
		{[]int32{-3, 0, 0}, []int32{3, 1, 1}, []int32{1, 1, 1}, masks{shrink: 1}, "index -3 out of range"},
		{[]int32{0, 0, 0}, []int32{1, 1, 1}, []int32{1, 0, 1}, masks{}, "dimension 1: stride 0"},
		{[]int32{0, 0, 0, 0}, []int32{1, 1, 1, 1}, []int32{1, 1, 1, 1}, masks{}, "more dimensions than the input's"},
		{[]int32{0, 0}, []int32{1, 1}, []int32{1, 1}, masks{ellipsis: 3}, "more than one bit"},
	} {
		n := int32(len(tc.begin))
		_, err := oneOp(t, tflite.OpStridedSlice, []operand{in,
			{tflite.TypeInt32, []int32{n}, tflitetest.Int32s(tc.begin...)},
			{tflite.TypeInt32, []int32{n}, tflitetest.Int32s(tc.end...)},
			{tflite.TypeInt32, []int32{n}, tflitetest.Int32s(tc.steps...)}},
			1, tflite.TypeFloat32, optionsStridedSlice, tflitetest.Table{tc.m.begin, tc.m.end, tc.m.ellipsis, tc.m.newAxis, tc.m.shrink})
		require.Error(t, err, tc.want)
		assert.Contains(t, err.Error(), tc.want)
	}
}

// TestTranspose: random shapes up to rank 6, random permutations, each
// element checked by its coordinates; uint8, int16 and int64 elements.
func TestTranspose(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 5))
	for trial := range 60 {
		rank := 1 + trial%6
		shape := make([]int32, rank)
		for i := range shape {
			shape[i] = int32(1 + rng.IntN(4))
		}
		perm := rng.Perm(rank)
		perm32 := make([]int32, rank)
		for i, p := range perm {
			perm32[i] = int32(p)
		}
		typ := []tflite.TensorType{tflite.TypeUint8, tflite.TypeInt16, tflite.TypeInt64}[trial%3]
		it, err := oneOp(t, tflite.OpTranspose, []operand{{typ, shape, nil}, {tflite.TypeInt32, []int32{int32(rank)}, tflitetest.Int32s(perm32...)}}, 1, typ, optionsTranspose, tflitetest.Table{})
		require.NoError(t, err, "shape %v perm %v", shape, perm32)
		in, out := it.Input(0), it.Output(0)
		size := typ.Size()
		for i := range in.NumElements() {
			in.Bytes()[i*size] = byte(i) // the low byte names the element
		}
		require.NoError(t, it.Invoke())
		inStrides := elementStrides(in.Shape)
		idx := make([]int, rank)
		for o := range out.NumElements() {
			from := 0
			for i, p := range perm {
				from += idx[i] * inStrides[p]
			}
			require.Equal(t, byte(from), out.Bytes()[o*size], "shape %v perm %v output %d", shape, perm, o)
			for i := rank - 1; i >= 0; i-- {
				if idx[i]++; idx[i] < out.Shape[i] {
					break
				}
				idx[i] = 0
			}
		}
	}
	for _, perm := range [][]int32{{0, 0, 1}, {0, 1, 3}, {0, 1}, {0, -2, 2}} {
		_, err := oneOp(t, tflite.OpTranspose, []operand{{tflite.TypeFloat32, []int32{2, 3, 4}, nil}, {tflite.TypeInt32, []int32{int32(len(perm))}, tflitetest.Int32s(perm...)}}, 1, tflite.TypeFloat32, optionsTranspose, tflitetest.Table{})
		require.Error(t, err, "%v", perm)
	}
	_, err := oneOp(t, tflite.OpTranspose, []operand{{tflite.TypeFloat32, []int32{1, 1, 1, 1, 1, 1, 2}, nil}, {tflite.TypeInt32, []int32{7}, tflitetest.Int32s(0, 1, 2, 3, 4, 5, 6)}}, 1, tflite.TypeFloat32, optionsTranspose, tflitetest.Table{})
	require.ErrorIs(t, err, ErrUnsupported)
}

func TestDepthToSpaceAndBack(t *testing.T) {
	// TensorFlow's example: [1 1 1 4] with block 2 is [1 2 2 1].
	it, err := oneOp(t, tflite.OpDepthToSpace, []operand{{tflite.TypeFloat32, []int32{1, 1, 1, 4}, nil}}, 1, tflite.TypeFloat32, optionsDepthToSpace, tflitetest.Table{int32(2)})
	require.NoError(t, err)
	copy(it.Input(0).Float32s(), []float32{1, 2, 3, 4})
	require.NoError(t, it.Invoke())
	assert.Equal(t, []int{1, 2, 2, 1}, it.Output(0).Shape)
	assert.Equal(t, []float32{1, 2, 3, 4}, it.Output(0).Float32s())
	// [1 2 2 4] to [1 4 4 1]: pixel (h, w) channel c goes to
	// (2h + c/2, 2w + c%2).
	it, err = oneOp(t, tflite.OpDepthToSpace, []operand{{tflite.TypeInt8, []int32{1, 2, 2, 4}, nil}}, 1, tflite.TypeInt8, optionsDepthToSpace, tflitetest.Table{int32(2)})
	require.NoError(t, err)
	for i := range 16 {
		it.Input(0).Int8s()[i] = int8(i)
	}
	require.NoError(t, it.Invoke())
	assert.Equal(t, []int8{0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15}, it.Output(0).Int8s())

	// SPACE_TO_DEPTH undoes DEPTH_TO_SPACE on random odd shapes and blocks.
	rng := rand.New(rand.NewPCG(15, 6))
	for range 20 {
		bs := 1 + rng.IntN(3)
		n, h, w, c := 1+rng.IntN(2), 1+rng.IntN(3), 1+rng.IntN(3), 1+rng.IntN(3)
		m := tflitetest.NewModel()
		in := m.Tensor("in", tflite.TypeInt32, []int32{int32(n), int32(h * bs), int32(w * bs), int32(c)}, nil, nil)
		deep := m.Tensor("deep", tflite.TypeInt32, nil, nil, nil)
		back := m.Tensor("back", tflite.TypeInt32, nil, nil, nil)
		m.Op(tflite.OpSpaceToDepth, 1, []int32{in}, []int32{deep}, optionsSpaceToDepth, tflitetest.Table{int32(bs)})
		m.Op(tflite.OpDepthToSpace, 1, []int32{deep}, []int32{back}, optionsDepthToSpace, tflitetest.Table{int32(bs)})
		m.Inputs, m.Outputs = []int32{in}, []int32{deep, back}
		it, err := build(t, m)
		require.NoError(t, err)
		src := it.Input(0).Int32s()
		for i := range src {
			src[i] = rng.Int32()
		}
		require.NoError(t, it.Invoke())
		assert.Equal(t, []int{n, h, w, c * bs * bs}, it.Output(0).Shape)
		require.Equal(t, src, it.Output(1).Int32s(), "block %d on [%d %d %d %d]", bs, n, h*bs, w*bs, c)
		// SPACE_TO_DEPTH by coordinates: output (y, x, (by·bs + bx)·c + k)
		// is input (y·bs + by, x·bs + bx, k).
		deepData := it.Output(0).Int32s()
		for y := range h {
			for x := range w {
				for by := range bs {
					for bx := range bs {
						for k := range c {
							got := deepData[((y*w+x)*bs*bs+by*bs+bx)*c+k]
							require.Equal(t, src[((y*bs+by)*w*bs+x*bs+bx)*c+k], got)
						}
					}
				}
			}
		}
		assert.Zero(t, testing.AllocsPerRun(5, func() { _ = it.Invoke() }))
	}
	_, err = oneOp(t, tflite.OpSpaceToDepth, []operand{{tflite.TypeFloat32, []int32{1, 3, 4, 1}, nil}}, 1, tflite.TypeFloat32, optionsSpaceToDepth, tflitetest.Table{int32(2)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "multiples of the block size 2")
	_, err = oneOp(t, tflite.OpDepthToSpace, []operand{{tflite.TypeFloat32, []int32{1, 3, 4, 6}, nil}}, 1, tflite.TypeFloat32, optionsDepthToSpace, tflitetest.Table{int32(2)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "do not divide into 2×2 blocks")
	_, err = oneOp(t, tflite.OpDepthToSpace, []operand{{tflite.TypeFloat32, []int32{1, 3, 4, 4}, nil}}, 1, tflite.TypeFloat32, optionsDepthToSpace, tflitetest.Table{int32(0)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "block size 0")
}

func TestLayoutChain(t *testing.T) {
	it, err := build(t, layoutChain())
	require.NoError(t, err)
	copy(it.Input(0).Float32s(), counting(32))
	copy(it.Input(1).Int32s(), []int32{3, 0, 2})
	require.NoError(t, it.Invoke())
	// in[0][h][w][c] = 8h + 2w + c + 1; GATHER takes rows 3, 0, 2; SLICE
	// rows 0 and 2 of those (in rows 0, 2); STRIDED_SLICE columns 3 and 1;
	// TRANSPOSE swaps rows and columns; SPACE_TO_DEPTH and DEPTH_TO_SPACE
	// undo each other; SPLIT_V parts the channels.
	// After STRIDED_SLICE [r][k][c]: r ∈ {row 0, row 2}, k ∈ {col 3, col 1}.
	// TRANSPOSE: [k][r][c] → values (row, col): (0,3) (2,3) / (0,1) (2,1).
	assert.Equal(t, []float32{7, 23, 3, 19}, it.Output(0).Float32s())
	assert.Equal(t, []float32{8, 24, 4, 20}, it.Output(1).Float32s())
	assert.Zero(t, testing.AllocsPerRun(10, func() { _ = it.Invoke() }))
	it.Input(1).Int32s()[2] = 4
	require.Error(t, it.Invoke())
}

// TestIndexAndLayoutOpsAgainstLiteRTJS runs one model through every index
// and layout operator (ties, clamped and reversed slices, masks, rank-5
// transposes) in percept and in LiteRT.js, TFLite compiled to WebAssembly,
// on the same input: every output must be identical, byte for byte.
// LiteRT.js feeds one input and reads FLOAT32, INT32 and UINT8 tensors, so
// the indices are constants and the outputs of those types.
func TestIndexAndLayoutOpsAgainstLiteRTJS(t *testing.T) {
	ref := testmodels.LiteRTJS(t)
	// Built once to learn the output shapes, then with them declared, as
	// LiteRT.js sizes its outputs by the file.
	first, err := build(t, indexAndLayoutOps(nil))
	require.NoError(t, err)
	var shapes [][]int32
	for _, o := range first.Outputs() {
		shape := []int32{}
		for _, d := range o.Shape {
			shape = append(shape, int32(d))
		}
		shapes = append(shapes, shape)
	}
	m := indexAndLayoutOps(shapes)

	dir := t.TempDir()
	modelPath := filepath.Join(dir, "ops.tflite")
	require.NoError(t, os.WriteFile(modelPath, m.Encode(), 0o600))
	it, err := build(t, m)
	require.NoError(t, err)
	// Quarters from 0 to 12, so that ARG_MAX and ARG_MIN meet ties and CAST
	// truncates fractions.
	rng := rand.New(rand.NewPCG(15, 7))
	for i := range it.Input(0).Float32s() {
		it.Input(0).Float32s()[i] = float32(rng.IntN(48)) / 4
	}
	require.NoError(t, it.Invoke())
	inPath := filepath.Join(dir, "x.npy")
	writeNPY(t, inPath, "<f4", it.Input(0))
	outs := ref.Run(t, modelPath, inPath)
	require.Len(t, outs[0], len(it.Outputs()))
	for k, o := range it.Outputs() {
		want, err := npy.ReadFile(outs[0][k])
		require.NoError(t, err)
		assert.Equal(t, want.Data, o.Bytes(), "output %d %v", k, o)
	}
	t.Logf("%d outputs identical to LiteRT.js's", len(it.Outputs()))
}

// indexAndLayoutOps is the model of TestIndexAndLayoutOpsAgainstLiteRTJS:
// one FLOAT32 [2 4 6 4] input through each operator, the outputs of the
// given shapes (nil: left for the operators to set).
func indexAndLayoutOps(shapes [][]int32) *tflitetest.Model {
	m := tflitetest.NewModel()
	f32 := tflite.TypeFloat32
	x := m.Tensor("x", f32, []int32{2, 4, 6, 4}, nil, nil)
	m.Inputs = []int32{x}
	out := func(typ tflite.TensorType) int32 {
		var shape []int32
		if shapes != nil {
			shape = shapes[len(m.Outputs)]
		}
		o := m.Tensor(fmt.Sprint("out", len(m.Outputs)), typ, shape, nil, nil)
		m.Outputs = append(m.Outputs, o)
		return o
	}
	ints := func(v ...int32) int32 {
		return m.Tensor(fmt.Sprint("c", v), tflite.TypeInt32, []int32{int32(len(v))}, tflitetest.Int32s(v...), nil)
	}
	scalar := func(v int32) int32 {
		return m.Tensor(fmt.Sprint("s", v), tflite.TypeInt32, []int32{}, tflitetest.Int32s(v), nil)
	}
	i32, u8 := tflite.TypeInt32, tflite.TypeUint8

	m.Op(tflite.OpArgMax, 2, []int32{x, scalar(1)}, []int32{out(i32)}, optionsArgMax, tflitetest.Table{int8(i32)})
	m.Op(tflite.OpArgMin, 2, []int32{x, scalar(-1)}, []int32{out(i32)}, optionsArgMin, tflitetest.Table{int8(i32)})
	asInt := out(i32)
	m.Op(tflite.OpCast, 1, []int32{x}, []int32{asInt}, optionsCast, tflitetest.Table{int8(f32), int8(i32)})
	asByte := out(u8)
	m.Op(tflite.OpCast, 1, []int32{x}, []int32{asByte}, optionsCast, tflitetest.Table{int8(f32), int8(u8)})
	m.Op(tflite.OpCast, 1, []int32{asInt}, []int32{out(f32)}, optionsCast, tflitetest.Table{int8(i32), int8(f32)})
	m.Op(tflite.OpCast, 1, []int32{asByte}, []int32{out(f32)}, optionsCast, tflitetest.Table{int8(u8), int8(f32)})
	m.Op(tflite.OpArgMax, 2, []int32{asByte, scalar(3)}, []int32{out(i32)}, optionsArgMax, tflitetest.Table{int8(i32)})
	m.Op(tflite.OpGather, 1, []int32{x, ints(2, 0, 5, 5)}, []int32{out(f32)}, optionsGather, tflitetest.Table{int32(2), int32(0)})
	m.Op(tflite.OpGather, 1, []int32{asByte, m.Tensor("bi", i32, []int32{2, 3}, tflitetest.Int32s(3, 0, 1, 2, 2, 0), nil)}, []int32{out(u8)}, optionsGather, tflitetest.Table{int32(1), int32(1)})
	m.Op(tflite.OpGatherND, 1, []int32{x, m.Tensor("nd", i32, []int32{3, 2}, tflitetest.Int32s(1, 3, 0, 0, 1, 0), nil)}, []int32{out(f32)}, 0, nil)
	m.Op(tflite.OpGatherND, 1, []int32{asByte, m.Tensor("nd4", i32, []int32{2, 4}, tflitetest.Int32s(1, 3, 5, 2, 0, 1, 2, 3), nil)}, []int32{out(u8)}, 0, nil)
	packed := out(f32)
	m.Op(tflite.OpPack, 2, []int32{x, x, x}, []int32{packed}, optionsPack, tflitetest.Table{int32(3), int32(2)})
	m.Op(tflite.OpUnpack, 2, []int32{x}, []int32{out(f32), out(f32), out(f32), out(f32)}, optionsUnpack, tflitetest.Table{int32(4), int32(1)})
	m.Op(tflite.OpSplit, 1, []int32{scalar(2), x}, []int32{out(f32), out(f32), out(f32)}, optionsSplit, tflitetest.Table{int32(3)})
	m.Op(tflite.OpSplitV, 1, []int32{x, ints(1, -1, 2), scalar(-1)}, []int32{out(f32), out(f32), out(f32)}, optionsSplitV, tflitetest.Table{int32(3)})
	m.Op(tflite.OpSlice, 1, []int32{x, ints(1, 0, 1, 2), ints(1, -1, 3, 2)}, []int32{out(f32)}, 0, nil)
	for _, s := range []struct {
		begin, end, strides                     []int32
		beginM, endM, ellipsis, newAxis, shrink int32
	}{
		{[]int32{0, 3, 0, 3}, []int32{2, 0, 6, 0}, []int32{1, -1, 2, -2}, 1, 1, 0, 0, 0},
		{[]int32{1, 0, 0, 0}, []int32{2, 0, 0, 0}, []int32{1, 1, 1, 3}, 8, 8, 2, 4, 1},
		{[]int32{-10, 1, -100, 1}, []int32{10, 100, 3, -1}, []int32{1, 2, 1, 1}, 0, 0, 0, 0, 0},
		{[]int32{0, 2}, []int32{0, 3}, []int32{1, 1}, 0, 0, 1, 0, 2},
		{[]int32{1, -1, 5, 0}, []int32{0, 0, 0, 4}, []int32{1, -1, -3, 1}, 0, 6, 0, 0, 1},
	} {
		n := int32(len(s.begin))
		b := m.Tensor("b", i32, []int32{n}, tflitetest.Int32s(s.begin...), nil)
		e := m.Tensor("e", i32, []int32{n}, tflitetest.Int32s(s.end...), nil)
		st := m.Tensor("st", i32, []int32{n}, tflitetest.Int32s(s.strides...), nil)
		m.Op(tflite.OpStridedSlice, 1, []int32{x, b, e, st}, []int32{out(f32)}, optionsStridedSlice,
			tflitetest.Table{s.beginM, s.endM, s.ellipsis, s.newAxis, s.shrink})
	}
	m.Op(tflite.OpTranspose, 1, []int32{x, ints(3, 1, 0, 2)}, []int32{out(f32)}, optionsTranspose, tflitetest.Table{})
	m.Op(tflite.OpTranspose, 1, []int32{packed, ints(4, 2, 0, 3, 1)}, []int32{out(f32)}, optionsTranspose, tflitetest.Table{})
	m.Op(tflite.OpSpaceToDepth, 1, []int32{x}, []int32{out(f32)}, optionsSpaceToDepth, tflitetest.Table{int32(2)})
	m.Op(tflite.OpDepthToSpace, 1, []int32{x}, []int32{out(f32)}, optionsDepthToSpace, tflitetest.Table{int32(2)})
	return m
}

// TestIndexAndLayoutOpsNeverPanic rewrites the constant indices, axes,
// sizes and permutations of indexAndLayoutOps (and sometimes an option or
// an output shape) with values from robust_test's interesting integers,
// then builds and runs each variant: New or Invoke may fail, nothing may
// panic.
func TestIndexAndLayoutOpsNeverPanic(t *testing.T) {
	parsed := indexAndLayoutOps(nil).Parse(t)
	lim := robustLimits{arenaBytes: 64 << 20, macs: 1 << 28}
	outcomes := map[string]int{}
	for trial := range 400 {
		rng := rand.New(rand.NewPCG(15, uint64(trial)))
		c := cloneModel(parsed)
		sg := &c.Subgraphs[0]
		var what []string
		for range 1 + rng.IntN(3) {
			switch k := rng.IntN(len(sg.Tensors)); {
			case len(c.Buffers[sg.Tensors[k].Buffer].Data) >= 4 && rng.IntN(4) > 0:
				b := &c.Buffers[sg.Tensors[k].Buffer]
				b.Data = bytes.Clone(b.Data)
				at := 4 * rng.IntN(len(b.Data)/4)
				v := int32(interestingInts[rng.IntN(len(interestingInts))])
				if rng.IntN(2) == 0 {
					v = int32(rng.IntN(9) - 3)
				}
				binary.LittleEndian.PutUint32(b.Data[at:], uint32(v))
				what = append(what, fmt.Sprintf("tensor %d element %d = %d", k, at/4, v))
			case rng.IntN(2) == 0:
				o := &sg.Operators[rng.IntN(len(sg.Operators))]
				what = append(what, mutateOptions(o.Options, rng))
			default:
				x := &sg.Tensors[k]
				if len(x.Shape) > 0 && len(c.Buffers[x.Buffer].Data) == 0 {
					x.Shape[rng.IntN(len(x.Shape))] = int32(rng.IntN(7))
					what = append(what, fmt.Sprintf("tensor %d shape %v", k, x.Shape))
				}
			}
		}
		reached, err := exercise(nil, c, lim, true, uint64(trial))
		outcomes[reached]++
		require.NoError(t, err, "trial %d: %v", trial, what)
	}
	t.Logf("outcomes: %v", outcomes)
	assert.Positive(t, outcomes["invoked"])
	assert.Positive(t, outcomes["rejected by New"])
}
