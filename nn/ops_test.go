package nn

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/internal/tflitetest"
	"github.com/percept-robotics/percept/tflite"
)

// conv1x1Uint8 is a 1×1 uint8 CONV_2D over a [1, 1, 1, 2] input with
// filter weights (2, 3) and no bias; every scale is 1 and every zero point
// 0 unless outScale says otherwise, so the output is 2·x0 + 3·x1.
func conv1x1Uint8(outScale float32) *tflitetest.Model {
	m := tflitetest.NewModel()
	unit := &tflitetest.Affine{Scale: 1}
	in := m.Tensor("in", tflite.TypeUint8, []int32{1, 1, 1, 2}, nil, unit)
	filter := m.Tensor("filter", tflite.TypeUint8, []int32{1, 1, 1, 2}, []byte{2, 3}, unit)
	out := m.Tensor("out", tflite.TypeUint8, []int32{1, 1, 1, 1}, nil, &tflitetest.Affine{Scale: outScale})
	m.Op(tflite.OpConv2D, 1, []int32{in, filter, -1}, []int32{out}, tflitetest.OptionsConv2D,
		tflitetest.Table{int8(tflite.PaddingValid), int32(1), int32(1), int8(tflite.ActNone)})
	m.Inputs, m.Outputs = []int32{in}, []int32{out}
	return m
}

func TestQuantizedConvWithoutBias(t *testing.T) {
	it, err := build(t, conv1x1Uint8(1))
	require.NoError(t, err)
	copy(it.Input(0).Uint8s(), []uint8{4, 5})
	require.NoError(t, it.Invoke())
	assert.Equal(t, []uint8{2*4 + 3*5}, it.Output(0).Uint8s())
}

