package tflite

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"unsafe"

	flatbuffers "github.com/google/flatbuffers/go"
)

// Write serializes m as a TFLite model file: a flatbuffer of schema v3
// with the "TFL3" file identifier, followed by the zip archive of
// associated files (label maps and the like) that was appended to the file
// m was parsed from: each member's header and compressed bytes as they
// were, its offsets re-counted from the start of the new file. Parsing the result gives a Model equal
// to m in every exported field.
//
// It writes every constant buffer inline, its data 16-byte aligned within
// the file (so a memory-mapped weight can be read in place); buffers that
// the original file stored after the flatbuffer (models over 2 GB) are
// brought inline, so the whole flatbuffer must stay under 2 GB. Each
// OperatorCode gets deprecated_builtin_code = min(code, 127) beside
// builtin_code, as TFLite's own writer does. Typed options are written
// field by field, RawOptions as they were read; vectors that were present
// but empty in the parsed file stay present.
//
// Write fails, rather than write a file that Parse would reject or that
// would lose data, for: an index (operator code, buffer, tensor, subgraph)
// out of range, a sparse tensor (this package does not keep sparsity
// parameters), an options value whose type does not match its union tag,
// a BuiltinOptions2 table other than a RawOptions, and a model too large
// for a flatbuffer. Output is deterministic: the same Model gives the same
// bytes. It returns an error wrapping ErrClosed after Close.
func Write(m *Model) ([]byte, error) {
	release, err := m.Acquire()
	if err != nil {
		return nil, err
	}
	defer release()
	if err := m.checkWritable(); err != nil {
		return nil, err
	}
	size := m.writeSizeEstimate()
	if size > maxFlatbufferSize {
		return nil, fmt.Errorf("tflite: write: the model needs about %d bytes, more than a flatbuffer holds (2 GB)", size)
	}
	w := &writer{b: flatbuffers.NewBuilder(int(size)), written: map[sliceID]flatbuffers.UOffsetT{},
		zeroPoints: map[int]flatbuffers.UOffsetT{}}
	root, err := w.model(m)
	if err != nil {
		return nil, err
	}
	w.b.FinishWithFileIdentifier(root, []byte(fileIdentifier))
	fb := w.b.FinishedBytes()
	archive, err := rebuiltArchive(m.raw, len(fb))
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(fb)+len(archive))
	return append(append(out, fb...), archive...), nil
}

// WriteTo writes m to out as Write serializes it, returning the number of
// bytes written. It implements io.WriterTo.
func (m *Model) WriteTo(out io.Writer) (int64, error) {
	data, err := Write(m)
	if err != nil {
		return 0, err
	}
	n, err := out.Write(data)
	return int64(n), err
}

// maxFlatbufferSize bounds the flatbuffer Write builds: its offsets are
// 32-bit and the Go builder refuses to grow past 2 GB.
const maxFlatbufferSize = math.MaxInt32 - 1<<20

// writeSizeEstimate returns a generous estimate of the flatbuffer's size:
// the data it holds plus a bound on the tables around it.
func (m *Model) writeSizeEstimate() int64 {
	size := int64(1<<12 + len(m.Description))
	for _, b := range m.Buffers {
		size += int64(len(b.Data)) + 64
	}
	for _, sg := range m.Subgraphs {
		for _, t := range sg.Tensors {
			size += 128 + int64(len(t.Name)+4*len(t.Shape)+4*len(t.ShapeSignature))
			if q := t.Quantization; q != nil {
				size += 64 + int64(4*len(q.Min)+4*len(q.Max)+4*len(q.Scale)+8*len(q.ZeroPoint))
			}
		}
		for _, op := range sg.Operators {
			size += 192 + int64(4*(len(op.Inputs)+len(op.Outputs)+len(op.Intermediates))+len(op.CustomOptions)+len(op.MutatingVariableInputs))
		}
	}
	return size
}

// checkWritable checks every index the model holds (Validate), so that
// Write never produces a file Parse rejects, and that nothing would be
// lost.
func (m *Model) checkWritable() error {
	if err := m.Validate(); err != nil {
		return fmt.Errorf("tflite: write: %w", err)
	}
	for i, sg := range m.Subgraphs {
		for k, t := range sg.Tensors {
			if t.Sparse {
				return fmt.Errorf("tflite: write: subgraph %d: tensor %d %q is sparse: this package does not keep sparsity parameters", i, k, t.Name)
			}
		}
	}
	return nil
}

