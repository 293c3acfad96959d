package optimize

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/percept-robotics/percept/tflite"
)

// Int8Options configure Int8.
type Int8Options struct {
	// IO is the type of the model's inputs and outputs: TypeFloat32 (the
	// zero value) keeps them float32 behind a QUANTIZE and a DEQUANTIZE
	// operator, TypeInt8 exposes the int8 tensors, and TypeUint8 adds
	// QUANTIZE operators between uint8 tensors (same scale, zero point
	// +128) and the int8 graph, as TFLite's converter does for
	// inference_input_type and inference_output_type.
	IO tflite.TensorType
}

// int8Role is how Int8 quantizes an operator.
type int8Role int

const (
	roleOwn      int8Role = iota // output takes its own calibrated range
	roleSame                     // output takes its input's parameters
	roleFixed                    // output has parameters fixed by the spec
	roleConcat                   // output its own range, inputs requantized to it
	roleWeighted                 // CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED
)

// int8Ops lists the operators Int8 quantizes, each with its role and the
// version TFLite's converter gives its int8 form (op_version.cc); the
// versions some options raise are in int8Version.
var int8Ops = map[tflite.BuiltinOperator]struct {
	role    int8Role
	version int32
}{
	tflite.OpConv2D:                {roleWeighted, 3},
	tflite.OpDepthwiseConv2D:       {roleWeighted, 3},
	tflite.OpFullyConnected:        {roleWeighted, 4},
	tflite.OpAdd:                   {roleOwn, 2},
	tflite.OpSub:                   {roleOwn, 2},
	tflite.OpMul:                   {roleOwn, 2},
	tflite.OpMean:                  {roleOwn, 2},
	tflite.OpRelu:                  {roleOwn, 2},
	tflite.OpRelu6:                 {roleOwn, 2},
	tflite.OpReluN1To1:             {roleOwn, 1},
	tflite.OpLeakyRelu:             {roleOwn, 1},
	tflite.OpHardSwish:             {roleOwn, 1},
	tflite.OpAveragePool2D:         {roleSame, 2},
	tflite.OpMaxPool2D:             {roleSame, 2},
	tflite.OpReshape:               {roleSame, 1},
	tflite.OpSqueeze:               {roleSame, 1},
	tflite.OpPad:                   {roleSame, 2},
	tflite.OpPadV2:                 {roleSame, 2},
	tflite.OpResizeBilinear:        {roleSame, 2},
	tflite.OpResizeNearestNeighbor: {roleSame, 2},
	tflite.OpConcatenation:         {roleConcat, 2},
	tflite.OpSoftmax:               {roleFixed, 2},
	tflite.OpLogistic:              {roleFixed, 2},
	tflite.OpTanh:                  {roleFixed, 2},
}

// qparams are per-tensor affine parameters: real = scale × (q − zero).
type qparams struct {
	scale float32
	zero  int64
}

// fixedParams are the output parameters the quantization spec prescribes.
func fixedParams(op tflite.BuiltinOperator) qparams {
	if op == tflite.OpTanh {
		return qparams{1.0 / 128, 0}
	}
	return qparams{1.0 / 256, -128} // SOFTMAX, LOGISTIC
}

// int8Params are the asymmetric int8 parameters of the range [lo, hi]
// (TFLite's GetAsymmetricQuantizationParams): the range is widened to hold
// 0, a range narrower than 1e-6 is widened to 1e-6 around its middle (as
// TFLite's MLIR quantizer does) so that the scale is never 0, and the
// zero point is rounded into [-128, 127].
func int8Params(lo, hi float32) qparams {
	l, h := min(float64(lo), 0), max(float64(hi), 0)
	if h-l < 1e-6 {
		mid := (l + h) / 2
		l, h = mid-5e-7, mid+5e-7
	}
	scale := (h - l) / 255
	zero := math.Round(-128 - l/scale)
	return qparams{float32(scale), int64(max(-128, min(127, zero)))}
}

