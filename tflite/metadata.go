package tflite

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
)

// MetadataName is the name of the metadata entry whose buffer holds the
// TFLite metadata flatbuffer (schema tflite_metadata_schema.fbs).
const MetadataName = "TFLITE_METADATA"

// ModelMetadata is the TFLite metadata of a model: what it is and how to
// feed it and read its outputs.
type ModelMetadata struct {
	Name             string
	Description      string
	Version          string
	Author           string
	License          string
	MinParserVersion string
	SubgraphMetadata []SubgraphMetadata
	AssociatedFiles  []AssociatedFile
}

// SubgraphMetadata describes the inputs and outputs of one subgraph.
type SubgraphMetadata struct {
	Name                 string
	Description          string
	InputTensorMetadata  []TensorMetadata // in the order of Subgraph.Inputs
	OutputTensorMetadata []TensorMetadata // in the order of Subgraph.Outputs
	AssociatedFiles      []AssociatedFile
	InputProcessUnits    []ProcessUnit
	OutputProcessUnits   []ProcessUnit
}

// TensorMetadata describes one input or output tensor.
type TensorMetadata struct {
	Name            string
	Description     string
	DimensionNames  []string
	Content         *Content // nil when absent
	ProcessUnits    []ProcessUnit
	Stats           *Stats // nil when absent
	AssociatedFiles []AssociatedFile
}

// Content describes what a tensor holds. At most one of its properties is
// set, as the file's union tag says.
type Content struct {
	ImageProperties       *ImageProperties
	BoundingBoxProperties *BoundingBoxProperties
	Range                 *ValueRange // nil when absent
}

// ImageProperties describe an image tensor.
type ImageProperties struct {
	ColorSpace ColorSpace
	// DefaultSize is the image size the model expects, nil when absent.
	DefaultSize *ImageSize
}

// ImageSize is the width and height of an image in pixels.
type ImageSize struct {
	Width, Height uint32
}

// ColorSpace is the colour space of an image tensor, as the metadata
// schema's ColorSpaceType enum.
type ColorSpace int8

// The colour spaces.
const (
	ColorSpaceUnknown   ColorSpace = 0
	ColorSpaceRGB       ColorSpace = 1
	ColorSpaceGrayscale ColorSpace = 2
)

// String returns the schema name of c, e.g. "RGB".
func (c ColorSpace) String() string {
	switch c {
	case ColorSpaceUnknown:
		return "UNKNOWN"
	case ColorSpaceRGB:
		return "RGB"
	case ColorSpaceGrayscale:
		return "GRAYSCALE"
	}
	return "COLOR_SPACE_" + strconv.Itoa(int(c))
}

// BoundingBoxProperties describe a tensor of bounding boxes.
type BoundingBoxProperties struct {
	// Index gives, for the four box coordinates in the order of Type, their
	// positions in the tensor's last dimension.
	Index          []uint32
	Type           BoundingBoxType
	CoordinateType CoordinateType
}

// BoundingBoxType is how four numbers describe a box, as the metadata
// schema's BoundingBoxType enum.
type BoundingBoxType int8

// The bounding box layouts.
const (
	BoundingBoxUnknown    BoundingBoxType = 0
	BoundingBoxBoundaries BoundingBoxType = 1 // left, top, right, bottom
	BoundingBoxUpperLeft  BoundingBoxType = 2 // left, top, width, height
	BoundingBoxCenter     BoundingBoxType = 3 // centre x, centre y, width, height
)

// CoordinateType tells whether box coordinates are ratios of the image size
// or pixels, as the metadata schema's CoordinateType enum.
type CoordinateType int8

// The coordinate types.
const (
	CoordinateRatio CoordinateType = 0
	CoordinatePixel CoordinateType = 1
)

// ValueRange is an inclusive range of indices.
type ValueRange struct {
	Min, Max int32
}

// ProcessUnitType is the ProcessUnitOptions union tag of a process unit.
type ProcessUnitType uint8

// The process unit types.
const (
	ProcessUnitNone                   ProcessUnitType = 0
	ProcessUnitNormalization          ProcessUnitType = 1
	ProcessUnitScoreCalibration       ProcessUnitType = 2
	ProcessUnitScoreThresholding      ProcessUnitType = 3
	ProcessUnitBertTokenizer          ProcessUnitType = 4
	ProcessUnitSentencePieceTokenizer ProcessUnitType = 5
	ProcessUnitRegexTokenizer         ProcessUnitType = 6
)

// ProcessUnit is a pre- or post-processing step. Only normalization is
// decoded; other steps carry their type only.
type ProcessUnit struct {
	Type          ProcessUnitType
	Normalization *NormalizationOptions // set when Type is ProcessUnitNormalization
}