// writer builds a model flatbuffer. Flatbuffers are built back to front:
// every table's strings, vectors and sub-tables are written before it.
type writer struct {
	b *flatbuffers.Builder
	// written maps byte slices already written to their vectors, so that
	// buffers and custom options sharing bytes in the parsed file (which a
	// crafted file may do many times over) share them in the output too.
	written map[sliceID]flatbuffers.UOffsetT
	// zeroPoints maps a length to the all-zero zero_point vector of that
	// length already written: per-channel weights and biases (one int64
	// per channel, all 0 as the quantization spec requires) share it, which
	// takes 8 bytes a channel off a per-channel int8 model (60 kB of
	// MobileNet v1's 600 kB).
	zeroPoints map[int]flatbuffers.UOffsetT
}

// sliceID identifies a byte slice by its memory.
type sliceID struct {
	data *byte
	n    int
}

// bytes writes a [ubyte] vector of data, aligned to align, once for every
// slice of the same memory.
func (w *writer) bytes(data []byte, align int) flatbuffers.UOffsetT {
	id := sliceID{unsafe.SliceData(data), len(data)}
	if off, ok := w.written[id]; ok && len(data) > 0 {
		return off
	}
	// Align the end of the data, and with it (the final buffer being a
	// multiple of the largest alignment) its start.
	w.b.Prep(align, len(data))
	off := w.b.CreateByteVector(data)
	w.written[id] = off
	return off
}

// Field slots of the schema's tables.
const (
	modelVersion        = 0
	modelOperatorCodes  = 1
	modelSubgraphs      = 2
	modelDescription    = 3
	modelBuffers        = 4
	modelMetadataBuffer = 5
	modelMetadata       = 6
	modelSignatureDefs  = 7
	modelFields         = 8

	subgraphTensors   = 0
	subgraphInputs    = 1
	subgraphOutputs   = 2
	subgraphOperators = 3
	subgraphName      = 4
	subgraphFields    = 5

	tensorShape          = 0
	tensorType           = 1
	tensorBuffer         = 2
	tensorName           = 3
	tensorQuantization   = 4
	tensorIsVariable     = 5
	tensorShapeSignature = 7
	tensorHasRank        = 8
	tensorFields         = 9

	quantMin       = 0
	quantMax       = 1
	quantScale     = 2
	quantZeroPoint = 3
	quantDimension = 6
	quantFields    = 7

	opOpcodeIndex            = 0
	opInputs                 = 1
	opOutputs                = 2
	opOptionsType            = 3
	opOptions                = 4
	opCustomOptions          = 5
	opMutatingVariableInputs = 7
	opIntermediates          = 8
	opOptions2Type           = 11
	opOptions2               = 12
	opFields                 = 13
)

