package nn

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/tflitetest"
	"github.com/percept-robotics/percept/quant"
	"github.com/percept-robotics/percept/tflite"
)

func TestConvLayersDescribeGeometry(t *testing.T) {
	// A 3×3 float CONV_2D with SAME padding and stride 2 over 6×5: TFLite
	// pads 1 row (after) and 2 columns (one each side).
	m := tflitetest.NewModel()
	in := m.Tensor("in", tflite.TypeFloat32, []int32{1, 6, 5, 1}, nil, nil)
	filter := m.Tensor("filter", tflite.TypeFloat32, []int32{1, 3, 3, 1}, tflitetest.Floats(1, 2, 3, 4, 5, 6, 7, 8, 9), nil)
	out := m.Tensor("out", tflite.TypeFloat32, []int32{1, 3, 3, 1}, nil, nil)
	m.Op(tflite.OpConv2D, 1, []int32{in, filter, -1}, []int32{out}, tflitetest.OptionsConv2D,
		tflitetest.Table{int8(tflite.PaddingSame), int32(2), int32(2), int8(tflite.ActRelu6)})
	m.Inputs, m.Outputs = []int32{in}, []int32{out}
	it, err := build(t, m)
	require.NoError(t, err)

	layers := it.ConvLayers()
	require.Len(t, layers, 1)
	l := layers[0]
	assert.Equal(t, 0, l.Index)
	assert.Equal(t, tflite.OpConv2D, l.Op)
	assert.Equal(t, []string{"in", "filter", "out"}, []string{l.Input.Name, l.Filter.Name, l.Output.Name})
	assert.Nil(t, l.Bias)
	assert.Equal(t, ConvGeometry{StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1,
		PadTop: 0, PadBottom: 1, PadLeft: 1, PadRight: 1}, l.Geometry)
	assert.Nil(t, l.Requant)
	assert.Equal(t, [2]float32{0, 6}, [2]float32{l.Min, l.Max})
	assert.Equal(t, int64(9*9), l.MACs)
}

func TestConvLayersDescribeRequantization(t *testing.T) {
	it, err := build(t, conv1x1Uint8(0.5))
	require.NoError(t, err)
	layers := it.ConvLayers()
	require.Len(t, layers, 1)
	mult, shift := quant.QuantizeMultiplier(1 / 0.5)
	assert.Equal(t, &Requantization{Multiplier: []int32{mult}, Shift: []int{shift}, ActMin: 0, ActMax: 255}, layers[0].Requant)
	assert.Equal(t, ConvGeometry{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1}, layers[0].Geometry)
}

func TestPadAfter(t *testing.T) {
	cases := []struct{ in, filter, out, stride, dilation, before, want int }{
		{5, 3, 3, 2, 1, 1, 1}, // SAME: total 2
		{6, 3, 3, 2, 1, 0, 1}, // SAME: total 1, the larger half after
		{6, 3, 2, 2, 1, 0, 0}, // VALID: the last window ends inside
		{7, 3, 7, 1, 2, 2, 2}, // SAME, dilation 2: total 4
		{4, 1, 2, 2, 1, 0, 0}, // SAME with nothing to pad
	}
	for _, c := range cases {
		assert.Equal(t, c.want, padAfter(c.in, c.filter, c.out, c.stride, c.dilation, c.before), "%+v", c)
	}
}