// Int8 returns m fully quantized to int8 as TFLite's post-training
// integer quantization writes it (the quantization spec,
// tensorflow/lite/g3doc/performance/quantization_spec.md), from the
// calibrated ranges of m's tensors (Calibrator):
//
//   - activations are INT8, asymmetric per tensor, from their calibrated
//     range (widened to hold 0); the outputs of AVERAGE_POOL_2D,
//     MAX_POOL_2D, RESHAPE, SQUEEZE, PAD, PADV2 and the resizes take their
//     input's parameters; SOFTMAX and LOGISTIC outputs are (1/256, −128),
//     TANH's (1/128, 0); CONCATENATION keeps its own range and a QUANTIZE
//     operator requantizes each input whose parameters differ;
//   - CONV_2D weights are INT8 symmetric per output channel (dimension 0),
//     DEPTHWISE_CONV_2D weights per channel along dimension 3, in
//     [−127, 127] with zero point 0; FULLY_CONNECTED weights are per tensor,
//     as the spec states: the converter's newer per-channel default loads
//     in LiteRT.js but Arm NN 20.08 aborts on it (an assertion in
//     GetBiasTypeFromWeightsType, tried on hand landmark), and TFLite Micro
//     and NNAPI refuse it too;
//   - biases are INT32 with scale input scale × weight scale per channel
//     and zero point 0; a channel whose weights are all zero gets the
//     largest scale of its tensor (never 0), and a weight scale is widened
//     where the bias would overflow int32;
//   - other float constants an operator reads are INT8 per tensor, with
//     the parameters the operator's output takes for same-scale operators;
//   - inputs and outputs are as opts.IO says; the tensors the caller sees
//     keep their names and the int8 tensors behind them are renamed
//     "<name>_int8"; signature_defs follow;
//   - operator versions are those TFLite's converter writes for the int8
//     operators (CONV_2D 3, DEPTHWISE_CONV_2D 3, FULLY_CONNECTED 4, ...,
//     one operator code per builtin at the largest version), and the
//     "min_runtime_version" metadata names the runtime they need.
//
// m must have one subgraph with float32 weights (widen a float16 model
// first, see Widen), and ranges must come from calibrating m. An operator
// Int8 cannot quantize is an error naming it. CorrectBias may then refine
// the biases, beyond what TFLite's converter does.
func Int8(m *tflite.Model, ranges *Ranges, opts *Int8Options) (*tflite.Model, *Report, error) {
	if opts == nil {
		opts = &Int8Options{}
	}
	switch opts.IO {
	case tflite.TypeFloat32, tflite.TypeInt8, tflite.TypeUint8:
	default:
		return nil, nil, fmt.Errorf("optimize: int8: input/output type %s, want FLOAT32, INT8 or UINT8", opts.IO)
	}
	e, err := newEditor(m)
	if err != nil {
		return nil, nil, err
	}
	if len(e.m.Subgraphs) != 1 {
		return nil, nil, fmt.Errorf("optimize: int8: the model has %d subgraphs; percept quantizes single-graph models", len(e.m.Subgraphs))
	}
	sg := &e.m.Subgraphs[0]
	if ranges == nil || len(ranges.Min) != len(sg.Tensors) || len(ranges.Max) != len(sg.Tensors) || len(ranges.Seen) != len(sg.Tensors) {
		return nil, nil, fmt.Errorf("optimize: int8: the ranges do not come from calibrating this model")
	}
	q := &int8Quantizer{e: e, sg: sg, orig: &m.Subgraphs[0], ranges: ranges, rep: &Report{}, params: map[int32]qparams{}, claimed: map[int32]bool{}}
	if err := q.check(); err != nil {
		return nil, nil, err
	}
	if err := q.assign(); err != nil {
		return nil, nil, err
	}
	if err := q.rewrite(opts.IO); err != nil {
		return nil, nil, err
	}
	q.setVersions()
	e.dropUnusedBuffers()
	return e.m, q.rep, nil
}

// int8Quantizer holds the state of one Int8 transform.
type int8Quantizer struct {
	e  *editor
	sg *tflite.Subgraph
	// orig is the input model's subgraph, unchanged: a constant read by
	// several operators is quantized once per reader from its float data.
	orig   *tflite.Subgraph
	ranges *Ranges
	rep    *Report
	// params are the activations' parameters, by tensor.
	params map[int32]qparams
	// claimed marks constants already quantized for an operator: another
	// operator reading one gets its own copy.
	claimed map[int32]bool
}

