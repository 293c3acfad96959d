//go:build xnnpack

package xnnpack

import (
	"errors"
	"fmt"
	"slices"
	"time"
	"unsafe"

	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/nn"
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
	// it is percept's interpreter of the model, which prepared every layer
	// the network rebuilds and holds their constant tensors.
	it      *nn.Interpreter
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
// on threads threads (1 runs on the calling thread), by XNNPACK limited to
// isa (XNNPACK chooses its kernels once per process: every network of a
// process must ask for the same isa). It takes each layer's
// geometry, padding and requantization from percept's interpreter of m
// (nn.Interpreter.ConvLayers), so that both engines compute the layer
// percept prepared; a model percept cannot run is an error. Layers that
// XNNPACK or this package cannot express are listed by Skipped.
func NewNetwork(m *tflite.Model, threads int, isa ISA) (*Network, error) {
	if err := initialize(isa); err != nil {
		return nil, err
	}
	it, err := nn.New(m, &nn.Options{Kernels: kernels.Generic, Threads: 1})
	if err != nil {
		return nil, fmt.Errorf("xnnpack: %w", err)
	}
	pool, err := newThreadPool(threads)
	if err != nil {
		it.Close()
		return nil, err
	}
	n := &Network{it: it, buffers: map[int32]*cBuffer{}, pool: pool}
	for _, c := range it.ConvLayers() {
		b := &layerBuilder{c: &c, net: n, l: &layer{Layer: Layer{
			Index: c.Index, Op: c.Op.String(), OutputShape: slices.Clone(c.Output.Shape), MACs: c.MACs,
		}}}
		err := b.build()
		var skip *skipError
		switch {
		case errors.As(err, &skip):
			n.skipped = append(n.skipped, Skip{Index: c.Index, Op: c.Op.String(), Reason: skip.reason})
		case err != nil:
			n.Close()
			return nil, fmt.Errorf("xnnpack: operator %d (%s): %w", c.Index, c.Op, err)
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

// RunEach runs every layer once in model order and calls after with the
// layer's operator index right after each, on the calling goroutine
// (tools/insncount/layers marks the instructions of each layer this way).
func (n *Network) RunEach(after func(index int)) error {
	for _, l := range n.layers {
		if err := l.op.run(n.pool); err != nil {
			return fmt.Errorf("xnnpack: operator %d: %w", l.Index, err)
		}
		after(l.Index)
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
	n.it.Close()
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

// layerBuilder rebuilds one layer that percept prepared.
type layerBuilder struct {
	c   *nn.ConvLayer
	net *Network
	l   *layer
}

// build makes the layer's buffers, reference kernel and XNNPACK operator.
func (b *layerBuilder) build() error {
	c := b.c
	in, filter, out := c.Input, c.Filter, c.Output
	if in.Type != filter.Type || in.Type != out.Type {
		return skipf("input %s, filter %s, output %s", in.Type, filter.Type, out.Type)
	}
	if len(filter.Bytes()) == 0 {
		return skipf("filter %q is kept as float16", filter.Name)
	}
	if in.Type == tflite.TypeFloat32 {
		b.l.Kind = "f32"
		b.l.clampLo, b.l.clampHi = float64(c.Min), float64(c.Max)
	} else {
		b.l.Kind = "qu8"
		if in.Type == tflite.TypeInt8 {
			b.l.Kind = "qs8"
			if len(filter.Quantization.Scale) > 1 {
				b.l.Kind = "qc8"
			}
		}
		b.l.clampLo, b.l.clampHi = float64(c.Requant.ActMin), float64(c.Requant.ActMax)
	}
	if c.Op == tflite.OpFullyConnected && b.l.Kind == "qc8" {
		return skipf("per-channel fully connected weights (XNNPACK 2022 has no qc8 fully connected operator)")
	}
	if err := b.buffers(int32(in.Index), int32(out.Index), in.NumElements(), out.NumElements(), in.Type); err != nil {
		return err
	}
	if c.Op == tflite.OpFullyConnected {
		return xnnpackSkip(b.fullyConnected())
	}
	return xnnpackSkip(b.convolution(c.Op == tflite.OpDepthwiseConv2D))
}

// quantParams are XNNPACK's parameters of a quantized layer: the scales,
// and the zero points and clamp that percept's requantization holds.
func (b *layerBuilder) quantParams() *quantParams {
	c, r := b.c, b.c.Requant
	return &quantParams{
		inZero: -r.InputOffset, kernelZero: -r.FilterOffset, outZero: r.OutputOffset,
		inScale: c.Input.Scale(), outScale: c.Output.Scale(), kernelScales: c.Filter.Quantization.Scale,
		outMin: r.ActMin, outMax: r.ActMax,
	}
}

// convolution builds a CONV_2D or DEPTHWISE_CONV_2D layer.
func (b *layerBuilder) convolution(depthwise bool) error {
	c, g := b.c, b.c.Geometry
	is, fs, os := shape4(c.Input.Shape), shape4(c.Filter.Shape), shape4(c.Output.Shape)
	geo := kernels.ConvGeometry{
		StrideH: g.StrideH, StrideW: g.StrideW, DilationH: g.DilationH, DilationW: g.DilationW,
		PadTop: g.PadTop, PadLeft: g.PadLeft, DepthMultiplier: g.DepthMultiplier,
	}
	cg := convGeometry{
		padTop: g.PadTop, padRight: g.PadRight, padBottom: g.PadBottom, padLeft: g.PadLeft,
		kernelH: fs.H, kernelW: fs.W, strideH: g.StrideH, strideW: g.StrideW,
		dilationH: g.DilationH, dilationW: g.DilationW,
		groups: 1, groupIn: is.C, groupOut: os.C,
		batch: is.N, inH: is.H, inW: is.W, depthwise: depthwise,
	}
	if depthwise {
		cg.groups, cg.groupIn, cg.groupOut = is.C, 1, g.DepthMultiplier
	}
	var err error
	switch c.Input.Type {
	case tflite.TypeFloat32:
		clamp := kernels.FloatRange{Min: c.Min, Max: c.Max}
		kernel, bias := c.Filter.Float32s(), floatBias(c.Bias)
		b.l.reference = func(inBytes, outBytes []byte) {
			src, dst := viewAs[float32](inBytes), viewAs[float32](outBytes)
			if depthwise {
				kernels.DepthwiseConvF32(&geo, clamp, is, src, fs, kernel, bias, os, dst, 0, os.N*os.H, nil)
			} else {
				kernels.ConvF32(&geo, clamp, is, src, fs, kernel, bias, os, dst, 0, os.N*os.H, nil)
			}
		}
		b.l.op, err = newConvF32(&cg, clamp.Min, clamp.Max, kernel, bias, b.l.in, b.l.out, b.net.pool)
	case tflite.TypeUint8:
		r, kernel, bias := (*kernels.Requant)(c.Requant), c.Filter.Uint8s(), intBias(c.Bias)
		b.l.reference = convReference(depthwise, &geo, r, is, fs, kernel, bias, os)
		b.l.op, err = newConvQU8(&cg, b.quantParams(), kernel, bias, b.l.in, b.l.out, b.net.pool)
	default:
		r, kernel, bias := (*kernels.Requant)(c.Requant), c.Filter.Int8s(), intBias(c.Bias)
		b.l.reference = convReference(depthwise, &geo, r, is, fs, kernel, bias, os)
		if b.l.Kind == "qc8" {
			b.l.op, err = newConvQC8(&cg, b.quantParams(), kernel, bias, b.l.in, b.l.out, b.net.pool)
		} else {
			b.l.op, err = newConvQS8(&cg, b.quantParams(), kernel, bias, b.l.in, b.l.out, b.net.pool)
		}
	}
	return err
}

// convReference returns percept's portable quantized kernel for a layer.
func convReference[T int8 | uint8](depthwise bool, geo *kernels.ConvGeometry, r *kernels.Requant, is, fs kernels.Shape4, kernel []T, bias []int32, os kernels.Shape4) func(in, out []byte) {
	return func(inBytes, outBytes []byte) {
		src, dst := viewAs[T](inBytes), viewAs[T](outBytes)
		if depthwise {
			kernels.DepthwiseConvQ(geo, r, is, src, fs, kernel, bias, os, dst, 0, os.N*os.H)
		} else {
			kernels.ConvQ(geo, r, is, src, fs, kernel, bias, os, dst, 0, os.N*os.H)
		}
	}
}

// fullyConnected builds a FULLY_CONNECTED layer.
func (b *layerBuilder) fullyConnected() error {
	c := b.c
	g := fcGeometry{inDepth: c.Filter.Shape[1], outDepth: c.Filter.Shape[0]}
	g.batch = c.Input.NumElements() / g.inDepth
	var err error
	switch c.Input.Type {
	case tflite.TypeFloat32:
		clamp := kernels.FloatRange{Min: c.Min, Max: c.Max}
		kernel, bias := c.Filter.Float32s(), floatBias(c.Bias)
		b.l.reference = func(inBytes, outBytes []byte) {
			kernels.FullyConnectedF32(clamp, g.batch, g.inDepth, g.outDepth, viewAs[float32](inBytes), kernel, bias, viewAs[float32](outBytes), 0, g.outDepth, nil)
		}
		b.l.op, err = newFullyConnectedF32(&g, clamp.Min, clamp.Max, kernel, bias, b.l.in, b.l.out, b.net.pool)
		return err
	}
	r, bias := (*kernels.Requant)(c.Requant), intBias(c.Bias)
	if c.Input.Type == tflite.TypeUint8 {
		kernel := c.Filter.Uint8s()
		b.l.reference = fullyConnectedReference(r, &g, kernel, bias)
		b.l.op, err = newFullyConnectedQU8(&g, b.quantParams(), kernel, bias, b.l.in, b.l.out, b.net.pool)
		return err
	}
	kernel := c.Filter.Int8s()
	b.l.reference = fullyConnectedReference(r, &g, kernel, bias)
	b.l.op, err = newFullyConnectedQS8(&g, b.quantParams(), kernel, bias, b.l.in, b.l.out, b.net.pool)
	return err
}

// fullyConnectedReference returns percept's portable quantized kernel for a
// fully connected layer.
func fullyConnectedReference[T int8 | uint8](r *kernels.Requant, g *fcGeometry, kernel []T, bias []int32) func(in, out []byte) {
	return func(inBytes, outBytes []byte) {
		kernels.FullyConnectedQ(r, g.batch, g.inDepth, g.outDepth, viewAs[T](inBytes), kernel, bias, viewAs[T](outBytes), 0, g.outDepth)
	}
}

// floatBias is the data of an optional float bias, nil when absent.
func floatBias(t *nn.Tensor) []float32 {
	if t == nil {
		return nil
	}
	return t.Float32s()
}

// intBias is the data of an optional quantized bias, nil when absent.
func intBias(t *nn.Tensor) []int32 {
	if t == nil {
		return nil
	}
	return t.Int32s()
}

// shape4 reads a rank-4 NHWC shape, which percept checked.
func shape4(s []int) kernels.Shape4 {
	return kernels.Shape4{N: s[0], H: s[1], W: s[2], C: s[3]}
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
