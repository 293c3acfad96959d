package tflite

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
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
		md, err := parseMetadata(m.Buffers[e.Buffer].Data)
		if err != nil {
			return nil, fmt.Errorf("tflite: metadata in buffer %d: %w", e.Buffer, err)
		}
		return md, nil
	}
	return nil, nil
}

// parseMetadata parses a ModelMetadata flatbuffer.
func parseMetadata(data []byte) (*ModelMetadata, error) {
	d := newDecoder(data)
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
func readTensorMetadata(d *decoder, t table, slot int, what string) []TensorMetadata {
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
func readContent(d *decoder, t table) *Content {
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
func readProcessUnits(d *decoder, t table, slot int, what string) []ProcessUnit {
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
func readAssociatedFiles(d *decoder, t table, slot int) []AssociatedFile {
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

// maxAssociatedFilesSize bounds the uncompressed size of all associated
// files together, so that a crafted archive cannot exhaust memory.
const maxAssociatedFilesSize = 64 << 20

// AssociatedFiles returns the files of the zip archive appended to the
// model (label maps and the like), by name. It returns nil, nil when the
// model has no archive. The contents are copies, independent of the Model;
// together they may not exceed 64 MiB. It returns an error wrapping
// ErrClosed after Close.
func (m *Model) AssociatedFiles() (map[string][]byte, error) {
	release, err := m.Acquire()
	if err != nil {
		return nil, err
	}
	defer release()
	zr, err := zip.NewReader(bytes.NewReader(m.raw), int64(len(m.raw)))
	if errors.Is(err, zip.ErrFormat) {
		return nil, nil
	}
	// Names that would be unsafe as paths do not matter here: nothing is
	// written to disk.
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("tflite: associated files: %w", err)
	}
	files := make(map[string][]byte, len(zr.File))
	remaining := int64(maxAssociatedFilesSize)
	for _, f := range zr.File {
		if _, dup := files[f.Name]; dup {
			return nil, fmt.Errorf("tflite: associated files: %q appears twice", f.Name)
		}
		data, err := readZipFile(f, remaining)
		if err != nil {
			return nil, fmt.Errorf("tflite: associated file %q: %w", f.Name, err)
		}
		remaining -= int64(len(data))
		files[f.Name] = data
	}
	return files, nil
}

// readZipFile reads one archive member of at most limit bytes.
func readZipFile(f *zip.File, limit int64) ([]byte, error) {
	tooLarge := fmt.Errorf("associated files exceed %d bytes in all", maxAssociatedFilesSize)
	if f.UncompressedSize64 > uint64(limit) {
		return nil, tooLarge
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, tooLarge
	}
	return data, nil
}