// constant reports whether tensor i has data.
func (q *int8Quantizer) constant(i int32) bool {
	return len(q.e.data(&q.sg.Tensors[i])) > 0
}

// check refuses what Int8 cannot quantize, naming every such operator.
func (q *int8Quantizer) check() error {
	var bad []string
	for oi := range q.sg.Operators {
		op := &q.sg.Operators[oi]
		b := q.e.builtin(op)
		name := b.String()
		if b == tflite.OpCustom {
			if int64(op.OpcodeIndex) < int64(len(q.e.m.OperatorCodes)) {
				name = "custom " + q.e.m.OperatorCodes[op.OpcodeIndex].CustomCode
			}
		}
		why := ""
		if b == tflite.OpDequantize && len(op.Inputs) == 1 && validIndex(q.sg, op.Inputs[0]) && q.sg.Tensors[op.Inputs[0]].Type == tflite.TypeFloat16 {
			why = "float16 weights (widen the model to float32 first: optimize.Widen)"
		} else if _, ok := int8Ops[b]; !ok {
			why = "percept cannot quantize this operator to int8"
		} else if len(op.Outputs) == 0 || op.Outputs[0] < 0 || len(op.Inputs) == 0 || (b == tflite.OpMul && len(op.Inputs) < 2) {
			why = "missing inputs or outputs"
		}
		for _, list := range [][]int32{op.Inputs, op.Outputs} {
			for _, t := range list {
				if why != "" || t < 0 {
					continue
				}
				if !validIndex(q.sg, t) {
					why = fmt.Sprintf("tensor %d out of range", t)
				} else if tt := &q.sg.Tensors[t]; !q.constant(t) && tt.Type != tflite.TypeFloat32 && tt.Type != tflite.TypeInt32 {
					why = fmt.Sprintf("tensor %q is %s, not FLOAT32 (Int8 quantizes float models)", tt.Name, tt.Type)
				}
			}
		}
		if why != "" {
			bad = append(bad, fmt.Sprintf("operator %d %s: %s", oi, name, why))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("optimize: int8: %s", strings.Join(bad, "; "))
	}
	for _, i := range slices.Concat(q.sg.Inputs, q.sg.Outputs) {
		if !validIndex(q.sg, i) || q.sg.Tensors[i].Type != tflite.TypeFloat32 || q.constant(i) {
			return fmt.Errorf("optimize: int8: input or output tensor %d is not a FLOAT32 activation", i)
		}
	}
	return nil
}

// activation reports whether tensor i is a float activation (no data).
func (q *int8Quantizer) activation(i int32) bool {
	return i >= 0 && q.sg.Tensors[i].Type == tflite.TypeFloat32 && !q.constant(i)
}

// calibrated returns the parameters of tensor i's calibrated range.
func (q *int8Quantizer) calibrated(i int32) (qparams, error) {
	if !q.ranges.Seen[i] {
		return qparams{}, fmt.Errorf("optimize: int8: tensor %d %q was not observed in calibration", i, q.sg.Tensors[i].Name)
	}
	return int8Params(q.ranges.Min[i], q.ranges.Max[i]), nil
}

// assign gives every activation its parameters, in operator order so that
// same-scale operators see their input's final parameters.
func (q *int8Quantizer) assign() error {
	for _, i := range q.sg.Inputs {
		p, err := q.calibrated(i)
		if err != nil {
			return err
		}
		q.params[i] = p
	}
	for oi := range q.sg.Operators {
		op := &q.sg.Operators[oi]
		b := q.e.builtin(op)
		for _, in := range op.Inputs {
			if in >= 0 && q.activation(in) {
				if _, ok := q.params[in]; !ok {
					return fmt.Errorf("optimize: int8: operator %d %s reads tensor %d %q, which no operator writes", oi, b, in, q.sg.Tensors[in].Name)
				}
			}
		}
		for _, out := range op.Outputs {
			if out < 0 || !q.activation(out) {
				continue
			}
			var p qparams
			switch int8Ops[b].role {
			case roleSame:
				if len(op.Inputs) == 0 || op.Inputs[0] < 0 || !q.activation(op.Inputs[0]) {
					return fmt.Errorf("optimize: int8: operator %d %s: input 0 is not an activation", oi, b)
				}
				p = q.params[op.Inputs[0]]
			case roleFixed:
				p = fixedParams(b)
			default:
				var err error
				if p, err = q.calibrated(out); err != nil {
					return err
				}
			}
			q.params[out] = p
		}
	}
	return nil
}

// rewrite quantizes the constants, inserts the requantizing and edge
// operators and retypes the activations.
func (q *int8Quantizer) rewrite(io tflite.TensorType) error {
	sg := q.sg
	var ops []tflite.Operator
	quantizeCode := -1 // added on first use
	quantize := func() uint32 {
		if quantizeCode < 0 {
			quantizeCode = q.e.code(tflite.OpQuantize)
		}
		return uint32(quantizeCode)
	}
	// The inputs: the caller's tensor keeps the name; the graph reads the
	// int8 tensor behind it.
	remap := map[int32]int32{} // old I/O tensor → the tensor the caller now sees
	for k, in := range sg.Inputs {
		if io == tflite.TypeInt8 {
			continue
		}
		outer := q.edgeTensor(in, io)
		ops = append(ops, tflite.Operator{OpcodeIndex: quantize(), Inputs: []int32{outer}, Outputs: []int32{in}})
		q.rep.OpsAdded++
		sg.Inputs[k], remap[in] = outer, outer
	}
	for oi := range sg.Operators {
		op := sg.Operators[oi]
		b := q.e.builtin(&op)
		role := int8Ops[b].role
		if role == roleWeighted {
			if err := q.weighted(oi, &op, b); err != nil {
				return err
			}
		}
		for k, in := range op.Inputs {
			if in < 0 || (role == roleWeighted && k > 0) {
				continue
			}
			t := &sg.Tensors[in]
			switch {
			case int(in) < len(q.orig.Tensors) && q.floatConstant(in):
				var p *qparams
				if role == roleSame || role == roleConcat {
					pp := q.params[op.Outputs[0]]
					p = &pp
				}
				op.Inputs[k] = q.constantInt8(in, p)
			case role == roleConcat && q.activation(in) && q.params[in] != q.params[op.Outputs[0]]:
				// Requantize the input to the output's parameters.
				rq := q.newTensor(t.Name+"_requantized", t, q.params[op.Outputs[0]])
				ops = append(ops, tflite.Operator{OpcodeIndex: quantize(), Inputs: []int32{in}, Outputs: []int32{rq}})
				q.rep.OpsAdded++
				op.Inputs[k] = rq
			}
		}
		ops = append(ops, op)
	}
	// Retype the activations (new tensors were made INT8 already).
	n := 0
	for i, p := range q.params {
		t := &sg.Tensors[i]
		t.Type = tflite.TypeInt8
		t.Quantization = &tflite.Quantization{Scale: []float32{p.scale}, ZeroPoint: []int64{p.zero}}
		n++
	}
	q.rep.Activations = n
	for k, out := range sg.Outputs {
		if io == tflite.TypeInt8 {
			continue
		}
		if r, ok := remap[out]; ok { // an input that is also an output
			sg.Outputs[k] = r
			continue
		}
		outer := q.edgeTensor(out, io)
		code := uint32(0)
		if io == tflite.TypeFloat32 {
			code = uint32(q.e.code(tflite.OpDequantize))
		} else {
			code = quantize()
		}
		ops = append(ops, tflite.Operator{OpcodeIndex: code, Inputs: []int32{out}, Outputs: []int32{outer}})
		q.rep.OpsAdded++
		sg.Outputs[k], remap[out] = outer, outer
	}
	sg.Operators = ops
	for s := range q.e.m.SignatureDefs {
		sd := &q.e.m.SignatureDefs[s]
		if sd.SubgraphIndex != 0 {
			continue
		}
		sd.Inputs, sd.Outputs = slices.Clone(sd.Inputs), slices.Clone(sd.Outputs)
		for _, list := range [][]tflite.TensorMap{sd.Inputs, sd.Outputs} {
			for j := range list {
				if r, ok := remap[int32(list[j].TensorIndex)]; ok {
					list[j].TensorIndex = uint32(r)
				}
			}
		}
	}
	return nil
}

// edgeTensor appends the tensor the caller sees in place of graph
// input or output i, of type io, under i's name; i is renamed
// "<name>_int8". A uint8 tensor has i's scale and its zero point + 128.
func (q *int8Quantizer) edgeTensor(i int32, io tflite.TensorType) int32 {
	t := &q.sg.Tensors[i]
	outer := tflite.Tensor{Name: t.Name, Type: io, Shape: slices.Clone(t.Shape), ShapeSignature: slices.Clone(t.ShapeSignature), HasRank: t.HasRank}
	if io == tflite.TypeUint8 {
		p := q.params[i]
		outer.Quantization = &tflite.Quantization{Scale: []float32{p.scale}, ZeroPoint: []int64{p.zero + 128}}
	}
	t.Name += "_int8"
	q.sg.Tensors = append(q.sg.Tensors, outer)
	return int32(len(q.sg.Tensors) - 1)
}

// newTensor appends an INT8 activation shaped like like, with parameters p.
func (q *int8Quantizer) newTensor(name string, like *tflite.Tensor, p qparams) int32 {
	q.sg.Tensors = append(q.sg.Tensors, tflite.Tensor{
		Name: name, Type: tflite.TypeInt8, Shape: slices.Clone(like.Shape), ShapeSignature: slices.Clone(like.ShapeSignature), HasRank: like.HasRank,
		Quantization: &tflite.Quantization{Scale: []float32{p.scale}, ZeroPoint: []int64{p.zero}},
	})
	return int32(len(q.sg.Tensors) - 1)
}

// floatConstant reports whether tensor i of the input model is a FLOAT32
// constant.
func (q *int8Quantizer) floatConstant(i int32) bool {
	t := &q.orig.Tensors[i]
	return t.Type == tflite.TypeFloat32 && len(q.e.data(t)) > 0
}

// claim returns constant i for one operator to quantize its way: i itself
// the first time, a copy of the input model's float tensor (sharing its
// data) after.
func (q *int8Quantizer) claim(i int32) int32 {
	if !q.claimed[i] {
		q.claimed[i] = true
		return i
	}
	c := q.orig.Tensors[i]
	c.Name = fmt.Sprintf("%s_%d", c.Name, len(q.sg.Tensors))
	c.Shape, c.ShapeSignature = slices.Clone(c.Shape), slices.Clone(c.ShapeSignature)
	q.sg.Tensors = append(q.sg.Tensors, c)
	return int32(len(q.sg.Tensors) - 1)
}

// constantInt8 quantizes float constant i per tensor with parameters p (nil:
// from its own range) and returns the tensor the operator reads.
func (q *int8Quantizer) constantInt8(i int32, p *qparams) int32 {
	v := floats(q.e.data(&q.orig.Tensors[i]))
	i = q.claim(i)
	t := &q.sg.Tensors[i]
	if p == nil {
		lo, hi := float32(0), float32(0)
		for _, x := range v {
			lo, hi = min(lo, x), max(hi, x)
		}
		pp := int8Params(lo, hi)
		p = &pp
	}
	data := make([]byte, len(v))
	deq := make([]float32, len(v))
	for k, x := range v {
		qv := max(-128, min(127, math.Round(float64(x)/float64(p.scale))+float64(p.zero)))
		data[k] = byte(int8(qv))
		deq[k] = float32(qv-float64(p.zero)) * p.scale
	}
	q.setConstant(t, tflite.TypeInt8, data, &tflite.Quantization{Scale: []float32{p.scale}, ZeroPoint: []int64{p.zero}})
	q.rep.Tensors = append(q.rep.Tensors, q.e.change(0, i, deq))
	return i
}

// setConstant gives constant t new data of type typ in a buffer of its own.
func (q *int8Quantizer) setConstant(t *tflite.Tensor, typ tflite.TensorType, data []byte, quant *tflite.Quantization) {
	q.e.m.Buffers = append(q.e.m.Buffers, tflite.Buffer{Data: data})
	t.Buffer = uint32(len(q.e.m.Buffers) - 1)
	t.Type, t.Quantization = typ, quant
}

// weighted quantizes the weights (input 1) and bias (input 2) of a
// convolution or fully connected operator.
func (q *int8Quantizer) weighted(oi int, op *tflite.Operator, b tflite.BuiltinOperator) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("optimize: int8: operator %d %s: %s", oi, b, fmt.Sprintf(format, args...))
	}
	if len(op.Inputs) < 2 || op.Inputs[0] < 0 || !q.activation(op.Inputs[0]) {
		return fail("input 0 is not a float activation")
	}
	// The input model's tensors: a reader before this one may have
	// quantized a shared constant already.
	wi := op.Inputs[1]
	if wi < 0 || int(wi) >= len(q.orig.Tensors) || !q.floatConstant(wi) || q.orig.Tensors[wi].Sparse {
		return fail("weights are not a dense FLOAT32 constant")
	}
	w := &q.orig.Tensors[wi]
	n := elements(w.Shape)
	if n <= 0 || 4*n != len(q.e.data(w)) || len(w.Shape) < 2 {
		return fail("weights %q: %d bytes for shape %v", w.Name, len(q.e.data(w)), w.Shape)
	}
	dim := 0
	switch b {
	case tflite.OpDepthwiseConv2D:
		dim = len(w.Shape) - 1
	case tflite.OpFullyConnected:
		dim = -1 // per tensor
	}
	channels := 1
	if dim >= 0 {
		channels = int(w.Shape[dim])
	}
	var bias []float32
	bi := int32(-1)
	if len(op.Inputs) > 2 && op.Inputs[2] >= 0 {
		bi = op.Inputs[2]
		if int(bi) >= len(q.orig.Tensors) || !q.floatConstant(bi) {
			return fail("bias is not a FLOAT32 constant")
		}
		bt := &q.orig.Tensors[bi]
		bias = floats(q.e.data(bt))
		outChannels := int(w.Shape[0])
		if b == tflite.OpDepthwiseConv2D {
			outChannels = int(w.Shape[len(w.Shape)-1])
		}
		if len(bias) != outChannels {
			return fail("bias %q has %d values for %d output channels", bt.Name, len(bias), outChannels)
		}
	}
	inScale := q.params[op.Inputs[0]].scale
	values := floats(q.e.data(w))
	// Element k of the weights belongs to channel (k / inner) % channels.
	inner := 1
	if dim >= 0 {
		inner = n / channels / max(1, product(w.Shape[:dim]))
	}
	channelOf := func(k int) int {
		if dim < 0 {
			return 0
		}
		return (k / inner) % channels
	}
	maxAbs := make([]float64, channels)
	for k, x := range values {
		maxAbs[channelOf(k)] = max(maxAbs[channelOf(k)], math.Abs(float64(x)))
	}
	scales := make([]float32, channels)
	largest := float32(0)
	for c, a := range maxAbs {
		scales[c] = float32(a / 127)
		largest = max(largest, scales[c])
	}
	if largest == 0 {
		largest = 1.0 / 127
	}
	for c := range scales {
		if scales[c] == 0 {
			scales[c] = largest
		}
	}
	// Widen a weight scale where the bias would not fit int32 with margin
	// (TFLite's AdjustWeightsForBiasScale).
	const limit = 0.5 * math.MaxInt32
	for o, bv := range bias {
		c := 0
		if dim >= 0 {
			c = o
		}
		if need := float32(math.Abs(float64(bv)) / (float64(inScale) * limit)); need > scales[c] {
			scales[c] = need
		}
	}
	wq := make([]byte, n)
	deq := make([]float32, n)
	for k, x := range values {
		s := scales[channelOf(k)]
		v := max(-127, min(127, math.Round(float64(x)/float64(s))))
		wq[k] = byte(int8(v))
		deq[k] = float32(v) * s
	}
	wi = q.claim(wi)
	op.Inputs[1] = wi
	wquant := &tflite.Quantization{Scale: scales, ZeroPoint: make([]int64, channels)}
	if dim > 0 {
		wquant.QuantizedDimension = int32(dim)
	}
	q.setConstant(&q.sg.Tensors[wi], tflite.TypeInt8, wq, wquant)
	q.rep.Tensors = append(q.rep.Tensors, q.e.change(0, wi, deq))
	if bi < 0 {
		return nil
	}
	bq := make([]byte, 4*len(bias))
	bscales := make([]float32, channels)
	bdeq := make([]float32, len(bias))
	for c := range bscales {
		bscales[c] = inScale * scales[c]
	}
	for o, bv := range bias {
		s := bscales[0]
		if dim >= 0 {
			s = bscales[o]
		}
		v := max(-math.MaxInt32, min(math.MaxInt32, math.Round(float64(bv)/float64(s))))
		iv := int32(v)
		bq[4*o], bq[4*o+1], bq[4*o+2], bq[4*o+3] = byte(iv), byte(iv>>8), byte(iv>>16), byte(iv>>24)
		bdeq[o] = float32(v) * s
	}
	bi = q.claim(bi)
	op.Inputs[2] = bi
	q.setConstant(&q.sg.Tensors[bi], tflite.TypeInt32, bq, &tflite.Quantization{Scale: bscales, ZeroPoint: make([]int64, channels)})
	q.rep.Tensors = append(q.rep.Tensors, q.e.change(0, bi, bdeq))
	return nil
}

