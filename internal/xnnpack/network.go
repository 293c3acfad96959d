//go:build xnnpack

package xnnpack

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
	"unsafe"

	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/quant"
	"github.com/percept-robotics/percept/tflite"
)

// Layer describes one model operator that a Network runs in XNNPACK.
type Layer struct {
	Index       int    // operator index in the model's main subgraph
	Op          string // CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED
	Kind        string // XNNPACK operator family: qu8, qs8, qc8 (per-channel int8) or f32
	OutputShape []int
	MACs        int64 // multiply-accumulates per run
}

// Skip is a convolution or fully connected operator that a Network leaves
// out, and why.
type Skip struct {
	Index  int
	Op     string
	Reason string
}

// Network is the XNNPACK counterpart of the convolutions and fully connected
// layers of a model's main subgraph: one XNNPACK operator per layer, in
// model order. A layer whose input is the output of an earlier layer of the
// network reads that layer's output buffer, so a run of the network moves
// data through memory as an inference does. A Network belongs to one
// goroutine at a time; Close frees its C memory.
type Network struct {
	layers  []*layer
	skipped []Skip
	buffers map[int32]*cBuffer // per tensor index
	pool    *threadPool
}

// layer is one XNNPACK operator and what is needed to check it.
type layer struct {
	Layer
	input, output     int32 // tensor indices
	inBytes, outBytes int
	element           tflite.TensorType // uint8, int8 or float32, for inputs and outputs
	in, out           *cBuffer
	op                *operator
	// reference runs percept's portable kernel of the layer.
	reference func(in, out []byte)
	// clampLo and clampHi are the fused activation's bounds on the output
	// as stored (quantized values, or floats).
	clampLo, clampHi float64
}

// skipError is the reason why the network leaves an operator out, as
// opposed to an error in the model.
type skipError struct{ reason string }

func (e *skipError) Error() string { return e.reason }

// skipf returns a skipError with the formatted reason.
func skipf(format string, args ...any) error {
	return &skipError{fmt.Sprintf(format, args...)}
}

// NewNetwork builds the XNNPACK operators of every CONV_2D,
// DEPTHWISE_CONV_2D and FULLY_CONNECTED operator of m's main subgraph, run
// on threads threads (1 runs on the calling thread). Operators that
// XNNPACK or this package cannot express are listed by Skipped; malformed
// operators are errors that name the operator and tensor at fault.
func NewNetwork(m *tflite.Model, threads int) (*Network, error) {
	if err := initialize(); err != nil {
		return nil, err
	}
	if len(m.Subgraphs) == 0 {
		return nil, errors.New("xnnpack: model has no subgraph")
	}
	pool, err := newThreadPool(threads)
	if err != nil {
		return nil, err
	}
	n := &Network{buffers: map[int32]*cBuffer{}, pool: pool}
	sg := &m.Subgraphs[0]
	for i := range sg.Operators {
		op := &sg.Operators[i]
		if int(op.OpcodeIndex) >= len(m.OperatorCodes) {
			n.Close()
			return nil, fmt.Errorf("xnnpack: operator %d: opcode index %d out of range", i, op.OpcodeIndex)
		}
		code := m.OperatorCodes[op.OpcodeIndex].Builtin
		if code != tflite.OpConv2D && code != tflite.OpDepthwiseConv2D && code != tflite.OpFullyConnected {
			continue
		}
		b := &layerBuilder{m: m, sg: sg, op: op, net: n, l: &layer{Layer: Layer{Index: i, Op: code.String()}}}
		if code == tflite.OpFullyConnected {
			err = b.fullyConnected()
		} else {
			err = b.convolution(code == tflite.OpDepthwiseConv2D)
		}
		var skip *skipError
		switch {
		case errors.As(err, &skip):
			n.skipped = append(n.skipped, Skip{Index: i, Op: code.String(), Reason: skip.reason})
		case err != nil:
			n.Close()
			return nil, fmt.Errorf("xnnpack: operator %d (%s): %w", i, code, err)
		default:
			n.layers = append(n.layers, b.l)
		}
	}
	return n, nil
}

// Layers describes the network's layers in model order.
func (n *Network) Layers() []Layer {
	out := make([]Layer, len(n.layers))
	for i, l := range n.layers {
		out[i] = l.Layer
	}
	return out
}