// NormalizationOptions normalise an input: (value − Mean) / Std, per channel
// or, with one element, for all channels.
type NormalizationOptions struct {
	Mean, Std []float32
}

// Stats are the value range of a tensor, per channel or for the whole
// tensor.
type Stats struct {
	Max, Min []float32
}

// AssociatedFile names a file zipped onto the model, such as a label map.
type AssociatedFile struct {
	Name        string
	Description string
	Type        AssociatedFileType
	Locale      string
	Version     string
}

// AssociatedFileType says what an associated file holds, as the metadata
// schema's AssociatedFileType enum.
type AssociatedFileType int8

// The associated file types.
const (
	AssociatedFileUnknown                    AssociatedFileType = 0
	AssociatedFileDescriptions               AssociatedFileType = 1
	AssociatedFileTensorAxisLabels           AssociatedFileType = 2
	AssociatedFileTensorValueLabels          AssociatedFileType = 3
	AssociatedFileTensorAxisScoreCalibration AssociatedFileType = 4
	AssociatedFileVocabulary                 AssociatedFileType = 5
	AssociatedFileScannIndexFile             AssociatedFileType = 6
)

var associatedFileTypeNames = [...]string{
	AssociatedFileUnknown:                    "UNKNOWN",
	AssociatedFileDescriptions:               "DESCRIPTIONS",
	AssociatedFileTensorAxisLabels:           "TENSOR_AXIS_LABELS",
	AssociatedFileTensorValueLabels:          "TENSOR_VALUE_LABELS",
	AssociatedFileTensorAxisScoreCalibration: "TENSOR_AXIS_SCORE_CALIBRATION",
	AssociatedFileVocabulary:                 "VOCABULARY",
	AssociatedFileScannIndexFile:             "SCANN_INDEX_FILE",
}

// String returns the schema name of t, e.g. "TENSOR_AXIS_LABELS".
func (t AssociatedFileType) String() string {
	if t >= 0 && int(t) < len(associatedFileTypeNames) {
		return associatedFileTypeNames[t]
	}
	return "ASSOCIATED_FILE_TYPE_" + strconv.Itoa(int(t))
}

// ReadMetadata parses the model's TFLite metadata, from the buffer of its
// "TFLITE_METADATA" entry. It returns nil, nil when the model has none,
// and an error wrapping ErrClosed after Close. The result is a copy,
// independent of the Model.
func (m *Model) ReadMetadata() (*ModelMetadata, error) {
	release, err := m.Acquire()
	if err != nil {
		return nil, err
	}
	defer release()
	for _, e := range m.Metadata {
		if e.Name != MetadataName {
			continue
		}
		// Parse checked the buffer index.
		data := m.Buffers[e.Buffer].Data
		if len(data) > maxMetadataSize {
			return nil, fmt.Errorf("tflite: metadata in buffer %d: %d bytes, above the limit of %d", e.Buffer, len(data), maxMetadataSize)
		}
		md, err := parseMetadata(data)
		if err != nil {
			return nil, fmt.Errorf("tflite: metadata in buffer %d: %w", e.Buffer, err)
		}
		return md, nil
	}
	return nil, nil
}

// The bounds on the metadata. Real metadata is a few kilobytes: names,
// a licence, normalization and label file names (the label files
// themselves are in the archive). Each string is checked before it is
// copied, and all of them together may not exceed maxMetadataStrings, so
// strings that the flatbuffer shares between many tables cannot multiply.
const (
	maxMetadataSize    = 4 << 20  // the metadata buffer
	maxMetadataString  = 64 << 10 // one string
	maxMetadataStrings = 4 << 20  // all the strings copied out
)

// metadataDecoder is a decoder whose strings are bounded.
type metadataDecoder struct {
	*decoder
	stringBytes int // bytes of string copied so far
}

// stringField returns the string in field slot of t ("" when absent),
// failing when it or the strings read so far are too long.
func (d *metadataDecoder) stringField(t table, slot int, what string) string {
	b := d.bytesField(t, slot, what)
	if !d.allowString(len(b), what) {
		return ""
	}
	return d.decoder.stringField(t, slot, what)
}

