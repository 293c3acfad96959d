// Package tflite reads TensorFlow Lite model files (flatbuffers of schema
// v3), their TFLite metadata and the files zipped onto their end.
//
// Its one job is bytes and the schema: it checks every offset, length,
// vtable and index of a file before use, so that a truncated or corrupted
// file yields an error naming what is wrong and never a panic or an
// out-of-bounds read. It knows nothing of kernels or of running graphs.
//
// Weights are never copied: the Data of every Buffer, and the custom
// options of operators, alias the bytes the Model was parsed from (a
// read-only memory map for Open). Those bytes live until the Model is
// closed and every holder (each nn.Interpreter built on it) has released
// them: see Model.Close and Model.Acquire.
package tflite

import (
	"fmt"
	"io"
	"math"
)

// Model is a parsed TFLite model.
//
// Ownership: a Model owns the memory it was parsed from (a memory map for
// Open). Close releases the Model's own hold on it; every nn.Interpreter
// built on the Model holds it too (see Acquire), so the memory is released
// when the last of them is closed. Closing a Model while interpreters built
// on it are still running is safe: they keep working until their own Close.
// A Model is safe for concurrent use; its exported fields are read-only.
type Model struct {
	Version       uint32 // schema version, 3 for current files
	Description   string
	OperatorCodes []OperatorCode
	Subgraphs     []Subgraph // the first is the main graph
	Buffers       []Buffer
	Metadata      []MetadataEntry
	// MetadataBuffer is the schema's deprecated metadata_buffer list of
	// buffer indices, kept as read (nil when absent).
	MetadataBuffer []int32
	// SignatureDefs name the inputs and outputs of the model's exported
	// functions.
	SignatureDefs []SignatureDef

	raw      []byte    // the whole file
	lifetime *lifetime // the holds on raw; shared by copies of the Model
}

// OperatorCode names the operator that Operators with its index run.
type OperatorCode struct {
	// Builtin is the larger of the schema's deprecated_builtin_code and
	// builtin_code, as the schema prescribes for reading both generations
	// of files. It is OpCustom for custom operators.
	Builtin    BuiltinOperator
	CustomCode string // the custom operator's name
	Version    int32  // operator version, default 1
}

// Subgraph is one graph of the model.
type Subgraph struct {
	Name      string
	Tensors   []Tensor
	Inputs    []int32 // tensor indices
	Outputs   []int32 // tensor indices
	Operators []Operator
}

// Tensor describes one tensor of a subgraph.
type Tensor struct {
	Name string
	Type TensorType
	// Shape holds the dimensions, all non-negative.
	Shape []int32
	// ShapeSignature is Shape with -1 for dimensions unknown at conversion
	// time (nil when the file has none).
	ShapeSignature []int32
	// Buffer indexes Model.Buffers; buffer 0 is the empty sentinel of
	// tensors without constant data.
	Buffer uint32
	// Quantization is nil when the file has no quantization parameters for
	// the tensor, or only an empty table.
	Quantization *Quantization
	IsVariable   bool
	// Sparse is true when the tensor carries sparsity parameters, which
	// this package does not decode: its buffer is then not dense.
	Sparse bool
	// HasRank tells a scalar (shape [] and HasRank) from a tensor of
	// unknown rank; converters set it on every tensor of known rank.
	HasRank bool
}

// Quantization holds a tensor's quantization parameters: real value =
// Scale × (quantized value − ZeroPoint), per tensor when Scale has one
// element, else per slice along QuantizedDimension.
type Quantization struct {
	Min, Max  []float32
	Scale     []float32
	ZeroPoint []int64 // empty or as long as Scale
	// QuantizedDimension is the axis of per-channel parameters; it is 0 for
	// 1-D tensors whatever the file says (TFLite Micro files write the
	// weights' channel axis on biases, and TFLite ignores it).
	QuantizedDimension int32
}