// Skipped lists the operators the network leaves out.
func (n *Network) Skipped() []Skip { return n.skipped }

// RunTimed runs every layer once in model order and stores the time each
// took in times, which must hold one entry per layer.
func (n *Network) RunTimed(times []time.Duration) error {
	if len(times) != len(n.layers) {
		return fmt.Errorf("xnnpack: %d times for %d layers", len(times), len(n.layers))
	}
	for i, l := range n.layers {
		start := time.Now()
		if err := l.op.run(n.pool); err != nil {
			return fmt.Errorf("xnnpack: operator %d: %w", l.Index, err)
		}
		times[i] = time.Since(start)
	}
	return nil
}

// Close frees the operators, buffers and threads of the network.
func (n *Network) Close() {
	for _, l := range n.layers {
		l.op.delete()
	}
	n.layers = nil
	for _, b := range n.buffers {
		b.free()
	}
	clear(n.buffers)
	n.pool.close()
}

// buffer returns the C buffer of tensor t, allocating size bytes the first
// time.
func (n *Network) buffer(t int32, size int) (*cBuffer, error) {
	if b := n.buffers[t]; b != nil {
		if b.size != size {
			return nil, fmt.Errorf("tensor %d is used with %d and %d bytes", t, b.size, size)
		}
		return b, nil
	}
	b, err := newCBuffer(size)
	if err != nil {
		return nil, err
	}
	n.buffers[t] = b
	return b, nil
}

// layerBuilder reads one operator of the model into a layer.
type layerBuilder struct {
	m   *tflite.Model
	sg  *tflite.Subgraph
	op  *tflite.Operator
	net *Network
	l   *layer
}

// tensor returns operator input (or, with output set, output) k, which must
// be present.
func (b *layerBuilder) tensor(k int, output bool) (*tflite.Tensor, int32, error) {
	list, what := b.op.Inputs, "input"
	if output {
		list, what = b.op.Outputs, "output"
	}
	if k >= len(list) || list[k] < 0 {
		return nil, 0, fmt.Errorf("missing %s %d", what, k)
	}
	if int(list[k]) >= len(b.sg.Tensors) {
		return nil, 0, fmt.Errorf("%s %d: tensor %d out of range", what, k, list[k])
	}
	return &b.sg.Tensors[list[k]], list[k], nil
}

// constant returns the data of a constant tensor of the given element type
// and element count; a tensor without data is a skip (XNNPACK needs
// constant weights), a size mismatch an error.
func (b *layerBuilder) constant(t *tflite.Tensor, elements int, typ tflite.TensorType) ([]byte, error) {
	if t.Type != typ {
		return nil, skipf("tensor %q has type %s, want %s", t.Name, t.Type, typ)
	}
	if t.Sparse {
		return nil, skipf("tensor %q is sparse", t.Name)
	}
	if int(t.Buffer) >= len(b.m.Buffers) {
		return nil, fmt.Errorf("tensor %q: buffer %d out of range", t.Name, t.Buffer)
	}
	data := b.m.Buffers[t.Buffer].Data
	if len(data) == 0 {
		return nil, skipf("tensor %q is not constant", t.Name)
	}
	if len(data) != elements*typ.Size() {
		return nil, fmt.Errorf("tensor %q holds %d bytes, want %d for shape %v", t.Name, len(data), elements*typ.Size(), t.Shape)
	}
	return data, nil
}