// strings reads the [string] vector in field slot of t under the same
// bounds.
func (d *metadataDecoder) strings(t table, slot int, what string) []string {
	start, n, ok := d.vector(t, slot, 4, what)
	if !ok {
		return nil
	}
	// Each string costs at least its 4-byte length, and the lengths lie
	// within the buffer: check them before anything is copied.
	for i := range n {
		p := start + 4*i
		target := uint64(p) + uint64(d.u32(p))
		if target > uint64(len(d.buf)) || !d.within(int(target), 4) {
			break // the decoder names the bad offset
		}
		if !d.allowString(int(d.u32(int(target))), fmt.Sprintf("%s %d", what, i)) {
			return nil
		}
	}
	return d.decoder.strings(t, slot, what)
}

// allowString charges n bytes of string against the bounds.
func (d *metadataDecoder) allowString(n int, what string) bool {
	if d.err != nil {
		return false
	}
	if n > maxMetadataString {
		d.failf("%s: a %d-byte string, above the limit of %d for a metadata string", what, n, maxMetadataString)
		return false
	}
	if d.stringBytes += n; d.stringBytes > maxMetadataStrings {
		d.failf("%s: the metadata's strings exceed %d bytes in all", what, maxMetadataStrings)
		return false
	}
	return true
}

// parseMetadata parses a ModelMetadata flatbuffer.
func parseMetadata(data []byte) (*ModelMetadata, error) {
	d := &metadataDecoder{decoder: newDecoder(data)}
	root, ok := d.root("metadata")
	if !ok {
		return nil, d.take()
	}
	md := &ModelMetadata{
		Name:             d.stringField(root, 0, "name"),
		Description:      d.stringField(root, 1, "description"),
		Version:          d.stringField(root, 2, "version"),
		Author:           d.stringField(root, 4, "author"),
		License:          d.stringField(root, 5, "license"),
		MinParserVersion: d.stringField(root, 7, "min_parser_version"),
		AssociatedFiles:  readAssociatedFiles(d, root, 6),
	}
	subgraphs := d.tables(root, 3, "subgraph metadata")
	if err := d.take(); err != nil {
		return nil, err
	}
	md.SubgraphMetadata = make([]SubgraphMetadata, len(subgraphs))
	for i, t := range subgraphs {
		s := &md.SubgraphMetadata[i]
		s.Name = d.stringField(t, 0, "name")
		s.Description = d.stringField(t, 1, "description")
		s.InputTensorMetadata = readTensorMetadata(d, t, 2, "input tensor metadata")
		s.OutputTensorMetadata = readTensorMetadata(d, t, 3, "output tensor metadata")
		s.AssociatedFiles = readAssociatedFiles(d, t, 4)
		s.InputProcessUnits = readProcessUnits(d, t, 5, "input process unit")
		s.OutputProcessUnits = readProcessUnits(d, t, 6, "output process unit")
		if err := d.take(); err != nil {
			return nil, fmt.Errorf("subgraph metadata %d: %w", i, err)
		}
	}
	return md, nil
}

// readTensorMetadata reads the [TensorMetadata] vector in field slot of t.
func readTensorMetadata(d *metadataDecoder, t table, slot int, what string) []TensorMetadata {
	tables := d.tables(t, slot, what)
	if len(tables) == 0 {
		return nil
	}
	v := make([]TensorMetadata, len(tables))
	for i, tt := range tables {
		tm := &v[i]
		tm.Name = d.stringField(tt, 0, "name")
		tm.Description = d.stringField(tt, 1, "description")
		tm.DimensionNames = d.strings(tt, 2, "dimension name")
		if ct, ok := d.subTable(tt, 3, "content"); ok {
			tm.Content = readContent(d, ct)
		}
		tm.ProcessUnits = readProcessUnits(d, tt, 4, "process unit")
		if st, ok := d.subTable(tt, 5, "stats"); ok {
			tm.Stats = &Stats{Max: d.float32s(st, 0, "stats max"), Min: d.float32s(st, 1, "stats min")}
		}
		tm.AssociatedFiles = readAssociatedFiles(d, tt, 6)
		if d.err != nil {
			d.err = fmt.Errorf("%s %d %q: %w", what, i, tm.Name, d.err)
			return nil
		}
	}
	return v
}