// product multiplies dimensions.
func product(shape []int32) int {
	n := 1
	for _, d := range shape {
		n *= int(d)
	}
	return n
}

// code returns the index of op's operator code, adding one at version 1.
func (e *editor) code(op tflite.BuiltinOperator) int {
	for i, c := range e.m.OperatorCodes {
		if c.Builtin == op {
			return i
		}
	}
	e.m.OperatorCodes = append(e.m.OperatorCodes, tflite.OperatorCode{Builtin: op, Version: 1})
	return len(e.m.OperatorCodes) - 1
}

// int8Version is the version TFLite's converter writes for int8 operator
// op (op_version.cc), never below the version it had.
func (q *int8Quantizer) int8Version(op *tflite.Operator, b tflite.BuiltinOperator) int32 {
	v := int8Ops[b].version
	switch b {
	case tflite.OpQuantize:
		v = 1
	case tflite.OpDequantize:
		v = 2
	case tflite.OpFullyConnected:
		if len(op.Inputs) == 2 {
			v = 6
		} else if o, ok := op.Options.(*tflite.FullyConnectedOptions); ok && o.KeepNumDims {
			v = 5
		}
	case tflite.OpMul:
		in1, in2, out := q.sg.Tensors[op.Inputs[0]].Quantization, q.sg.Tensors[op.Inputs[1]].Quantization, q.sg.Tensors[op.Outputs[0]].Quantization
		if in1 != nil && in2 != nil && out != nil && float64(in1.Scale[0])*float64(in2.Scale[0])/float64(out.Scale[0]) >= 1 {
			v = 3
		}
	case tflite.OpResizeBilinear:
		if o, ok := op.Options.(*tflite.ResizeBilinearOptions); ok && o.HalfPixelCenters {
			v = 3
		}
	case tflite.OpResizeNearestNeighbor:
		if o, ok := op.Options.(*tflite.ResizeNearestNeighborOptions); ok && (o.HalfPixelCenters || o.AlignCorners) {
			v = 3
		}
	case tflite.OpPad, tflite.OpPadV2:
		if len(q.sg.Tensors[op.Inputs[0]].Shape) > 4 {
			v = 4
		}
	}
	return v
}

