package optimize

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// CorrectBias returns q, an int8 model Int8 made from the float model f,
// with the int32 biases of its CONV_2D, DEPTHWISE_CONV_2D and
// FULLY_CONNECTED layers corrected for the mean error quantization leaves
// in their outputs: empirical bias correction (Nagel et al., "Data-Free
// Quantization Through Weight Equalization and Bias Correction", 2019;
// Finkelstein et al., "Fighting Quantization Bias With Bias", 2019).
// Layer by layer in graph order, both models run on the samples (f's
// float32 input tensors, as a Calibrator was fed them, quantized for q
// when its input is), and each output channel's bias moves by the
// difference of the channel's mean output, float minus dequantized int8,
// so that later layers are corrected for the earlier corrections. The
// means are of the outputs after the fused activation, an approximation
// where RELU6 or RELU clips.
//
// TFLite's converter does not do this; the model's structure and
// quantization parameters stay as Int8 wrote them, only bias values
// change. It costs one run of q per sample and corrected layer. Use
// samples that stand for the data the model will see: the correction fits
// them.
func CorrectBias(f, q *tflite.Model, samples [][]byte) (*tflite.Model, *Report, error) {
	if f == nil || q == nil || len(f.Subgraphs) != 1 || len(q.Subgraphs) != 1 {
		return nil, nil, fmt.Errorf("optimize: bias correction: want a single-graph float model and its Int8 model")
	}
	if len(samples) == 0 {
		return nil, nil, fmt.Errorf("optimize: bias correction: no samples")
	}
	fsg := &f.Subgraphs[0]
	e, err := newEditor(q)
	if err != nil {
		return nil, nil, err
	}
	qsg := &e.m.Subgraphs[0]
	if len(qsg.Tensors) < len(fsg.Tensors) {
		return nil, nil, fmt.Errorf("optimize: bias correction: the int8 model does not come from this float model")
	}
	// The layers to correct: Int8 keeps f's tensor indices, so a layer's
	// output is the same tensor in both.
	type layer struct{ out, bias int32 }
	var layers []layer
	for _, op := range qsg.Operators {
		switch e.builtin(&op) {
		case tflite.OpConv2D, tflite.OpDepthwiseConv2D, tflite.OpFullyConnected:
		default:
			continue
		}
		if len(op.Inputs) < 3 || len(op.Outputs) != 1 || !validIndex(qsg, op.Inputs[2]) || !validIndex(qsg, op.Outputs[0]) {
			continue
		}
		out, bias := op.Outputs[0], op.Inputs[2]
		bt, ot := &qsg.Tensors[bias], &qsg.Tensors[out]
		if int(out) >= len(fsg.Tensors) || bt.Type != tflite.TypeInt32 || bt.Quantization == nil || len(ot.Shape) == 0 ||
			ot.Type != tflite.TypeInt8 || ot.Quantization == nil || len(e.data(bt)) != 4*int(ot.Shape[len(ot.Shape)-1]) ||
			(len(bt.Quantization.Scale) != 1 && 4*len(bt.Quantization.Scale) != len(e.data(bt))) {
			continue
		}
		layers = append(layers, layer{out, bias})
	}
	want := map[int32]bool{}
	for _, l := range layers {
		want[l.out] = true
	}
	floatMeans, err := channelMeans(f, samples, want)
	if err != nil {
		return nil, nil, err
	}
	rep := &Report{}
	for _, l := range layers {
		got, err := channelMeans(e.m, samples, map[int32]bool{l.out: true})
		if err != nil {
			return nil, nil, err
		}
		bt := &qsg.Tensors[l.bias]
		data := slices.Clone(e.data(bt))
		values := make([]float32, len(data)/4)
		for c := range values {
			s := float64(bt.Quantization.Scale[min(c, len(bt.Quantization.Scale)-1)])
			v := float64(int32(binary.LittleEndian.Uint32(data[4*c:])))
			v = max(-math.MaxInt32, min(math.MaxInt32, v+math.Round((floatMeans[l.out][c]-got[l.out][c])/s)))
			binary.LittleEndian.PutUint32(data[4*c:], uint32(int32(v)))
			values[c] = float32(v * s)
		}
		e.m.Buffers = append(e.m.Buffers, tflite.Buffer{Data: data})
		bt.Buffer = uint32(len(e.m.Buffers) - 1)
		rep.Tensors = append(rep.Tensors, e.change(0, l.bias, values))
	}
	e.dropUnusedBuffers()
	return e.m, rep, nil
}

// channelMeans runs m on the float samples (quantized for a quantized
// input) and returns, for each tensor in want, the mean of each channel
// (last dimension) of its values, dequantized.
func channelMeans(m *tflite.Model, samples [][]byte, want map[int32]bool) (map[int32][]float64, error) {
	it, err := nn.New(m, &nn.Options{})
	if err != nil {
		return nil, fmt.Errorf("optimize: bias correction: %w", err)
	}
	defer it.Close()
	sums := map[int32][]float64{}
	rows := map[int32]int{}
	it.Observe(func(_ int, outputs []*nn.Tensor) {
		for _, t := range outputs {
			if !want[int32(t.Index)] || len(t.Shape) == 0 || t.Shape[len(t.Shape)-1] == 0 {
				continue
			}
			c := t.Shape[len(t.Shape)-1]
			s := sums[int32(t.Index)]
			if s == nil {
				s = make([]float64, c)
				sums[int32(t.Index)] = s
			}
			switch t.Type {
			case tflite.TypeFloat32:
				for i, v := range t.Float32s() {
					s[i%c] += float64(v)
				}
			case tflite.TypeInt8:
				scale, zero := float64(t.Scale()), int32(t.ZeroPoint())
				for i, v := range t.Int8s() {
					s[i%c] += scale * float64(int32(v)-zero)
				}
			}
			rows[int32(t.Index)] += t.NumElements() / c
		}
	})
	in := it.Input(0)
	for _, sample := range samples {
		if err := setFloat(in, sample); err != nil {
			return nil, err
		}
		if err := it.Invoke(); err != nil {
			return nil, fmt.Errorf("optimize: bias correction: %w", err)
		}
	}
	for i, s := range sums {
		for c := range s {
			s[c] /= float64(rows[i])
		}
	}
	for i := range want {
		if sums[i] == nil {
			return nil, fmt.Errorf("optimize: bias correction: tensor %d was not computed", i)
		}
	}
	return sums, nil
}

// setFloat writes a float32 input tensor's bytes into t, quantized to its
// type.
func setFloat(t *nn.Tensor, sample []byte) error {
	if len(sample) != 4*t.NumElements() {
		return fmt.Errorf("optimize: bias correction: a sample of %d bytes for input %v", len(sample), t)
	}
	v := floats(sample)
	s, z := float64(t.Scale()), float64(t.ZeroPoint())
	switch t.Type {
	case tflite.TypeFloat32:
		copy(t.Float32s(), v)
	case tflite.TypeInt8:
		for i, x := range v {
			t.Int8s()[i] = int8(max(-128, min(127, math.Round(float64(x)/s)+z)))
		}
	case tflite.TypeUint8:
		for i, x := range v {
			t.Uint8s()[i] = uint8(max(0, min(255, math.Round(float64(x)/s)+z)))
		}
	default:
		return fmt.Errorf("optimize: bias correction: input %v", t)
	}
	return nil
}