// model writes the Model table and everything it refers to. The buffers
// come first, so that the weights lie at the end of the file.
func (w *writer) model(m *Model) (flatbuffers.UOffsetT, error) {
	b := w.b
	buffers := make([]flatbuffers.UOffsetT, len(m.Buffers))
	for i := len(m.Buffers) - 1; i >= 0; i-- {
		buffers[i] = w.buffer(m.Buffers[i].Data)
	}
	subgraphs := make([]flatbuffers.UOffsetT, len(m.Subgraphs))
	for i := range m.Subgraphs {
		var err error
		if subgraphs[i], err = w.subgraph(&m.Subgraphs[i]); err != nil {
			return 0, fmt.Errorf("tflite: write: subgraph %d: %w", i, err)
		}
	}
	codes := make([]flatbuffers.UOffsetT, len(m.OperatorCodes))
	for i, c := range m.OperatorCodes {
		codes[i] = w.operatorCode(c)
	}
	var metadata, signatures flatbuffers.UOffsetT
	if len(m.Metadata) > 0 {
		entries := make([]flatbuffers.UOffsetT, len(m.Metadata))
		for i, e := range m.Metadata {
			name := b.CreateString(e.Name)
			b.StartObject(2)
			b.PrependUOffsetTSlot(0, name, 0)
			b.PrependUint32Slot(1, e.Buffer, 0)
			entries[i] = b.EndObject()
		}
		metadata = w.tables(entries)
	}
	if m.SignatureDefs != nil {
		defs := make([]flatbuffers.UOffsetT, len(m.SignatureDefs))
		for i, s := range m.SignatureDefs {
			defs[i] = w.signatureDef(s)
		}
		signatures = w.tables(defs)
	}
	metadataBuffer := w.int32s(m.MetadataBuffer)
	description := w.string(m.Description)
	bufferVec, subgraphVec, codeVec := w.tables(buffers), w.tables(subgraphs), w.tables(codes)

	b.StartObject(modelFields)
	b.PrependUint32Slot(modelVersion, m.Version, 0)
	b.PrependUOffsetTSlot(modelOperatorCodes, codeVec, 0)
	b.PrependUOffsetTSlot(modelSubgraphs, subgraphVec, 0)
	b.PrependUOffsetTSlot(modelDescription, description, 0)
	b.PrependUOffsetTSlot(modelBuffers, bufferVec, 0)
	b.PrependUOffsetTSlot(modelMetadataBuffer, metadataBuffer, 0)
	b.PrependUOffsetTSlot(modelMetadata, metadata, 0)
	b.PrependUOffsetTSlot(modelSignatureDefs, signatures, 0)
	return b.EndObject(), nil
}

// buffer writes a Buffer table; data that is not nil becomes its data
// vector, 16-byte aligned as the schema's force_align asks.
func (w *writer) buffer(data []byte) flatbuffers.UOffsetT {
	b := w.b
	var vec flatbuffers.UOffsetT
	if data != nil {
		vec = w.bytes(data, 16)
	}
	b.StartObject(3)
	b.PrependUOffsetTSlot(0, vec, 0)
	return b.EndObject()
}

// operatorCode writes an OperatorCode table, with deprecated_builtin_code
// filled for readers that predate builtin_code.
func (w *writer) operatorCode(c OperatorCode) flatbuffers.UOffsetT {
	b := w.b
	custom := w.string(c.CustomCode)
	b.StartObject(4)
	b.PrependInt8Slot(0, int8(min(c.Builtin, OpPlaceholderForGreaterOpCodes)), 0)
	b.PrependUOffsetTSlot(1, custom, 0)
	b.PrependInt32Slot(2, c.Version, 1)
	b.PrependInt32Slot(3, int32(c.Builtin), 0)
	return b.EndObject()
}

// signatureDef writes a SignatureDef table.
func (w *writer) signatureDef(s SignatureDef) flatbuffers.UOffsetT {
	b := w.b
	maps := func(v []TensorMap) flatbuffers.UOffsetT {
		if v == nil {
			return 0
		}
		tables := make([]flatbuffers.UOffsetT, len(v))
		for i, tm := range v {
			name := b.CreateString(tm.Name)
			b.StartObject(2)
			b.PrependUOffsetTSlot(0, name, 0)
			b.PrependUint32Slot(1, tm.TensorIndex, 0)
			tables[i] = b.EndObject()
		}
		return w.tables(tables)
	}
	inputs, outputs := maps(s.Inputs), maps(s.Outputs)
	key := w.string(s.Key)
	b.StartObject(5)
	b.PrependUOffsetTSlot(0, inputs, 0)
	b.PrependUOffsetTSlot(1, outputs, 0)
	b.PrependUOffsetTSlot(2, key, 0)
	b.PrependUint32Slot(4, s.SubgraphIndex, 0)
	return b.EndObject()
}

