package optimize

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/percept-robotics/percept/tflite"
)

// DynamicRangeMinElements is the smallest weight tensor DynamicRange
// quantizes, TFLite's default (kWeightsMinNumElementsDefault and the MLIR
// quantizer's minimum_elements_for_weights): smaller weights stay float32.
const DynamicRangeMinElements = 1024

// The operator versions TFLite's converter writes for hybrid operators
// (quantize_weights.cc UpdateInt8OperatorVersions with the updated hybrid
// scheme, its default), and the runtime versions runtime_version.cc gives
// them.
const (
	hybridConvVersion           = 5 // runtime 2.4.0
	hybridDepthwiseVersion      = 6 // runtime 2.3.0
	hybridFullyConnectedVersion = 9 // runtime 2.3.0
)

// hybridOp says how a hybrid operator reads its int8 weights (input 1):
// per channel along axis, or per tensor when axis is -1, and at which
// operator version and runtime version.
type hybridOp struct {
	axis    int
	rank    int
	version int32
	runtime string
}

var hybridOps = map[tflite.BuiltinOperator]hybridOp{
	tflite.OpConv2D:          {axis: 0, rank: 4, version: hybridConvVersion, runtime: "2.4.0"},
	tflite.OpDepthwiseConv2D: {axis: 3, rank: 4, version: hybridDepthwiseVersion, runtime: "2.3.0"},
	tflite.OpFullyConnected:  {axis: -1, rank: 2, version: hybridFullyConnectedVersion, runtime: "2.3.0"},
}

// dequantizeRuntime is the runtime version runtime_version.cc gives
// DEQUANTIZE at DequantizeVersion.
const dequantizeRuntime = "1.14.0"