// readContent reads a Content table.
func readContent(d *metadataDecoder, t table) *Content {
	c := &Content{}
	kind := d.uint8Field(t, 0, 0, "content_properties_type")
	switch kind {
	case 2: // ImageProperties
		if p, ok := d.subTable(t, 1, "image properties"); ok {
			c.ImageProperties = &ImageProperties{ColorSpace: ColorSpace(d.int8Field(p, 0, 0, "color_space"))}
			if s, ok := d.subTable(p, 1, "default_size"); ok {
				c.ImageProperties.DefaultSize = &ImageSize{
					Width:  d.uint32Field(s, 0, 0, "width"),
					Height: d.uint32Field(s, 1, 0, "height"),
				}
			}
		}
	case 3: // BoundingBoxProperties
		if p, ok := d.subTable(t, 1, "bounding box properties"); ok {
			c.BoundingBoxProperties = &BoundingBoxProperties{
				Index:          d.uint32s(p, 0, "index"),
				Type:           BoundingBoxType(d.int8Field(p, 1, 0, "type")),
				CoordinateType: CoordinateType(d.int8Field(p, 2, 0, "coordinate_type")),
			}
		}
	}
	if r, ok := d.subTable(t, 2, "range"); ok {
		c.Range = &ValueRange{Min: d.int32Field(r, 0, 0, "min"), Max: d.int32Field(r, 1, 0, "max")}
	}
	return c
}

// readProcessUnits reads the [ProcessUnit] vector in field slot of t.
func readProcessUnits(d *metadataDecoder, t table, slot int, what string) []ProcessUnit {
	tables := d.tables(t, slot, what)
	if len(tables) == 0 {
		return nil
	}
	v := make([]ProcessUnit, len(tables))
	for i, pt := range tables {
		v[i].Type = ProcessUnitType(d.uint8Field(pt, 0, 0, "options_type"))
		if v[i].Type != ProcessUnitNormalization {
			continue
		}
		if o, ok := d.subTable(pt, 1, "normalization options"); ok {
			v[i].Normalization = &NormalizationOptions{Mean: d.float32s(o, 0, "mean"), Std: d.float32s(o, 1, "std")}
		} else {
			v[i].Normalization = &NormalizationOptions{}
		}
	}
	return v
}

// readAssociatedFiles reads the [AssociatedFile] vector in field slot of t.
func readAssociatedFiles(d *metadataDecoder, t table, slot int) []AssociatedFile {
	tables := d.tables(t, slot, "associated file")
	if len(tables) == 0 {
		return nil
	}
	v := make([]AssociatedFile, len(tables))
	for i, ft := range tables {
		v[i] = AssociatedFile{
			Name:        d.stringField(ft, 0, "name"),
			Description: d.stringField(ft, 1, "description"),
			Type:        AssociatedFileType(d.int8Field(ft, 2, 0, "type")),
			Locale:      d.stringField(ft, 3, "locale"),
			Version:     d.stringField(ft, 4, "version"),
		}
	}
	return v
}

// The bounds on the associated files (see AssociatedFileLimit), checked
// against each member's declared size before it is inflated and again
// while it is read, so that a small member that inflates to gigabytes
// costs no more than its limit.
const (
	maxAssociatedFilesSize = 64 << 20 // all members together
	maxAssociatedFiles     = 1024     // members in the archive
)

// AssociatedFileLimit returns the largest uncompressed size in bytes that
// AssociatedFiles accepts for a member of type t: 4 MiB for label files
// (TENSOR_AXIS_LABELS, TENSOR_VALUE_LABELS) and score calibration, 1 MiB
// for descriptions, 16 MiB for vocabularies and for members of unknown
// type or that the metadata does not name, 64 MiB (the limit for all
// members together) for a ScaNN index.
func AssociatedFileLimit(t AssociatedFileType) int64 {
	switch t {
	case AssociatedFileTensorAxisLabels, AssociatedFileTensorValueLabels, AssociatedFileTensorAxisScoreCalibration:
		return 4 << 20
	case AssociatedFileDescriptions:
		return 1 << 20
	case AssociatedFileScannIndexFile:
		return maxAssociatedFilesSize
	}
	return 16 << 20
}

// AssociatedFiles returns the files of the zip archive appended to the
// model (label maps and the like), by name. It returns nil, nil when the
// model has no archive. The contents are copies, independent of the Model.
// Each member is bounded by AssociatedFileLimit of the type the metadata
// gives it (members that the metadata does not name, or all of them when
// the metadata cannot be read, count as unknown); together they may not
// exceed 64 MiB, and the archive may not hold more than 1024 members. It
// returns an error wrapping ErrClosed after Close.
func (m *Model) AssociatedFiles() (map[string][]byte, error) {
	release, err := m.Acquire()
	if err != nil {
		return nil, err
	}
	defer release()
	zr, err := m.archive()
	if zr == nil || err != nil {
		return nil, err
	}
	types := map[string]AssociatedFileType{}
	if md, err := m.ReadMetadata(); err == nil && md != nil {
		md.fileTypes(types)
	}
	files := make(map[string][]byte, len(zr.File))
	remaining := int64(maxAssociatedFilesSize)
	for _, f := range zr.File {
		if _, dup := files[f.Name]; dup {
			return nil, fmt.Errorf("tflite: associated files: %q appears twice", f.Name)
		}
		t, ok := types[f.Name]
		if !ok {
			t = AssociatedFileUnknown
		}
		limit := AssociatedFileLimit(t)
		data, err := readZipFile(f, min(limit, remaining))
		if err != nil {
			if errors.Is(err, errTooLarge) && remaining < limit {
				err = fmt.Errorf("the associated files exceed %d bytes in all", maxAssociatedFilesSize)
			} else if errors.Is(err, errTooLarge) {
				err = fmt.Errorf("above the limit of %d bytes for a %s file", limit, t)
			}
			return nil, fmt.Errorf("tflite: associated file %q: %w", f.Name, err)
		}
		remaining -= int64(len(data))
		files[f.Name] = data
	}
	return files, nil
}

