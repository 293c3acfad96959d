package nn

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