// Operator is one node of a subgraph.
type Operator struct {
	OpcodeIndex uint32 // indexes Model.OperatorCodes
	// Inputs, Outputs and Intermediates hold tensor indices; an input of -1
	// is an optional input that is absent.
	Inputs, Outputs, Intermediates []int32
	// Options is one of the typed *XxxOptions of this package, a
	// *RawOptions for the other types of the BuiltinOptions union, or nil
	// when the operator has none or a tag the schema does not list.
	Options any
	// OptionsType is the BuiltinOptions union tag as found in the file (0
	// for none).
	OptionsType uint8
	// Options2Type is the tag of the schema's second union,
	// BuiltinOptions2 (StableHLO operators), 0 for none; Options2 holds
	// its table as a *RawOptions for the types whose fields are all
	// scalars, and is nil for the others, which this package does not
	// decode.
	Options2Type uint8
	Options2     any
	// CustomOptions are the raw options of a custom operator (FlexBuffers
	// for TFLite's own custom operators), aliasing the model's bytes.
	CustomOptions []byte
	// MutatingVariableInputs flags the inputs the operator mutates (nil
	// when the file has no list; older converters write an empty one).
	MutatingVariableInputs []bool
}

// Buffer is a block of constant data.
type Buffer struct {
	// Data is the inline data vector, or the bytes at the buffer's offset
	// and size in the file for buffers stored outside the flatbuffer; it
	// aliases the model's bytes and is empty when the buffer has no data.
	Data []byte
}

// MetadataEntry names a buffer that holds metadata, such as
// "TFLITE_METADATA" or "min_runtime_version".
type MetadataEntry struct {
	Name   string
	Buffer uint32 // indexes Model.Buffers
}

// SignatureDef corresponds to a SignatureDef of a TensorFlow SavedModel:
// the named inputs and outputs of one exported function.
type SignatureDef struct {
	Key           string // signature_key, e.g. "serving_default"
	SubgraphIndex uint32 // indexes Model.Subgraphs
	Inputs        []TensorMap
	Outputs       []TensorMap
}

// TensorMap names a tensor of a signature's subgraph.
type TensorMap struct {
	Name        string
	TensorIndex uint32 // indexes the tensors of the signature's subgraph
}

// Parse parses a TFLite model held in data. It does not copy: the Model's
// buffers alias data, which must not change while the Model is in use.
//
// The file must carry the "TFL3" identifier at offset 4, as TFLite's own
// verifier requires.
func Parse(data []byte) (*Model, error) {
	if len(data) < 8 || string(data[4:8]) != fileIdentifier {
		return nil, errNotTFLite(data)
	}
	d := newDecoder(data)
	root, ok := d.root("model")
	if !ok {
		return nil, fmt.Errorf("tflite: %w", d.take())
	}
	m := &Model{raw: data}
	m.lifetime = &lifetime{model: m, holds: 1}
	m.Version = d.uint32Field(root, 0, 0, "model version")
	m.Description = d.stringField(root, 3, "model description")
	m.MetadataBuffer = d.int32s(root, 5, "metadata_buffer")
	if err := d.take(); err != nil {
		return nil, fmt.Errorf("tflite: %w", err)
	}
	if err := m.readBuffers(d, d.tables(root, 4, "buffer")); err != nil {
		return nil, err
	}
	if err := m.readOperatorCodes(d, d.tables(root, 1, "operator code")); err != nil {
		return nil, err
	}
	if err := m.readMetadataEntries(d, d.tables(root, 6, "metadata")); err != nil {
		return nil, err
	}
	subgraphs := d.tables(root, 2, "subgraph")
	if err := d.take(); err != nil {
		return nil, fmt.Errorf("tflite: %w", err)
	}
	m.Subgraphs = make([]Subgraph, len(subgraphs))
	for i, t := range subgraphs {
		if err := m.readSubgraph(d, t, &m.Subgraphs[i]); err != nil {
			return nil, fmt.Errorf("tflite: subgraph %d: %w", i, err)
		}
	}
	if err := m.readSignatureDefs(d, d.tables(root, 7, "signature def")); err != nil {
		return nil, err
	}
	return m, nil
}

// ReadFrom reads a whole model of size bytes from r into memory and parses
// it.
func ReadFrom(r io.ReaderAt, size int64) (*Model, error) {
	if size < 0 || uint64(size) > math.MaxInt {
		return nil, fmt.Errorf("tflite: bad model size %d", size)
	}
	data := make([]byte, size)
	n, err := r.ReadAt(data, 0)
	if n < len(data) {
		return nil, fmt.Errorf("tflite: reading model: got %d of %d bytes: %w", n, size, err)
	}
	return Parse(data)
}

// fileIdentifier is the flatbuffer file identifier of TFLite models.
const fileIdentifier = "TFL3"