// runtimeVersions are the TFLite runtimes the int8 operator versions need
// (runtime_version.cc), by operator and version.
var runtimeVersions = map[tflite.BuiltinOperator][]string{
	// index = version
	tflite.OpConv2D:                {"", "1.5.0", "1.14.0", "1.14.0"},
	tflite.OpDepthwiseConv2D:       {"", "1.5.0", "1.12.0", "1.14.0"},
	tflite.OpFullyConnected:        {"", "1.5.0", "1.10.0", "1.14.0", "1.14.0", "2.0.0", "2.1.0"},
	tflite.OpAdd:                   {"", "1.5.0", "1.14.0"},
	tflite.OpSub:                   {"", "1.6.0", "1.14.0"},
	tflite.OpMul:                   {"", "1.5.0", "1.14.0", "1.15.0"},
	tflite.OpMean:                  {"", "1.6.0", "1.14.0"},
	tflite.OpRelu:                  {"", "1.5.0", "2.1.0"},
	tflite.OpRelu6:                 {"", "1.5.0", "1.14.0"},
	tflite.OpReluN1To1:             {"", "1.5.0"},
	tflite.OpLeakyRelu:             {"", "1.13.1"},
	tflite.OpHardSwish:             {"", "1.15.0"},
	tflite.OpAveragePool2D:         {"", "1.5.0", "1.14.0"},
	tflite.OpMaxPool2D:             {"", "1.5.0", "1.14.0"},
	tflite.OpReshape:               {"", "1.5.0"},
	tflite.OpSqueeze:               {"", "1.6.0"},
	tflite.OpPad:                   {"", "1.5.0", "1.14.0", "2.4.0", "2.6.0"},
	tflite.OpPadV2:                 {"", "1.9.0", "1.14.0", "2.4.0", "2.6.0"},
	tflite.OpResizeBilinear:        {"", "1.7.0", "1.14.0", "2.2.0"},
	tflite.OpResizeNearestNeighbor: {"", "1.13.1", "1.14.0", "2.3.0"},
	tflite.OpConcatenation:         {"", "1.5.0", "1.14.0"},
	tflite.OpSoftmax:               {"", "1.5.0", "1.14.0"},
	tflite.OpLogistic:              {"", "1.14.0", "1.14.0"},
	tflite.OpTanh:                  {"", "1.14.0", "1.14.0"},
	tflite.OpQuantize:              {"", "1.14.0"},
	tflite.OpDequantize:            {"", "1.13.1", "1.14.0"},
}