// subgraph writes a SubGraph table.
func (w *writer) subgraph(sg *Subgraph) (flatbuffers.UOffsetT, error) {
	b := w.b
	tensors := make([]flatbuffers.UOffsetT, len(sg.Tensors))
	for i := range sg.Tensors {
		tensors[i] = w.tensor(&sg.Tensors[i])
	}
	operators := make([]flatbuffers.UOffsetT, len(sg.Operators))
	for i := range sg.Operators {
		var err error
		if operators[i], err = w.operator(&sg.Operators[i]); err != nil {
			return 0, fmt.Errorf("operator %d: %w", i, err)
		}
	}
	tensorVec, operatorVec := w.tables(tensors), w.tables(operators)
	inputs, outputs := w.int32s(sg.Inputs), w.int32s(sg.Outputs)
	name := w.string(sg.Name)
	b.StartObject(subgraphFields)
	b.PrependUOffsetTSlot(subgraphTensors, tensorVec, 0)
	b.PrependUOffsetTSlot(subgraphInputs, inputs, 0)
	b.PrependUOffsetTSlot(subgraphOutputs, outputs, 0)
	b.PrependUOffsetTSlot(subgraphOperators, operatorVec, 0)
	b.PrependUOffsetTSlot(subgraphName, name, 0)
	return b.EndObject(), nil
}

// tensor writes a Tensor table. Its name is written even when empty, as
// converters do.
func (w *writer) tensor(t *Tensor) flatbuffers.UOffsetT {
	b := w.b
	var quant flatbuffers.UOffsetT
	if q := t.Quantization; q != nil {
		lo, hi, scale := w.float32s(q.Min), w.float32s(q.Max), w.float32s(q.Scale)
		zero := w.zeroPoint(q.ZeroPoint)
		b.StartObject(quantFields)
		b.PrependUOffsetTSlot(quantMin, lo, 0)
		b.PrependUOffsetTSlot(quantMax, hi, 0)
		b.PrependUOffsetTSlot(quantScale, scale, 0)
		b.PrependUOffsetTSlot(quantZeroPoint, zero, 0)
		b.PrependInt32Slot(quantDimension, q.QuantizedDimension, 0)
		quant = b.EndObject()
	}
	shape, signature := w.int32s(t.Shape), w.int32s(t.ShapeSignature)
	name := b.CreateString(t.Name)
	b.StartObject(tensorFields)
	b.PrependUOffsetTSlot(tensorShape, shape, 0)
	b.PrependInt8Slot(tensorType, int8(t.Type), 0)
	b.PrependUint32Slot(tensorBuffer, t.Buffer, 0)
	b.PrependUOffsetTSlot(tensorName, name, 0)
	b.PrependUOffsetTSlot(tensorQuantization, quant, 0)
	b.PrependBoolSlot(tensorIsVariable, t.IsVariable, false)
	b.PrependUOffsetTSlot(tensorShapeSignature, signature, 0)
	b.PrependBoolSlot(tensorHasRank, t.HasRank, false)
	return b.EndObject()
}

// zeroPoint writes a quantization's zero_point vector, once per length when
// it is all zeros. Flatbuffers tables may share a vector; readers, TFLite's
// verifier among them, check each reference on its own.
func (w *writer) zeroPoint(v []int64) flatbuffers.UOffsetT {
	if len(v) == 0 || slices.ContainsFunc(v, func(z int64) bool { return z != 0 }) {
		return w.int64s(v)
	}
	if off, ok := w.zeroPoints[len(v)]; ok {
		return off
	}
	off := w.int64s(v)
	w.zeroPoints[len(v)] = off
	return off
}