// errNotTFLite describes data that lacks the TFLite file identifier.
func errNotTFLite(data []byte) error {
	if len(data) < 8 {
		return fmt.Errorf("tflite: not a TFLite model (no TFL3 identifier): %d bytes is too short", len(data))
	}
	return fmt.Errorf("tflite: not a TFLite model (no TFL3 identifier): bytes 4 to 8 are %q", data[4:8])
}

// readBuffers reads the buffer table of the model.
func (m *Model) readBuffers(d *decoder, tables []table) error {
	if err := d.take(); err != nil {
		return fmt.Errorf("tflite: %w", err)
	}
	m.Buffers = make([]Buffer, len(tables))
	for i, t := range tables {
		data := d.bytesField(t, 0, "data")
		offset := d.uint64Field(t, 1, 0, "offset")
		size := d.uint64Field(t, 2, 0, "size")
		if err := d.take(); err != nil {
			return fmt.Errorf("tflite: buffer %d: %w", i, err)
		}
		// The schema marks offsets of 0 and 1 as unused.
		if offset > 1 {
			if len(data) > 0 {
				return fmt.Errorf("tflite: buffer %d has both inline data and an offset", i)
			}
			if offset > uint64(len(m.raw)) || size > uint64(len(m.raw))-offset {
				return fmt.Errorf("tflite: buffer %d: %d bytes at offset %d outside the %d-byte file", i, size, offset, len(m.raw))
			}
			data = m.raw[offset : offset+size : offset+size]
		}
		m.Buffers[i].Data = data
	}
	return nil
}

// readOperatorCodes reads the operator code table of the model.
func (m *Model) readOperatorCodes(d *decoder, tables []table) error {
	if err := d.take(); err != nil {
		return fmt.Errorf("tflite: %w", err)
	}
	m.OperatorCodes = make([]OperatorCode, len(tables))
	for i, t := range tables {
		deprecated := BuiltinOperator(d.int8Field(t, 0, 0, "deprecated_builtin_code"))
		c := &m.OperatorCodes[i]
		c.CustomCode = d.stringField(t, 1, "custom_code")
		c.Version = d.int32Field(t, 2, 1, "version")
		c.Builtin = max(deprecated, BuiltinOperator(d.int32Field(t, 3, 0, "builtin_code")))
		if err := d.take(); err != nil {
			return fmt.Errorf("tflite: operator code %d: %w", i, err)
		}
	}
	return nil
}

// readMetadataEntries reads the metadata table of the model.
func (m *Model) readMetadataEntries(d *decoder, tables []table) error {
	if err := d.take(); err != nil {
		return fmt.Errorf("tflite: %w", err)
	}
	m.Metadata = make([]MetadataEntry, len(tables))
	for i, t := range tables {
		e := &m.Metadata[i]
		e.Name = d.stringField(t, 0, "name")
		e.Buffer = d.uint32Field(t, 1, 0, "buffer")
		if err := d.take(); err != nil {
			return fmt.Errorf("tflite: metadata %d: %w", i, err)
		}
		if int64(e.Buffer) >= int64(len(m.Buffers)) {
			return fmt.Errorf("tflite: metadata %d %q: buffer %d out of range (have %d buffers)", i, e.Name, e.Buffer, len(m.Buffers))
		}
	}
	return nil
}

// readSignatureDefs reads the signature_defs table of the model and checks
// their subgraph and tensor indices.
func (m *Model) readSignatureDefs(d *decoder, tables []table) error {
	if err := d.take(); err != nil {
		return fmt.Errorf("tflite: %w", err)
	}
	if tables == nil {
		return nil
	}
	m.SignatureDefs = make([]SignatureDef, len(tables))
	for i, t := range tables {
		s := &m.SignatureDefs[i]
		s.Key = d.stringField(t, 2, "signature_key")
		s.SubgraphIndex = d.uint32Field(t, 4, 0, "subgraph_index")
		s.Inputs = readTensorMaps(d, t, 0, "signature input")
		s.Outputs = readTensorMaps(d, t, 1, "signature output")
		if err := d.take(); err != nil {
			return fmt.Errorf("tflite: signature def %d: %w", i, err)
		}
		if int64(s.SubgraphIndex) >= int64(len(m.Subgraphs)) {
			return fmt.Errorf("tflite: signature def %d %q: subgraph %d out of range (have %d subgraphs)", i, s.Key, s.SubgraphIndex, len(m.Subgraphs))
		}
		n := len(m.Subgraphs[s.SubgraphIndex].Tensors)
		for _, tm := range append(s.Inputs[:len(s.Inputs):len(s.Inputs)], s.Outputs...) {
			if int64(tm.TensorIndex) >= int64(n) {
				return fmt.Errorf("tflite: signature def %d %q: tensor %q: index %d out of range (have %d tensors)", i, s.Key, tm.Name, tm.TensorIndex, n)
			}
		}
	}
	return nil
}