// DynamicRange returns m with its large float32 weights in int8, the
// layout of TFLite's dynamic-range ("hybrid") post-training quantization
// (optimizations = [tf.lite.Optimize.DEFAULT] without a representative
// dataset), whose operators quantize their float input on the fly:
//
//   - the constant FLOAT32 weights (input 1) of CONV_2D, DEPTHWISE_CONV_2D
//     and FULLY_CONNECTED with at least DynamicRangeMinElements elements
//     become INT8 in place (same index, name and shape), symmetric in
//     [-127, 127] with zero point 0: per output channel along dimension 0
//     for CONV_2D, along dimension 3 for DEPTHWISE_CONV_2D, per tensor for
//     FULLY_CONNECTED, whose options then ask for asymmetric input
//     quantization (asymmetric_quantize_inputs), each scale max|w|/127
//     and each value round(w·127/max|w|), half away from zero; a channel
//     or tensor of zeros gets scale 1 (TFLite's legacy per-channel
//     quantizer writes 0, which XNNPACK rejects);
//   - those operators read the int8 weights directly; any other reader of
//     a quantized tensor (another operator, another input position, or an
//     operator wanting another per-channel axis), and a quantized tensor
//     that is a subgraph output, reads a new FLOAT32 tensor
//     "<name>_dequantize" written by one DEQUANTIZE operator placed before
//     the first such reader (at the end of the subgraph when only the
//     output needs it);
//   - the operator codes of hybrid operators are raised to the versions
//     TFLite's converter writes (CONV_2D 5, DEPTHWISE_CONV_2D 6,
//     FULLY_CONNECTED 9; DEQUANTIZE to DequantizeVersion when added), and
//     a "min_runtime_version" metadata entry is raised to what they need;
//   - biases, smaller weights, activations, inputs and outputs stay
//     float32. Weights that are not constant, not dense float32 or read
//     through a float16 DEQUANTIZE are listed as skipped with the reason,
//     and so are those below the size threshold.
//
// The converter raises the versions of every CONV_2D, DEPTHWISE_CONV_2D and
// FULLY_CONNECTED code whether or not one of its operators became hybrid;
// DynamicRange raises only the codes some hybrid operator uses, so a model
// with nothing to quantize comes back with its versions unchanged.
func DynamicRange(m *tflite.Model) (*tflite.Model, *Report, error) {
	e, err := newEditor(m)
	if err != nil {
		return nil, nil, err
	}
	rep := &Report{}
	dq := -1
	hybridCodes := map[uint32]bool{}
	for s := range e.m.Subgraphs {
		sg := &e.m.Subgraphs[s]
		axis, order := e.dynamicCandidates(s, rep)
		if len(order) == 0 {
			continue
		}
		for _, c := range order {
			t := &sg.Tensors[c]
			q, scales, values := quantizeSymmetric(floats(e.data(t)), t.Shape, axis[c])
			t.Type = tflite.TypeInt8
			qd := int32(0)
			if axis[c] >= 0 {
				qd = int32(axis[c])
			}
			t.Quantization = &tflite.Quantization{Scale: scales, ZeroPoint: make([]int64, len(scales)), QuantizedDimension: qd}
			e.setData(t, q)
			rep.Tensors = append(rep.Tensors, e.change(s, c, values))
		}
		// Which readers take the int8 tensor, which need it dequantized.
		first := map[int32]int{} // quantized tensor → first reader needing floats
		needs := func(c int32, oi int) {
			if f, ok := first[c]; !ok || oi < f {
				first[c] = oi
			}
		}
		for oi := range sg.Operators {
			op := &sg.Operators[oi]
			code := e.builtin(op)
			h, isHybrid := hybridOps[code]
			for k, in := range op.Inputs {
				if _, ok := axis[in]; !ok {
					continue
				}
				if isHybrid && k == 1 && axis[in] == h.axis {
					hybridCodes[op.OpcodeIndex] = true
					if code == tflite.OpFullyConnected {
						setAsymmetricInputs(op)
					}
					continue
				}
				needs(in, oi)
			}
		}
		for _, c := range order {
			if isOutput(sg, c) {
				if _, ok := first[c]; !ok {
					first[c] = len(sg.Operators)
				}
			}
		}
		if len(first) == 0 {
			continue
		}
		if dq < 0 {
			dq = e.dequantizeCode()
		}
		deq := map[int32]int32{} // quantized tensor → its _dequantize tensor
		for _, c := range order {
			if _, ok := first[c]; !ok {
				continue
			}
			t := &sg.Tensors[c]
			sg.Tensors = append(sg.Tensors, tflite.Tensor{
				Name:           t.Name + "_dequantize",
				Type:           tflite.TypeFloat32,
				Shape:          slices.Clone(t.Shape),
				ShapeSignature: slices.Clone(t.ShapeSignature),
				HasRank:        t.HasRank,
			})
			deq[c] = int32(len(sg.Tensors) - 1)
		}
		ops := make([]tflite.Operator, 0, len(sg.Operators)+len(deq))
		insert := func(oi int) {
			for _, c := range order {
				if f, ok := first[c]; ok && f == oi {
					ops = append(ops, tflite.Operator{OpcodeIndex: uint32(dq), Inputs: []int32{c}, Outputs: []int32{deq[c]}})
					rep.OpsAdded++
				}
			}
		}
		for oi, op := range sg.Operators {
			insert(oi)
			h, isHybrid := hybridOps[e.builtin(&op)]
			for k, in := range op.Inputs {
				d, ok := deq[in]
				if ok && !(isHybrid && k == 1 && axis[in] == h.axis) {
					op.Inputs[k] = d
				}
			}
			ops = append(ops, op)
		}
		insert(len(sg.Operators))
		sg.Operators = ops
		for k, o := range sg.Outputs {
			if d, ok := deq[o]; ok {
				sg.Outputs[k] = d
			}
		}
	}
	runtime := ""
	if dq >= 0 {
		runtime = dequantizeRuntime
	}
	for ci := range hybridCodes {
		c := &e.m.OperatorCodes[ci]
		h := hybridOps[c.Builtin]
		c.Version = max(c.Version, h.version)
		if versionLess(runtime, h.runtime) {
			runtime = h.runtime
		}
	}
	if err := e.raiseMinRuntime(runtime); err != nil {
		return nil, nil, err
	}
	return e.finish(), rep, nil
}