// bias returns the decoded bias of outC channels (int32 for quantized
// layers, float32 for float ones), or nil when the operator has none.
func (b *layerBuilder) bias(outC int, typ tflite.TensorType) (ints []int32, floats []float32, err error) {
	if len(b.op.Inputs) < 3 || b.op.Inputs[2] < 0 {
		return nil, nil, nil
	}
	if int(b.op.Inputs[2]) >= len(b.sg.Tensors) {
		return nil, nil, fmt.Errorf("bias: tensor %d out of range", b.op.Inputs[2])
	}
	t := &b.sg.Tensors[b.op.Inputs[2]]
	if len(t.Shape) != 1 || int(t.Shape[0]) != outC {
		return nil, nil, fmt.Errorf("bias %q has shape %v, want [%d]", t.Name, t.Shape, outC)
	}
	data, err := b.constant(t, outC, typ)
	if err != nil {
		return nil, nil, err
	}
	if typ == tflite.TypeFloat32 {
		return nil, decodeFloats(data), nil
	}
	ints = make([]int32, outC)
	for i := range ints {
		ints[i] = int32(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return ints, nil, nil
}

// decodeFloats decodes little-endian float32 data into an aligned slice.
func decodeFloats(data []byte) []float32 {
	f := make([]float32, len(data)/4)
	for i := range f {
		f[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return f
}

// shape4 reads a rank-4 NHWC shape.
func shape4(t *tflite.Tensor) (kernels.Shape4, error) {
	if len(t.Shape) != 4 {
		return kernels.Shape4{}, fmt.Errorf("tensor %q has shape %v, want rank 4", t.Name, t.Shape)
	}
	s := kernels.Shape4{N: int(t.Shape[0]), H: int(t.Shape[1]), W: int(t.Shape[2]), C: int(t.Shape[3])}
	if _, err := elementCount(t); err != nil {
		return kernels.Shape4{}, err
	}
	return s, nil
}

// maxElements bounds the tensors a network allocates.
const maxElements = 1 << 30

// elementCount returns the number of elements of t.
func elementCount(t *tflite.Tensor) (int, error) {
	n := 1
	for _, d := range t.Shape {
		if d == 0 {
			return 0, fmt.Errorf("tensor %q has an empty shape %v", t.Name, t.Shape)
		}
		n *= int(d)
		if n > maxElements {
			return 0, fmt.Errorf("tensor %q of shape %v is too large", t.Name, t.Shape)
		}
	}
	return n, nil
}

// activation maps a fused activation to the clamps both engines support.
func activation(a tflite.Activation) (quant.FusedActivation, error) {
	switch a {
	case tflite.ActNone:
		return quant.ActNone, nil
	case tflite.ActRelu:
		return quant.ActRelu, nil
	case tflite.ActRelu6:
		return quant.ActRelu6, nil
	case tflite.ActReluN1To1:
		return quant.ActReluN1To1, nil
	}
	return 0, skipf("fused activation %s", a)
}

// perTensor returns the single scale and zero point of a quantized
// activation tensor, checked against the type's range [qmin, qmax].
func perTensor(t *tflite.Tensor, qmin, qmax int32) (float32, int32, error) {
	q := t.Quantization
	if q == nil || len(q.Scale) != 1 {
		return 0, 0, fmt.Errorf("tensor %q needs one quantization scale", t.Name)
	}
	scale := q.Scale[0]
	if !(scale > 0) || math.IsInf(float64(scale), 0) {
		return 0, 0, fmt.Errorf("tensor %q has scale %g", t.Name, scale)
	}
	var zero int64
	if len(q.ZeroPoint) == 1 {
		zero = q.ZeroPoint[0]
	}
	if zero < int64(qmin) || zero > int64(qmax) {
		return 0, 0, fmt.Errorf("tensor %q has zero point %d outside [%d, %d]", t.Name, zero, qmin, qmax)
	}
	return scale, int32(zero), nil
}

// typeLimits is the range of a quantized element type.
func typeLimits(t tflite.TensorType) (int32, int32) {
	if t == tflite.TypeUint8 {
		return 0, math.MaxUint8
	}
	return math.MinInt8, math.MaxInt8
}

// quantization reads the quantization of a quantized layer whose filter has
// one scale or channels scales along channelDim, and derives both
// XNNPACK's parameters and percept's reference requantization.
// legacyMultiplier follows TFLite's float32 product of per-tensor scales.
func (b *layerBuilder) quantization(in, filter, out *tflite.Tensor, act tflite.Activation, channels, channelDim int, legacyMultiplier bool) (*quantParams, *kernels.Requant, error) {
	qmin, qmax := typeLimits(in.Type)
	inScale, inZero, err := perTensor(in, qmin, qmax)
	if err != nil {
		return nil, nil, err
	}
	outScale, outZero, err := perTensor(out, qmin, qmax)
	if err != nil {
		return nil, nil, err
	}
	fq := filter.Quantization
	if fq == nil || len(fq.Scale) == 0 {
		return nil, nil, fmt.Errorf("filter %q has no quantization parameters", filter.Name)
	}
	if len(fq.Scale) != 1 && (len(fq.Scale) != channels || int(fq.QuantizedDimension) != channelDim) {
		return nil, nil, fmt.Errorf("filter %q has %d scales along dimension %d, want 1 or %d along %d",
			filter.Name, len(fq.Scale), fq.QuantizedDimension, channels, channelDim)
	}
	for _, s := range fq.Scale {
		if !(s > 0) || math.IsInf(float64(s), 0) {
			return nil, nil, fmt.Errorf("filter %q has scale %g", filter.Name, s)
		}
	}
	var filterZero int32
	for _, z := range fq.ZeroPoint {
		if z != fq.ZeroPoint[0] {
			return nil, nil, skipf("filter %q has different zero points per channel", filter.Name)
		}
		filterZero = int32(z)
	}
	if filterZero < qmin || filterZero > qmax {
		return nil, nil, fmt.Errorf("filter %q has zero point %d outside [%d, %d]", filter.Name, filterZero, qmin, qmax)
	}
	if in.Type == tflite.TypeInt8 && filterZero != 0 {
		return nil, nil, skipf("int8 filter %q has zero point %d", filter.Name, filterZero)
	}
	kind, err := activation(act)
	if err != nil {
		return nil, nil, err
	}
	lo, hi := quant.ActivationRange(kind, outScale, outZero, qmin, qmax)
	mult, shift := quant.ConvMultipliers(inScale, fq.Scale, outScale, channels, legacyMultiplier)
	b.l.clampLo, b.l.clampHi = float64(lo), float64(hi)
	q := &quantParams{
		inZero: inZero, kernelZero: filterZero, outZero: outZero,
		inScale: inScale, outScale: outScale, kernelScales: fq.Scale,
		outMin: lo, outMax: hi,
	}
	r := &kernels.Requant{
		InputOffset: -inZero, FilterOffset: -filterZero, OutputOffset: outZero,
		Multiplier: mult, Shift: shift, ActMin: lo, ActMax: hi,
	}
	return q, r, nil
}

// floatClamp returns the clamp range of a float layer's fused activation.
func (b *layerBuilder) floatClamp(act tflite.Activation) (kernels.FloatRange, error) {
	kind, err := activation(act)
	if err != nil {
		return kernels.FloatRange{}, err
	}
	lo, hi := quant.FloatActivationRange(kind)
	b.l.clampLo, b.l.clampHi = float64(lo), float64(hi)
	return kernels.FloatRange{Min: lo, Max: hi}, nil
}

// buffers assigns the layer's input and output C buffers.
func (b *layerBuilder) buffers(inIdx, outIdx int32, inElems, outElems int, typ tflite.TensorType) error {
	l := b.l
	l.input, l.output, l.element = inIdx, outIdx, typ
	l.inBytes, l.outBytes = inElems*typ.Size(), outElems*typ.Size()
	if inIdx == outIdx {
		return fmt.Errorf("tensor %d is both input and output", inIdx)
	}
	var err error
	if l.in, err = b.net.buffer(inIdx, l.inBytes); err != nil {
		return err
	}
	l.out, err = b.net.buffer(outIdx, l.outBytes)
	return err
}

// convolution builds a CONV_2D or DEPTHWISE_CONV_2D layer.
func (b *layerBuilder) convolution(depthwise bool) error {
	var geo kernels.ConvParams
	var padding tflite.Padding
	var act tflite.Activation
	var dilationH, dilationW int32
	if depthwise {
		o, ok := b.op.Options.(*tflite.DepthwiseConv2DOptions)
		if !ok {
			return errors.New("missing DepthwiseConv2DOptions")
		}
		geo.StrideH, geo.StrideW = int(o.StrideH), int(o.StrideW)
		dilationH, dilationW, padding, act = o.DilationHFactor, o.DilationWFactor, o.Padding, o.FusedActivationFunction
	} else {
		o, ok := b.op.Options.(*tflite.Conv2DOptions)
		if !ok {
			return errors.New("missing Conv2DOptions")
		}
		geo.StrideH, geo.StrideW = int(o.StrideH), int(o.StrideW)
		dilationH, dilationW, padding, act = o.DilationHFactor, o.DilationWFactor, o.Padding, o.FusedActivationFunction
	}
	geo.DilationH, geo.DilationW = int(dilationH), int(dilationW)
	if geo.StrideH < 1 || geo.StrideW < 1 || geo.DilationH < 1 || geo.DilationW < 1 {
		return fmt.Errorf("strides %d×%d and dilations %d×%d must be positive", geo.StrideH, geo.StrideW, geo.DilationH, geo.DilationW)
	}
	in, inIdx, err := b.tensor(0, false)
	if err != nil {
		return err
	}
	filter, _, err := b.tensor(1, false)
	if err != nil {
		return err
	}
	out, outIdx, err := b.tensor(0, true)
	if err != nil {
		return err
	}
	is, err := shape4(in)
	if err != nil {
		return err
	}
	fs, err := shape4(filter)
	if err != nil {
		return err
	}
	if _, err := shape4(out); err != nil {
		return err
	}
	cg := convGeometry{
		kernelH: fs.H, kernelW: fs.W, strideH: geo.StrideH, strideW: geo.StrideW,
		dilationH: geo.DilationH, dilationW: geo.DilationW,
		batch: is.N, inH: is.H, inW: is.W, depthwise: depthwise,
	}
	var outC int
	if depthwise {
		outC = fs.C
		if fs.N != 1 || outC%is.C != 0 {
			return fmt.Errorf("depthwise filter %v does not fit input %v", filter.Shape, in.Shape)
		}
		geo.DepthMultiplier = outC / is.C
		cg.groups, cg.groupIn, cg.groupOut = is.C, 1, geo.DepthMultiplier
	} else {
		outC = fs.N
		if fs.C != is.C {
			return skipf("filter %v over input %v (grouped convolution)", filter.Shape, in.Shape)
		}
		cg.groups, cg.groupIn, cg.groupOut = 1, is.C, outC
	}
	same := padding == tflite.PaddingSame
	if !same && padding != tflite.PaddingValid {
		return fmt.Errorf("padding %s", padding)
	}
	outH, padTop, padBottom := padAround(is.H, fs.H, geo.StrideH, geo.DilationH, same)
	outW, padLeft, padRight := padAround(is.W, fs.W, geo.StrideW, geo.DilationW, same)
	if outH <= 0 || outW <= 0 {
		return fmt.Errorf("filter %v does not fit input %v", filter.Shape, in.Shape)
	}
	geo.PadTop, geo.PadLeft = padTop, padLeft
	cg.padTop, cg.padBottom, cg.padLeft, cg.padRight = padTop, padBottom, padLeft, padRight
	os := kernels.Shape4{N: is.N, H: outH, W: outW, C: outC}
	if got := (kernels.Shape4{N: int(out.Shape[0]), H: int(out.Shape[1]), W: int(out.Shape[2]), C: int(out.Shape[3])}); got != os {
		return fmt.Errorf("output %q has shape %v, but the convolution makes %v", out.Name, out.Shape, []int{os.N, os.H, os.W, os.C})
	}
	if in.Type != filter.Type || in.Type != out.Type {
		return skipf("input %s, filter %s, output %s", in.Type, filter.Type, out.Type)
	}
	taps := fs.H * fs.W
	if !depthwise {
		taps *= fs.C
	}
	b.l.OutputShape = []int{os.N, os.H, os.W, os.C}
	b.l.MACs = int64(os.Size()) * int64(taps)

	filterData, err := b.constant(filter, fs.Size(), in.Type)
	if err != nil {
		return err
	}
	if in.Type == tflite.TypeFloat32 {
		clamp, err := b.floatClamp(act)
		if err != nil {
			return err
		}
		_, bias, err := b.bias(outC, tflite.TypeFloat32)
		if err != nil {
			return err
		}
		kernel := decodeFloats(filterData)
		if err := b.buffers(inIdx, outIdx, is.Size(), os.Size(), in.Type); err != nil {
			return err
		}
		b.l.Kind = "f32"
		b.l.reference = func(inBytes, outBytes []byte) {
			src, dst := viewAs[float32](inBytes), viewAs[float32](outBytes)
			if depthwise {
				kernels.DepthwiseConvF32(&geo, clamp, is, src, fs, kernel, bias, os, dst, 0, os.N*os.H, nil)
			} else {
				kernels.ConvF32(&geo, clamp, is, src, fs, kernel, bias, os, dst, 0, os.N*os.H, nil)
			}
		}
		b.l.op, err = newConvF32(&cg, clamp.Min, clamp.Max, kernel, bias, b.l.in, b.l.out, b.net.pool)
		return xnnpackSkip(err)
	}
	if in.Type != tflite.TypeUint8 && in.Type != tflite.TypeInt8 {
		return skipf("type %s", in.Type)
	}
	channelDim := 0
	if depthwise {
		channelDim = 3
	}
	q, r, err := b.quantization(in, filter, out, act, outC, channelDim, in.Type == tflite.TypeUint8)
	if err != nil {
		return err
	}
	bias, _, err := b.bias(outC, tflite.TypeInt32)
	if err != nil {
		return err
	}
	if err := b.buffers(inIdx, outIdx, is.Size(), os.Size(), in.Type); err != nil {
		return err
	}
	if in.Type == tflite.TypeUint8 {
		kernel := filterData
		b.l.Kind = "qu8"
		b.l.reference = convReference(depthwise, &geo, r, is, fs, kernel, bias, os)
		b.l.op, err = newConvQU8(&cg, q, kernel, bias, b.l.in, b.l.out, b.net.pool)
		return xnnpackSkip(err)
	}
	kernel := viewAs[int8](filterData)
	b.l.reference = convReference(depthwise, &geo, r, is, fs, kernel, bias, os)
	if len(q.kernelScales) > 1 {
		b.l.Kind = "qc8"
		b.l.op, err = newConvQC8(&cg, q, kernel, bias, b.l.in, b.l.out, b.net.pool)
	} else {
		b.l.Kind = "qs8"
		b.l.op, err = newConvQS8(&cg, q, kernel, bias, b.l.in, b.l.out, b.net.pool)
	}
	return xnnpackSkip(err)
}

// convReference returns percept's portable quantized kernel for a layer.
func convReference[T int8 | uint8](depthwise bool, geo *kernels.ConvParams, r *kernels.Requant, is, fs kernels.Shape4, kernel []T, bias []int32, os kernels.Shape4) func(in, out []byte) {
	return func(inBytes, outBytes []byte) {
		src, dst := viewAs[T](inBytes), viewAs[T](outBytes)
		if depthwise {
			kernels.DepthwiseConvQ(geo, r, is, src, fs, kernel, bias, os, dst, 0, os.N*os.H)
		} else {
			kernels.ConvQ(geo, r, is, src, fs, kernel, bias, os, dst, 0, os.N*os.H)
		}
	}
}

// padAround returns the output extent of a window over in and the padding
// before and after it: none for VALID, and for SAME TFLite's total
// max((out−1)·stride + (filter−1)·dilation + 1 − in, 0) with the smaller
// half before.
func padAround(in, filter, stride, dilation int, same bool) (out, before, after int) {
	out, before = kernels.OutputSize(in, filter, stride, dilation, same)
	if !same {
		return out, 0, 0
	}
	total := max((out-1)*stride+(filter-1)*dilation+1-in, 0)
	return out, before, total - before
}

// fullyConnected builds a FULLY_CONNECTED layer.
func (b *layerBuilder) fullyConnected() error {
	o, ok := b.op.Options.(*tflite.FullyConnectedOptions)
	if !ok {
		return errors.New("missing FullyConnectedOptions")
	}
	if o.WeightsFormat != tflite.FullyConnectedWeightsDefault {
		return skipf("weights format %s", o.WeightsFormat)
	}
	in, inIdx, err := b.tensor(0, false)
	if err != nil {
		return err
	}
	filter, _, err := b.tensor(1, false)
	if err != nil {
		return err
	}
	out, outIdx, err := b.tensor(0, true)
	if err != nil {
		return err
	}
	if len(filter.Shape) != 2 {
		return fmt.Errorf("filter %q has shape %v, want rank 2", filter.Name, filter.Shape)
	}
	inElems, err := elementCount(in)
	if err != nil {
		return err
	}
	outElems, err := elementCount(out)
	if err != nil {
		return err
	}
	g := fcGeometry{inDepth: int(filter.Shape[1]), outDepth: int(filter.Shape[0])}
	if g.inDepth == 0 || g.outDepth == 0 || inElems%g.inDepth != 0 {
		return fmt.Errorf("input %v does not divide into rows of filter %v", in.Shape, filter.Shape)
	}
	g.batch = inElems / g.inDepth
	if outElems != g.batch*g.outDepth {
		return fmt.Errorf("output %q has shape %v, want %d×%d elements", out.Name, out.Shape, g.batch, g.outDepth)
	}
	if in.Type != filter.Type || in.Type != out.Type {
		return skipf("input %s, filter %s, output %s", in.Type, filter.Type, out.Type)
	}
	b.l.OutputShape = make([]int, len(out.Shape))
	for k, d := range out.Shape {
		b.l.OutputShape[k] = int(d)
	}
	b.l.MACs = int64(g.batch) * int64(g.inDepth) * int64(g.outDepth)
	filterData, err := b.constant(filter, g.inDepth*g.outDepth, in.Type)
	if err != nil {
		return err
	}
	if in.Type == tflite.TypeFloat32 {
		clamp, err := b.floatClamp(o.FusedActivationFunction)
		if err != nil {
			return err
		}
		_, bias, err := b.bias(g.outDepth, tflite.TypeFloat32)
		if err != nil {
			return err
		}
		kernel := decodeFloats(filterData)
		if err := b.buffers(inIdx, outIdx, inElems, outElems, in.Type); err != nil {
			return err
		}
		b.l.Kind = "f32"
		b.l.reference = func(inBytes, outBytes []byte) {
			kernels.FullyConnectedF32(clamp, g.batch, g.inDepth, g.outDepth, viewAs[float32](inBytes), kernel, bias, viewAs[float32](outBytes), 0, g.outDepth, nil)
		}
		b.l.op, err = newFullyConnectedF32(&g, clamp.Min, clamp.Max, kernel, bias, b.l.in, b.l.out, b.net.pool)
		return xnnpackSkip(err)
	}
	if in.Type != tflite.TypeUint8 && in.Type != tflite.TypeInt8 {
		return skipf("type %s", in.Type)
	}
	q, r, err := b.quantization(in, filter, out, o.FusedActivationFunction, g.outDepth, 0, true)
	if err != nil {
		return err
	}
	if len(q.kernelScales) > 1 {
		return skipf("per-channel fully connected weights (XNNPACK 2022 has no qc8 fully connected operator)")
	}
	bias, _, err := b.bias(g.outDepth, tflite.TypeInt32)
	if err != nil {
		return err
	}
	if err := b.buffers(inIdx, outIdx, inElems, outElems, in.Type); err != nil {
		return err
	}
	if in.Type == tflite.TypeUint8 {
		b.l.Kind = "qu8"
		b.l.reference = fullyConnectedReference(r, &g, filterData, bias)
		b.l.op, err = newFullyConnectedQU8(&g, q, filterData, bias, b.l.in, b.l.out, b.net.pool)
		return xnnpackSkip(err)
	}
	kernel := viewAs[int8](filterData)
	b.l.Kind = "qs8"
	b.l.reference = fullyConnectedReference(r, &g, kernel, bias)
	b.l.op, err = newFullyConnectedQS8(&g, q, kernel, bias, b.l.in, b.l.out, b.net.pool)
	return xnnpackSkip(err)
}

// fullyConnectedReference returns percept's portable quantized kernel for a
// fully connected layer.
func fullyConnectedReference[T int8 | uint8](r *kernels.Requant, g *fcGeometry, kernel []T, bias []int32) func(in, out []byte) {
	return func(inBytes, outBytes []byte) {
		kernels.FullyConnectedQ(r, g.batch, g.inDepth, g.outDepth, viewAs[T](inBytes), kernel, bias, viewAs[T](outBytes), 0, g.outDepth)
	}
}

// xnnpackSkip turns XNNPACK's refusal to create an operator into a skip.
func xnnpackSkip(err error) error {
	if err != nil {
		return skipf("XNNPACK refuses the layer: %v", err)
	}
	return nil
}

// viewAs reinterprets bytes as elements of type T; b must be aligned for T.
func viewAs[T any](b []byte) []T {
	var zero T
	n := len(b) / int(unsafe.Sizeof(zero))
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), n)
}