// readTensorMaps reads the [TensorMap] vector in field slot of t.
func readTensorMaps(d *decoder, t table, slot int, what string) []TensorMap {
	tables := d.tables(t, slot, what)
	if tables == nil {
		return nil
	}
	v := make([]TensorMap, len(tables))
	for i, tt := range tables {
		v[i] = TensorMap{Name: d.stringField(tt, 0, what+" name"), TensorIndex: d.uint32Field(tt, 1, 0, what+" tensor_index")}
	}
	return v
}

// readSubgraph reads subgraph table t into sg and checks every index it
// holds.
func (m *Model) readSubgraph(d *decoder, t table, sg *Subgraph) error {
	sg.Name = d.stringField(t, 4, "name")
	sg.Inputs = d.int32s(t, 1, "inputs")
	sg.Outputs = d.int32s(t, 2, "outputs")
	tensors := d.tables(t, 0, "tensor")
	operators := d.tables(t, 3, "operator")
	if err := d.take(); err != nil {
		return err
	}
	sg.Tensors = make([]Tensor, len(tensors))
	for i, tt := range tensors {
		if err := m.readTensor(d, tt, &sg.Tensors[i]); err != nil {
			return fmt.Errorf("tensor %d %q: %w", i, sg.Tensors[i].Name, err)
		}
	}
	n := len(sg.Tensors)
	if err := checkTensorIndices(sg.Inputs, n, false); err != nil {
		return fmt.Errorf("inputs: %w", err)
	}
	if err := checkTensorIndices(sg.Outputs, n, false); err != nil {
		return fmt.Errorf("outputs: %w", err)
	}
	sg.Operators = make([]Operator, len(operators))
	for i, ot := range operators {
		if err := m.readOperator(d, ot, &sg.Operators[i], n); err != nil {
			return fmt.Errorf("operator %d: %w", i, err)
		}
	}
	return nil
}

// readTensor reads tensor table t into x and checks it.
func (m *Model) readTensor(d *decoder, t table, x *Tensor) error {
	x.Name = d.stringField(t, 3, "name")
	x.Shape = d.int32s(t, 0, "shape")
	x.Type = TensorType(d.int8Field(t, 1, 0, "type"))
	x.Buffer = d.uint32Field(t, 2, 0, "buffer")
	x.IsVariable = d.boolField(t, 5, false, "is_variable")
	_, x.Sparse = d.indirect(t, 6, "sparsity")
	x.ShapeSignature = d.int32s(t, 7, "shape_signature")
	x.HasRank = d.boolField(t, 8, false, "has_rank")
	q, hasQuantization := d.subTable(t, 4, "quantization")
	if err := d.take(); err != nil {
		return err
	}
	if int64(x.Buffer) >= int64(len(m.Buffers)) {
		return fmt.Errorf("buffer %d out of range (have %d buffers)", x.Buffer, len(m.Buffers))
	}
	for k, dim := range x.Shape {
		if dim < 0 {
			return fmt.Errorf("shape %v: dimension %d is negative", x.Shape, k)
		}
	}
	for k, dim := range x.ShapeSignature {
		if dim < -1 {
			return fmt.Errorf("shape signature %v: dimension %d is below -1", x.ShapeSignature, k)
		}
	}
	if hasQuantization {
		quant, err := readQuantization(d, q, len(x.Shape))
		if err != nil {
			return fmt.Errorf("quantization: %w", err)
		}
		x.Quantization = quant
	}
	return nil
}