// operator writes an Operator table with its options.
func (w *writer) operator(op *Operator) (flatbuffers.UOffsetT, error) {
	b := w.b
	tag, options, err := w.options(op.Options, op.OptionsType)
	if err != nil {
		return 0, err
	}
	var options2 flatbuffers.UOffsetT
	if op.Options2Type != 0 {
		raw, ok := op.Options2.(*RawOptions)
		if !ok {
			return 0, fmt.Errorf("BuiltinOptions2 type %d: options %T not kept (only RawOptions of the types with scalar fields are)", op.Options2Type, op.Options2)
		}
		if options2, err = w.rawOptions(raw); err != nil {
			return 0, err
		}
	} else if op.Options2 != nil {
		return 0, fmt.Errorf("BuiltinOptions2 %T without a union tag", op.Options2)
	}
	inputs, outputs, intermediates := w.int32s(op.Inputs), w.int32s(op.Outputs), w.int32s(op.Intermediates)
	var custom, mutating flatbuffers.UOffsetT
	if op.CustomOptions != nil {
		custom = w.bytes(op.CustomOptions, 4)
	}
	if op.MutatingVariableInputs != nil {
		b.StartVector(1, len(op.MutatingVariableInputs), 1)
		for i := len(op.MutatingVariableInputs) - 1; i >= 0; i-- {
			b.PrependBool(op.MutatingVariableInputs[i])
		}
		mutating = b.EndVector(len(op.MutatingVariableInputs))
	}
	b.StartObject(opFields)
	b.PrependUint32Slot(opOpcodeIndex, op.OpcodeIndex, 0)
	b.PrependUOffsetTSlot(opInputs, inputs, 0)
	b.PrependUOffsetTSlot(opOutputs, outputs, 0)
	b.PrependUint8Slot(opOptionsType, tag, 0)
	b.PrependUOffsetTSlot(opOptions, options, 0)
	b.PrependUOffsetTSlot(opCustomOptions, custom, 0)
	b.PrependUOffsetTSlot(opMutatingVariableInputs, mutating, 0)
	b.PrependUOffsetTSlot(opIntermediates, intermediates, 0)
	b.PrependUint8Slot(opOptions2Type, op.Options2Type, 0)
	b.PrependUOffsetTSlot(opOptions2, options2, 0)
	return b.EndObject(), nil
}

// string writes s, or nothing (offset 0) when it is empty.
func (w *writer) string(s string) flatbuffers.UOffsetT {
	if s == "" {
		return 0
	}
	return w.b.CreateString(s)
}

// tables writes a vector of table offsets.
func (w *writer) tables(v []flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	return w.b.CreateVectorOfTables(v)
}

// int32s writes an [int] vector, or nothing when v is nil.
func (w *writer) int32s(v []int32) flatbuffers.UOffsetT {
	return scalars(w.b, v, 4, w.b.PrependInt32)
}

// int64s writes a [long] vector, or nothing when v is nil.
func (w *writer) int64s(v []int64) flatbuffers.UOffsetT {
	return scalars(w.b, v, 8, w.b.PrependInt64)
}

// float32s writes a [float] vector, or nothing when v is nil.
func (w *writer) float32s(v []float32) flatbuffers.UOffsetT {
	return scalars(w.b, v, 4, w.b.PrependFloat32)
}

// scalars writes a vector of size-byte scalars through prepend, last
// element first as the builder lays vectors out, or nothing when v is nil.
func scalars[T any](b *flatbuffers.Builder, v []T, size int, prepend func(T)) flatbuffers.UOffsetT {
	if v == nil {
		return 0
	}
	b.StartVector(size, len(v), size)
	for i := len(v) - 1; i >= 0; i-- {
		prepend(v[i])
	}
	return b.EndVector(len(v))
}

// rawOptions writes the scalar fields of a RawOptions table, 8 bytes each
// at a multiple of 8, so that reading them back gives the same bytes.
func (w *writer) rawOptions(r *RawOptions) (flatbuffers.UOffsetT, error) {
	b := w.b
	for i, f := range r.Fields {
		if f != nil && len(f) != 8 {
			return 0, fmt.Errorf("raw options field %d holds %d bytes, not 8", i, len(f))
		}
	}
	b.StartObject(len(r.Fields))
	for i, f := range r.Fields {
		if f == nil {
			continue
		}
		b.PrependUint64(binary.LittleEndian.Uint64(f))
		b.Slot(i)
	}
	return b.EndObject(), nil
}

// errOptionsMismatch reports typed options filed under another union tag.
var errOptionsMismatch = errors.New("options type does not match the union tag")