// AssociatedFileNames returns the names of the members of the zip archive
// appended to the model, in archive order, without reading them: nil when
// the model has no archive. It returns an error wrapping ErrClosed after
// Close.
func (m *Model) AssociatedFileNames() ([]string, error) {
	release, err := m.Acquire()
	if err != nil {
		return nil, err
	}
	defer release()
	zr, err := m.archive()
	if zr == nil || err != nil {
		return nil, err
	}
	names := make([]string, len(zr.File))
	for i, f := range zr.File {
		names[i] = f.Name
	}
	return names, nil
}

// AssociatedFile reads one member of the zip archive appended to the
// model, failing when it inflates to more than limit bytes (see
// AssociatedFileLimit) before inflating more than that. The error wraps
// fs.ErrNotExist when the model has no archive or the archive no such
// member, and ErrClosed after Close. The content is a copy, independent of
// the Model.
func (m *Model) AssociatedFile(name string, limit int64) ([]byte, error) {
	release, err := m.Acquire()
	if err != nil {
		return nil, err
	}
	defer release()
	zr, err := m.archive()
	if err != nil {
		return nil, err
	}
	if zr == nil {
		return nil, fmt.Errorf("tflite: associated file %q: %w (the model has no archive)", name, fs.ErrNotExist)
	}
	var found *zip.File
	for _, f := range zr.File {
		if f.Name != name {
			continue
		}
		if found != nil {
			return nil, fmt.Errorf("tflite: associated files: %q appears twice", name)
		}
		found = f
	}
	if found == nil {
		return nil, fmt.Errorf("tflite: associated file %q: %w", name, fs.ErrNotExist)
	}
	data, err := readZipFile(found, max(limit, 0))
	if errors.Is(err, errTooLarge) {
		err = fmt.Errorf("above the limit of %d bytes", limit)
	}
	if err != nil {
		return nil, fmt.Errorf("tflite: associated file %q: %w", name, err)
	}
	return data, nil
}

// archive opens the zip archive appended to the model: nil, nil when there
// is none. The caller holds the model.
func (m *Model) archive() (*zip.Reader, error) {
	zr, err := zip.NewReader(bytes.NewReader(m.raw), int64(len(m.raw)))
	if errors.Is(err, zip.ErrFormat) {
		return nil, nil
	}
	// Names that would be unsafe as paths do not matter here: nothing is
	// written to disk.
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("tflite: associated files: %w", err)
	}
	if len(zr.File) > maxAssociatedFiles {
		return nil, fmt.Errorf("tflite: associated files: %d members, above the limit of %d", len(zr.File), maxAssociatedFiles)
	}
	return zr, nil
}

// fileTypes records the type of every associated file the metadata names,
// at any level; a name given two types keeps the first.
func (md *ModelMetadata) fileTypes(types map[string]AssociatedFileType) {
	add := func(files []AssociatedFile) {
		for _, f := range files {
			if _, ok := types[f.Name]; !ok {
				types[f.Name] = f.Type
			}
		}
	}
	add(md.AssociatedFiles)
	for _, sg := range md.SubgraphMetadata {
		add(sg.AssociatedFiles)
		for _, tm := range sg.InputTensorMetadata {
			add(tm.AssociatedFiles)
		}
		for _, tm := range sg.OutputTensorMetadata {
			add(tm.AssociatedFiles)
		}
	}
}

// errTooLarge says that a member inflates past its limit.
var errTooLarge = errors.New("too large")

// readZipFile reads one archive member of at most limit bytes, refusing it
// from its declared size when it can and otherwise inflating no more than
// limit+1 bytes.
func readZipFile(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, errTooLarge
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	// The declared size may lie: nothing is allocated from it, and the
	// reader stops one byte past the limit.
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, errTooLarge
	}
	return data, nil
}