// readQuantization reads a QuantizationParameters table of a tensor of the
// given rank; it returns nil for a table with no parameters.
func readQuantization(d *decoder, t table, rank int) (*Quantization, error) {
	q := &Quantization{
		Min:                d.float32s(t, 0, "min"),
		Max:                d.float32s(t, 1, "max"),
		Scale:              d.float32s(t, 2, "scale"),
		ZeroPoint:          d.int64s(t, 3, "zero_point"),
		QuantizedDimension: d.int32Field(t, 6, 0, "quantized_dimension"),
	}
	if err := d.take(); err != nil {
		return nil, err
	}
	if len(q.Min)+len(q.Max)+len(q.Scale)+len(q.ZeroPoint) == 0 {
		return nil, nil
	}
	if len(q.ZeroPoint) != 0 && len(q.ZeroPoint) != len(q.Scale) {
		return nil, fmt.Errorf("%d zero points for %d scales", len(q.ZeroPoint), len(q.Scale))
	}
	if len(q.Scale) > 1 {
		if rank == 1 {
			// A 1-D tensor has one axis. TFLite Micro's converter writes
			// the output-channel dimension of the weights (e.g. 3) on
			// per-channel biases, which TFLite ignores.
			q.QuantizedDimension = 0
		}
		if q.QuantizedDimension < 0 || int(q.QuantizedDimension) >= rank {
			return nil, fmt.Errorf("quantized dimension %d outside the tensor's rank %d", q.QuantizedDimension, rank)
		}
	}
	return q, nil
}

// readOperator reads operator table t into op and checks its indices
// against the model and a subgraph of numTensors tensors.
func (m *Model) readOperator(d *decoder, t table, op *Operator, numTensors int) error {
	op.OpcodeIndex = d.uint32Field(t, 0, 0, "opcode_index")
	op.Inputs = d.int32s(t, 1, "inputs")
	op.Outputs = d.int32s(t, 2, "outputs")
	op.OptionsType = d.uint8Field(t, 3, 0, "builtin_options_type")
	op.CustomOptions = d.bytesField(t, 5, "custom_options")
	op.MutatingVariableInputs = d.bools(t, 7, "mutating_variable_inputs")
	op.Intermediates = d.int32s(t, 8, "intermediates")
	largeOffset := d.uint64Field(t, 9, 0, "large_custom_options_offset")
	largeSize := d.uint64Field(t, 10, 0, "large_custom_options_size")
	if read := builtinOptionsReaders[op.OptionsType]; read != nil {
		// A tag without a table reads as a table of defaults.
		options, present := d.subTable(t, 4, "builtin_options")
		if present {
			op.Options = read(d, options)
		} else {
			op.Options = read(d, table{})
		}
	} else if op.OptionsType != 0 && int(op.OptionsType) <= builtinOptionsCount && !offsetOptions[op.OptionsType] {
		op.Options = readRawOptions(d, t, 4, "builtin_options")
	}
	op.Options2Type = d.uint8Field(t, 11, 0, "builtin_options_2_type")
	if scalarOptions2[op.Options2Type] {
		op.Options2 = readRawOptions(d, t, 12, "builtin_options_2")
	}
	if err := d.take(); err != nil {
		return err
	}
	if int64(op.OpcodeIndex) >= int64(len(m.OperatorCodes)) {
		return fmt.Errorf("opcode index %d out of range (have %d operator codes)", op.OpcodeIndex, len(m.OperatorCodes))
	}
	// The schema marks large custom options offsets of 0 and 1 as unused.
	if largeOffset > 1 {
		if largeOffset > uint64(len(m.raw)) || largeSize > uint64(len(m.raw))-largeOffset {
			return fmt.Errorf("custom options: %d bytes at offset %d outside the %d-byte file", largeSize, largeOffset, len(m.raw))
		}
		op.CustomOptions = m.raw[largeOffset : largeOffset+largeSize : largeOffset+largeSize]
	}
	if err := checkTensorIndices(op.Inputs, numTensors, true); err != nil {
		return fmt.Errorf("inputs: %w", err)
	}
	if err := checkTensorIndices(op.Outputs, numTensors, false); err != nil {
		return fmt.Errorf("outputs: %w", err)
	}
	if err := checkTensorIndices(op.Intermediates, numTensors, false); err != nil {
		return fmt.Errorf("intermediates: %w", err)
	}
	return nil
}

// checkTensorIndices checks that every index is a tensor of a subgraph of
// n tensors, or -1 when optional is set.
func checkTensorIndices(indices []int32, n int, optional bool) error {
	for k, i := range indices {
		if i == -1 && optional {
			continue
		}
		if i < 0 || int64(i) >= int64(n) {
			return fmt.Errorf("tensor index %d (position %d) out of range (have %d tensors)", i, k, n)
		}
	}
	return nil
}