// options writes the BuiltinOptions table of an operator and returns its
// union tag. A typed options value sets the tag when tag is 0; nil options
// under a known tag are written as an empty table (all defaults).
func (w *writer) options(options any, tag uint8) (uint8, flatbuffers.UOffsetT, error) {
	b := w.b
	want, off, err := w.typedOptions(options)
	switch {
	case err != nil:
		return 0, 0, err
	case options == nil && tag == 0:
		return 0, 0, nil
	case options == nil:
		if int(tag) > builtinOptionsCount {
			return 0, 0, fmt.Errorf("BuiltinOptions type %d is not in the schema", tag)
		}
		b.StartObject(0)
		return tag, b.EndObject(), nil
	case want == 0: // RawOptions
		if tag == 0 || int(tag) > builtinOptionsCount || offsetOptions[tag] {
			return 0, 0, fmt.Errorf("raw options under BuiltinOptions type %d, which RawOptions cannot hold", tag)
		}
		return tag, off, nil
	case tag != 0 && tag != want:
		return 0, 0, fmt.Errorf("%T under BuiltinOptions type %d (want %d): %w", options, tag, want, errOptionsMismatch)
	}
	return want, off, nil
}

// typedOptions writes options and returns their union tag; the tag is 0
// for RawOptions and nil options, and an unknown type is an error.
func (w *writer) typedOptions(options any) (uint8, flatbuffers.UOffsetT, error) {
	b := w.b
	switch o := options.(type) {
	case nil:
		return 0, 0, nil
	case *RawOptions:
		off, err := w.rawOptions(o)
		return 0, off, err
	case *Conv2DOptions:
		b.StartObject(7)
		b.PrependInt8Slot(0, int8(o.Padding), 0)
		b.PrependInt32Slot(1, o.StrideW, 0)
		b.PrependInt32Slot(2, o.StrideH, 0)
		b.PrependInt8Slot(3, int8(o.FusedActivationFunction), 0)
		b.PrependInt32Slot(4, o.DilationWFactor, 1)
		b.PrependInt32Slot(5, o.DilationHFactor, 1)
		b.PrependInt8Slot(6, int8(o.QuantizedBiasType), 0)
		return 1, b.EndObject(), nil
	case *DepthwiseConv2DOptions:
		b.StartObject(7)
		b.PrependInt8Slot(0, int8(o.Padding), 0)
		b.PrependInt32Slot(1, o.StrideW, 0)
		b.PrependInt32Slot(2, o.StrideH, 0)
		b.PrependInt32Slot(3, o.DepthMultiplier, 0)
		b.PrependInt8Slot(4, int8(o.FusedActivationFunction), 0)
		b.PrependInt32Slot(5, o.DilationWFactor, 1)
		b.PrependInt32Slot(6, o.DilationHFactor, 1)
		return 2, b.EndObject(), nil
	case *ConcatEmbeddingsOptions:
		columns, dims := w.int32s(o.NumColumnsPerChannel), w.int32s(o.EmbeddingDimPerChannel)
		b.StartObject(3)
		b.PrependInt32Slot(0, o.NumChannels, 0)
		b.PrependUOffsetTSlot(1, columns, 0)
		b.PrependUOffsetTSlot(2, dims, 0)
		return 3, b.EndObject(), nil
	case *Pool2DOptions:
		b.StartObject(6)
		b.PrependInt8Slot(0, int8(o.Padding), 0)
		b.PrependInt32Slot(1, o.StrideW, 0)
		b.PrependInt32Slot(2, o.StrideH, 0)
		b.PrependInt32Slot(3, o.FilterWidth, 0)
		b.PrependInt32Slot(4, o.FilterHeight, 0)
		b.PrependInt8Slot(5, int8(o.FusedActivationFunction), 0)
		return 5, b.EndObject(), nil
	case *FullyConnectedOptions:
		b.StartObject(5)
		b.PrependInt8Slot(0, int8(o.FusedActivationFunction), 0)
		b.PrependInt8Slot(1, int8(o.WeightsFormat), 0)
		b.PrependBoolSlot(2, o.KeepNumDims, false)
		b.PrependBoolSlot(3, o.AsymmetricQuantizeInputs, false)
		b.PrependInt8Slot(4, int8(o.QuantizedBiasType), 0)
		return 8, b.EndObject(), nil
	case *SoftmaxOptions:
		b.StartObject(1)
		b.PrependFloat32Slot(0, o.Beta, 0)
		return 9, b.EndObject(), nil
	case *ConcatenationOptions:
		b.StartObject(2)
		b.PrependInt32Slot(0, o.Axis, 0)
		b.PrependInt8Slot(1, int8(o.FusedActivationFunction), 0)
		return 10, b.EndObject(), nil
	case *AddOptions:
		b.StartObject(2)
		b.PrependInt8Slot(0, int8(o.FusedActivationFunction), 0)
		b.PrependBoolSlot(1, o.PotScaleInt16, true)
		return 11, b.EndObject(), nil
	case *L2NormOptions:
		return 12, w.activationOnly(o.FusedActivationFunction), nil
	case *ResizeBilinearOptions:
		b.StartObject(4)
		b.PrependBoolSlot(2, o.AlignCorners, false)
		b.PrependBoolSlot(3, o.HalfPixelCenters, false)
		return 15, b.EndObject(), nil
	case *ReshapeOptions:
		shape := w.int32s(o.NewShape)
		b.StartObject(1)
		b.PrependUOffsetTSlot(0, shape, 0)
		return 17, b.EndObject(), nil
	case *SpaceToDepthOptions:
		return 19, w.int32Only(o.BlockSize), nil
	case *MulOptions:
		return 21, w.activationOnly(o.FusedActivationFunction), nil
	case *PadOptions:
		return 22, w.empty(), nil
	case *GatherOptions:
		b.StartObject(2)
		b.PrependInt32Slot(0, o.Axis, 0)
		b.PrependInt32Slot(1, o.BatchDims, 0)
		return 23, b.EndObject(), nil
	case *TransposeOptions:
		return 26, w.empty(), nil
	case *ReducerOptions:
		b.StartObject(1)
		b.PrependBoolSlot(0, o.KeepDims, false)
		return 27, b.EndObject(), nil
	case *SubOptions:
		b.StartObject(2)
		b.PrependInt8Slot(0, int8(o.FusedActivationFunction), 0)
		b.PrependBoolSlot(1, o.PotScaleInt16, true)
		return 28, b.EndObject(), nil
	case *DivOptions:
		return 29, w.activationOnly(o.FusedActivationFunction), nil
	case *SqueezeOptions:
		dims := w.int32s(o.SqueezeDims)
		b.StartObject(1)
		b.PrependUOffsetTSlot(0, dims, 0)
		return 30, b.EndObject(), nil
	case *StridedSliceOptions:
		b.StartObject(6)
		b.PrependInt32Slot(0, o.BeginMask, 0)
		b.PrependInt32Slot(1, o.EndMask, 0)
		b.PrependInt32Slot(2, o.EllipsisMask, 0)
		b.PrependInt32Slot(3, o.NewAxisMask, 0)
		b.PrependInt32Slot(4, o.ShrinkAxisMask, 0)
		b.PrependBoolSlot(5, o.Offset, false)
		return 32, b.EndObject(), nil
	case *SplitOptions:
		return 35, w.int32Only(o.NumSplits), nil
	case *CastOptions:
		b.StartObject(2)
		b.PrependInt8Slot(0, int8(o.InDataType), 0)
		b.PrependInt8Slot(1, int8(o.OutDataType), 0)
		return 37, b.EndObject(), nil
	case *DequantizeOptions:
		return 38, w.empty(), nil
	case *MaximumMinimumOptions:
		return 39, w.empty(), nil
	case *ArgMaxOptions:
		return 40, w.int8Only(int8(o.OutputType)), nil
	case *PadV2Options:
		return 43, w.empty(), nil
	case *TransposeConvOptions:
		b.StartObject(5)
		b.PrependInt8Slot(0, int8(o.Padding), 0)
		b.PrependInt32Slot(1, o.StrideW, 0)
		b.PrependInt32Slot(2, o.StrideH, 0)
		b.PrependInt8Slot(3, int8(o.FusedActivationFunction), 0)
		b.PrependInt8Slot(4, int8(o.QuantizedBiasType), 0)
		return 49, b.EndObject(), nil
	case *ShapeOptions:
		return 55, w.int8Only(int8(o.OutType)), nil
	case *ArgMinOptions:
		return 57, w.int8Only(int8(o.OutputType)), nil
	case *PackOptions:
		b.StartObject(2)
		b.PrependInt32Slot(0, o.ValuesCount, 0)
		b.PrependInt32Slot(1, o.Axis, 0)
		return 59, b.EndObject(), nil
	case *UnpackOptions:
		b.StartObject(2)
		b.PrependInt32Slot(0, o.Num, 0)
		b.PrependInt32Slot(1, o.Axis, 0)
		return 64, b.EndObject(), nil
	case *ResizeNearestNeighborOptions:
		b.StartObject(2)
		b.PrependBoolSlot(0, o.AlignCorners, false)
		b.PrependBoolSlot(1, o.HalfPixelCenters, false)
		return 74, b.EndObject(), nil
	case *LeakyReluOptions:
		b.StartObject(1)
		b.PrependFloat32Slot(0, o.Alpha, 0)
		return 75, b.EndObject(), nil
	case *MirrorPadOptions:
		return 77, w.int8Only(int8(o.Mode)), nil
	case *SplitVOptions:
		return 79, w.int32Only(o.NumSplits), nil
	case *QuantizeOptions:
		return 89, w.empty(), nil
	case *HardSwishOptions:
		return 91, w.empty(), nil
	case *DepthToSpaceOptions:
		return 94, w.int32Only(o.BlockSize), nil
	case *BatchMatMulOptions:
		b.StartObject(3)
		b.PrependBoolSlot(0, o.AdjX, false)
		b.PrependBoolSlot(1, o.AdjY, false)
		b.PrependBoolSlot(2, o.AsymmetricQuantizeInputs, false)
		return 101, b.EndObject(), nil
	case *VarHandleOptions:
		container, shared := w.string(o.Container), w.string(o.SharedName)
		b.StartObject(2)
		b.PrependUOffsetTSlot(0, container, 0)
		b.PrependUOffsetTSlot(1, shared, 0)
		return 111, b.EndObject(), nil
	case *BucketizeOptions:
		boundaries := w.float32s(o.Boundaries)
		b.StartObject(1)
		b.PrependUOffsetTSlot(0, boundaries, 0)
		return 115, b.EndObject(), nil
	}
	return 0, 0, fmt.Errorf("options of type %T cannot be written", options)
}