func TestInfiniteScaleIsRejected(t *testing.T) {
	_, err := build(t, conv1x1Uint8(float32(math.Inf(1))))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"out"`)
	assert.Contains(t, err.Error(), "scale +Inf")
}

// addOp adds ADD(x, y) → out without activation.
func addOp(m *tflitetest.Model, x, y, out int32) {
	m.Op(tflite.OpAdd, 1, []int32{x, y}, []int32{out}, tflitetest.OptionsAdd, tflitetest.Table{int8(0)})
}

func TestTensorWithTwoProducersIsRejected(t *testing.T) {
	m := tflitetest.NewModel()
	in := m.Tensor("in", tflite.TypeFloat32, []int32{4}, nil, nil)
	sum := m.Tensor("sum", tflite.TypeFloat32, []int32{4}, nil, nil)
	addOp(m, in, in, sum)
	addOp(m, in, in, sum)
	m.Inputs, m.Outputs = []int32{in}, []int32{sum}
	_, err := build(t, m)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `op 1 ADD`)
	assert.Contains(t, err.Error(), `"sum" FLOAT32[4] is already the output of op 0`)
}

// TestConstantCannotReplaceWrittenTensor: a RESHAPE of a constant makes its
// output share the model's memory, which an earlier producer of the same
// tensor would then overwrite.
func TestConstantCannotReplaceWrittenTensor(t *testing.T) {
	m := tflitetest.NewModel()
	in := m.Tensor("in", tflite.TypeFloat32, []int32{4}, nil, nil)
	weights := m.Tensor("weights", tflite.TypeFloat32, []int32{4}, tflitetest.Floats(1, 2, 3, 4), nil)
	sum := m.Tensor("sum", tflite.TypeFloat32, []int32{4}, nil, nil)
	addOp(m, in, in, sum)
	m.Op(tflite.OpReshape, 1, []int32{weights}, []int32{sum}, tflitetest.OptionsReshape, tflitetest.Table{[]int32{4}})
	m.Inputs, m.Outputs = []int32{in}, []int32{sum}
	_, err := build(t, m)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "already the output of op 0")
}

// TestInputProducedLaterIsRejected: op 0 reads a tensor that op 1 folds
// from a float16 constant, which would leave op 0 reading no data.
func TestInputProducedLaterIsRejected(t *testing.T) {
	m := tflitetest.NewModel()
	var half []byte
	for _, v := range []float32{1, 2, 3, 4} {
		half = binary.LittleEndian.AppendUint16(half, uint16(kernels.HalfFromFloat32(v)))
	}
	in := m.Tensor("in", tflite.TypeFloat32, []int32{4}, nil, nil)
	folded := m.Tensor("folded", tflite.TypeFloat32, []int32{4}, nil, nil)
	weights := m.Tensor("weights", tflite.TypeFloat16, []int32{4}, half, nil)
	sum := m.Tensor("sum", tflite.TypeFloat32, []int32{4}, nil, nil)
	addOp(m, in, folded, sum)
	m.Op(tflite.OpDequantize, 1, []int32{weights}, []int32{folded}, 0, nil)
	m.Inputs, m.Outputs = []int32{in}, []int32{sum}
	_, err := build(t, m)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `op 0 ADD`)
	assert.Contains(t, err.Error(), `"folded" FLOAT32[4] is the output of op 1`)
}

// TestReshapeOntoItselfIsRejected: a RESHAPE whose output is its input
// would make the tensor its own alias.
func TestReshapeOntoItselfIsRejected(t *testing.T) {
	m := tflitetest.NewModel()
	in := m.Tensor("in", tflite.TypeFloat32, []int32{4}, nil, nil)
	x := m.Tensor("x", tflite.TypeFloat32, []int32{4}, nil, nil)
	addOp(m, in, in, x)
	m.Op(tflite.OpReshape, 1, []int32{x}, []int32{x}, tflitetest.OptionsReshape, tflitetest.Table{[]int32{4}})
	m.Inputs, m.Outputs = []int32{in}, []int32{x}
	_, err := build(t, m)
	require.Error(t, err)
}

func TestResizeOfEmptyImageIsRejected(t *testing.T) {
	m := tflitetest.NewModel()
	in := m.Tensor("in", tflite.TypeFloat32, []int32{1, 0, 4, 1}, nil, nil)
	size := m.Tensor("size", tflite.TypeInt32, []int32{2}, tflitetest.Int32s(2, 2), nil)
	out := m.Tensor("out", tflite.TypeFloat32, []int32{1, 2, 2, 1}, nil, nil)
	m.Op(tflite.OpResizeBilinear, 1, []int32{in, size}, []int32{out}, tflitetest.OptionsResizeBilinear, tflitetest.Table{})
	m.Inputs, m.Outputs = []int32{in}, []int32{out}
	_, err := build(t, m)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no pixels")
}

// TestHugePaddingIsRejected: int64 paddings of 2⁶³−1 before and after a
// dimension of 2 add up, wrapping, to 0, the declared output extent.
func TestHugePaddingIsRejected(t *testing.T) {
	m := tflitetest.NewModel()
	var paddings []byte
	for _, v := range []int64{0, 0, math.MaxInt64, math.MaxInt64, 0, 0, 0, 0} {
		paddings = binary.LittleEndian.AppendUint64(paddings, uint64(v))
	}
	in := m.Tensor("in", tflite.TypeFloat32, []int32{1, 2, 2, 1}, nil, nil)
	pad := m.Tensor("paddings", tflite.TypeInt64, []int32{4, 2}, paddings, nil)
	out := m.Tensor("out", tflite.TypeFloat32, []int32{1, 0, 2, 1}, nil, nil)
	m.Op(tflite.OpPad, 1, []int32{in, pad}, []int32{out}, 0, nil)
	m.Inputs, m.Outputs = []int32{in}, []int32{out}
	_, err := build(t, m)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "too large")
}

// TestMeanOfEmptyTensorIsRejected: the mean over no elements has no value
// (and its element count, 0, would divide).
func TestMeanOfEmptyTensorIsRejected(t *testing.T) {
	m := tflitetest.NewModel()
	in := m.Tensor("in", tflite.TypeFloat32, []int32{0, 2, 2, 3}, nil, nil)
	axes := m.Tensor("axes", tflite.TypeInt32, []int32{2}, tflitetest.Int32s(1, 2), nil)
	out := m.Tensor("out", tflite.TypeFloat32, []int32{0, 3}, nil, nil)
	m.Op(tflite.OpMean, 1, []int32{in, axes}, []int32{out}, tflitetest.OptionsReducer, tflitetest.Table{false})
	m.Inputs, m.Outputs = []int32{in}, []int32{out}
	_, err := build(t, m)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no elements")
}

// TestEmptyTensorWithHugeExtentIsRejected: a [0, 2³¹−1, 2³¹−1] tensor has
// no elements, but kernels would still loop over its other dimensions.
func TestEmptyTensorWithHugeExtentIsRejected(t *testing.T) {
	m := tflitetest.NewModel()
	in := m.Tensor("in", tflite.TypeFloat32, []int32{0, math.MaxInt32, math.MaxInt32}, nil, nil)
	out := m.Tensor("out", tflite.TypeFloat32, nil, nil, nil)
	addOp(m, in, in, out)
	m.Inputs, m.Outputs = []int32{in}, []int32{out}
	_, err := build(t, m)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"in" FLOAT32[0 2147483647 2147483647] has too many elements`)
}