// dynamicCandidates returns the weight tensors of subgraph s that
// DynamicRange quantizes, with the per-channel axis of the first hybrid
// operator reading each (-1 for per tensor), in first-use order, and lists
// the weights it leaves float in rep.Skipped.
func (e *editor) dynamicCandidates(s int, rep *Report) (map[int32]int, []int32) {
	sg := &e.m.Subgraphs[s]
	axis := map[int32]int{}
	var order []int32
	seen := map[int32]bool{}
	producer := producers(sg)
	for oi := range sg.Operators {
		op := &sg.Operators[oi]
		h, ok := hybridOps[e.builtin(op)]
		if !ok || len(op.Inputs) < 2 {
			continue
		}
		i := op.Inputs[1]
		if !validIndex(sg, i) || seen[i] {
			continue
		}
		seen[i] = true
		t := &sg.Tensors[i]
		why := e.floatWeightProblem(sg, producer, i)
		switch n := elements(t.Shape); {
		case why != "":
		case t.IsVariable:
			why = "a variable"
		case len(t.Shape) != h.rank:
			why = fmt.Sprintf("shape %v, not %d-D", t.Shape, h.rank)
		case n < DynamicRangeMinElements:
			why = fmt.Sprintf("%d elements, fewer than %d", n, DynamicRangeMinElements)
		}
		if why != "" {
			rep.Skipped = append(rep.Skipped, Skip{Subgraph: s, Index: int(i), Name: t.Name, Reason: why})
			continue
		}
		axis[i] = h.axis
		order = append(order, i)
	}
	return axis, order
}

// quantizeSymmetric quantizes values of the given shape to int8 in
// [-127, 127] with zero point 0, per slice along axis (per tensor for -1),
// and returns the int8 bytes, the scales and the values the int8 data
// stands for.
func quantizeSymmetric(values []float32, shape []int32, axis int) (q []byte, scales, dequantized []float32) {
	channels, inner := 1, len(values)
	if axis >= 0 {
		channels = int(shape[axis])
		inner = 1
		for _, d := range shape[axis+1:] {
			inner *= int(d)
		}
	}
	channel := func(i int) int { return (i / inner) % channels }
	maxAbs := make([]float32, channels)
	for i, v := range values {
		c := channel(i)
		maxAbs[c] = max(maxAbs[c], float32(math.Abs(float64(v))))
	}
	scales = make([]float32, channels)
	inv := make([]float32, channels)
	for c, r := range maxAbs {
		if r == 0 {
			scales[c] = 1
			continue
		}
		scales[c] = r / 127
		inv[c] = 127 / r
	}
	q = make([]byte, len(values))
	dequantized = make([]float32, len(values))
	for i, v := range values {
		c := channel(i)
		r := math.Round(float64(v * inv[c]))
		r = max(-127, min(127, r))
		q[i] = byte(int8(r))
		dequantized[i] = float32(r) * scales[c]
	}
	return q, scales, dequantized
}

// setAsymmetricInputs sets asymmetric_quantize_inputs in the options of a
// FULLY_CONNECTED operator, on a copy so that the input model keeps its
// own.
func setAsymmetricInputs(op *tflite.Operator) {
	var o tflite.FullyConnectedOptions
	if p, ok := op.Options.(*tflite.FullyConnectedOptions); ok && p != nil {
		o = *p
	}
	o.AsymmetricQuantizeInputs = true
	op.Options = &o
	op.OptionsType = fullyConnectedOptionsType
}

// fullyConnectedOptionsType is the BuiltinOptions union tag of
// FullyConnectedOptions in TFLite's schema.
const fullyConnectedOptionsType = 8

// minRuntimeName is the metadata entry holding the model's minimum runtime
// version, a NUL-padded string in a 16-byte buffer.
const minRuntimeName = "min_runtime_version"

// raiseMinRuntime raises the model's min_runtime_version entry, when it
// has one, to v (nothing for v == ""). The entry's buffer is replaced, not
// written into, so that the input model keeps its bytes.
func (e *editor) raiseMinRuntime(v string) error {
	if v == "" {
		return nil
	}
	for _, md := range e.m.Metadata {
		if md.Name != minRuntimeName {
			continue
		}
		if int64(md.Buffer) >= int64(len(e.m.Buffers)) {
			return fmt.Errorf("optimize: metadata %q: buffer %d out of range (have %d)", md.Name, md.Buffer, len(e.m.Buffers))
		}
		old := string(bytes.TrimRight(e.m.Buffers[md.Buffer].Data, "\x00"))
		if !versionLess(old, v) {
			return nil
		}
		data := make([]byte, max(16, len(v)))
		copy(data, v)
		e.m.Buffers[md.Buffer] = tflite.Buffer{Data: data}
		return nil
	}
	return nil
}

// versionLess reports whether dotted version a is older than b; "" is
// older than anything, and a part that is not a number compares as 0.
func versionLess(a, b string) bool {
	if a == "" || b == "" {
		return a == "" && b != ""
	}
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(pa), len(pb)) {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}