// empty writes a table without fields.
func (w *writer) empty() flatbuffers.UOffsetT {
	w.b.StartObject(0)
	return w.b.EndObject()
}

// activationOnly writes a table whose one field is a fused activation.
func (w *writer) activationOnly(a Activation) flatbuffers.UOffsetT {
	return w.int8Only(int8(a))
}

// int8Only writes a table whose one field, slot 0, is a byte.
func (w *writer) int8Only(v int8) flatbuffers.UOffsetT {
	w.b.StartObject(1)
	w.b.PrependInt8Slot(0, v, 0)
	return w.b.EndObject()
}

// int32Only writes a table whose one field, slot 0, is an int.
func (w *writer) int32Only(v int32) flatbuffers.UOffsetT {
	w.b.StartObject(1)
	w.b.PrependInt32Slot(0, v, 0)
	return w.b.EndObject()
}

// rebuiltArchive returns the zip archive appended to the model file raw,
// re-emitted to start at offset at of the new file: every member's
// compressed bytes and header as they were, its offsets counted from the
// start of the new file, so that every zip reader finds the members
// wherever the flatbuffer before them has moved. It returns nil when raw
// ends in no archive.
func rebuiltArchive(raw []byte, at int) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if errors.Is(err, zip.ErrFormat) {
		return nil, nil
	}
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("tflite: write: the appended zip archive: %w", err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	zw.SetOffset(int64(at))
	for _, f := range zr.File {
		header := f.FileHeader
		w, err := zw.CreateRaw(&header)
		if err != nil {
			return nil, fmt.Errorf("tflite: write: associated file %q: %w", f.Name, err)
		}
		r, err := f.OpenRaw()
		if err != nil {
			return nil, fmt.Errorf("tflite: write: associated file %q: %w", f.Name, err)
		}
		if _, err := io.Copy(w, r); err != nil {
			return nil, fmt.Errorf("tflite: write: associated file %q: %w", f.Name, err)
		}
	}
	if err := zw.SetComment(zr.Comment); err != nil {
		return nil, fmt.Errorf("tflite: write: the appended zip archive: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("tflite: write: the appended zip archive: %w", err)
	}
	return out.Bytes(), nil
}