// olderRuntime reports whether runtime version a is older than b.
func olderRuntime(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		var x, y int
		fmt.Sscan(pa[i], &x)
		fmt.Sscan(pb[i], &y)
		if x != y {
			return x < y
		}
	}
	return len(pa) < len(pb)
}

// setVersions gives each operator code the largest int8 version of its
// operators and writes the min_runtime_version metadata.
func (q *int8Quantizer) setVersions() {
	codes := q.e.m.OperatorCodes
	for oi := range q.sg.Operators {
		op := &q.sg.Operators[oi]
		b := q.e.builtin(op)
		c := &codes[op.OpcodeIndex]
		c.Version = max(c.Version, q.int8Version(op, b))
	}
	runtime := ""
	for _, c := range codes {
		if vs := runtimeVersions[c.Builtin]; int(c.Version) < len(vs) && olderRuntime(runtime, vs[c.Version]) {
			runtime = vs[c.Version]
		}
	}
	data := make([]byte, 16)
	copy(data, runtime)
	q.e.m.Buffers = append(q.e.m.Buffers, tflite.Buffer{Data: data})
	nb := uint32(len(q.e.m.Buffers) - 1)
	for i, md := range q.e.m.Metadata {
		if md.Name == "min_runtime_version" {
			q.e.m.Metadata[i].Buffer = nb
			return
		}
	}
	q.e.m.Metadata = append(q.e.m.Metadata, tflite.MetadataEntry{Name: "min_runtime_version", Buffer: nb})
}

// dropUnusedBuffers empties the buffers no tensor or metadata entry refers
// to any more (the float data a transform replaced), keeping their
// indices.
func (e *editor) dropUnusedBuffers() {
	used := make([]bool, len(e.m.Buffers))
	for _, sg := range e.m.Subgraphs {
		for _, t := range sg.Tensors {
			used[t.Buffer] = true
		}
	}
	for _, md := range e.m.Metadata {
		used[md.Buffer] = true
	}
	for _, b := range e.m.MetadataBuffer {
		if b >= 0 && int(b) < len(used) {
			used[b] = true
		}
	}
	for i := range e.m.Buffers {
		if !used[i] && i > 0 {
			e.m.Buffers[i] = tflite.Buffer{}
		}
	}
}
