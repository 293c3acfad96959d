package tflite_test

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"

	"github.com/percept-robotics/percept/internal/tflitetest"
	"github.com/percept-robotics/percept/tflite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func lines(data []byte) []string {
	return strings.Split(strings.TrimRight(string(data), "\n"), "\n")
}

func TestMetadataOfSSDMobileNetV1(t *testing.T) {
	m, _ := readModel(t, "detection", "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite")
	md, err := m.ReadMetadata()
	require.NoError(t, err)
	require.NotNil(t, md)
	require.Len(t, md.SubgraphMetadata, 1)
	sg := md.SubgraphMetadata[0]
	require.Len(t, sg.InputTensorMetadata, 1)
	require.Len(t, sg.OutputTensorMetadata, 4, "boxes, classes, scores, count")

	in := sg.InputTensorMetadata[0]
	require.NotNil(t, in.Content)
	require.NotNil(t, in.Content.ImageProperties)
	assert.Equal(t, tflite.ColorSpaceRGB, in.Content.ImageProperties.ColorSpace)
	require.Len(t, in.ProcessUnits, 1)
	assert.Equal(t, tflite.ProcessUnitNormalization, in.ProcessUnits[0].Type)
	assert.Equal(t, &tflite.NormalizationOptions{Mean: []float32{127.5}, Std: []float32{127.5}}, in.ProcessUnits[0].Normalization)

	// Boxes are ymin, xmin, ymax, xmax (MANIFEST.md): as BOUNDARIES (left,
	// top, right, bottom) the index is 1, 0, 3, 2, in ratios of the image.
	boxes := sg.OutputTensorMetadata[0].Content
	require.NotNil(t, boxes)
	require.NotNil(t, boxes.BoundingBoxProperties)
	assert.Equal(t, &tflite.BoundingBoxProperties{Index: []uint32{1, 0, 3, 2}, Type: tflite.BoundingBoxBoundaries, CoordinateType: tflite.CoordinateRatio},
		boxes.BoundingBoxProperties)

	var labelFile string
	for _, tm := range sg.OutputTensorMetadata {
		for _, f := range tm.AssociatedFiles {
			assert.Equal(t, tflite.AssociatedFileTensorValueLabels, f.Type)
			labelFile = f.Name
		}
	}
	assert.Equal(t, "labelmap.txt", labelFile)

	files, err := m.AssociatedFiles()
	require.NoError(t, err)
	require.Contains(t, files, "labelmap.txt")
	labels := lines(files["labelmap.txt"])
	require.Len(t, labels, 90)
	assert.Equal(t, "person", labels[0])
	assert.Contains(t, labels, "???")
}

func TestMetadataOfMobileNetV1Quant(t *testing.T) {
	m, _ := readModel(t, "classification", "mobilenet_v1_0.25_224_quant.tflite")
	md, err := m.ReadMetadata()
	require.NoError(t, err)
	require.NotNil(t, md)
	require.Len(t, md.SubgraphMetadata, 1)
	in := md.SubgraphMetadata[0].InputTensorMetadata[0]
	require.Len(t, in.ProcessUnits, 1)
	assert.Equal(t, &tflite.NormalizationOptions{Mean: []float32{127.5}, Std: []float32{127.5}}, in.ProcessUnits[0].Normalization)
	require.NotNil(t, in.Stats)
	assert.Equal(t, &tflite.Stats{Max: []float32{255}, Min: []float32{0}}, in.Stats)

	out := md.SubgraphMetadata[0].OutputTensorMetadata[0]
	require.Len(t, out.AssociatedFiles, 1)
	f := out.AssociatedFiles[0]
	assert.Equal(t, "labels.txt", f.Name)
	assert.Equal(t, tflite.AssociatedFileTensorAxisLabels, f.Type)
	assert.Equal(t, "TENSOR_AXIS_LABELS", f.Type.String())

	files, err := m.AssociatedFiles()
	require.NoError(t, err)
	labels := lines(files["labels.txt"])
	// 1001 ImageNet classes, 0 = background; the Task Library's top-1 on
	// burger.jpg is index 934, "cheeseburger".
	require.Len(t, labels, 1001)
	assert.Equal(t, "cheeseburger", labels[934])
}

func TestMetadataOfFloatMobileNet(t *testing.T) {
	m, _ := readModel(t, "classification", "mobilenet_v1_0.25_224_1_metadata_1.tflite")
	md, err := m.ReadMetadata()
	require.NoError(t, err)
	require.NotNil(t, md)
	in := md.SubgraphMetadata[0].InputTensorMetadata[0]
	// MANIFEST.md: input normalised (x − 127.5) / 127.5.
	assert.Equal(t, &tflite.NormalizationOptions{Mean: []float32{127.5}, Std: []float32{127.5}}, in.ProcessUnits[0].Normalization)
}

func TestNoMetadata(t *testing.T) {
	m, _ := readModel(t, "detection", "coco_ssd_mobilenet_v1_quant_no_metadata.tflite")
	md, err := m.ReadMetadata()
	require.NoError(t, err)
	assert.Nil(t, md)
	files, err := m.AssociatedFiles()
	require.NoError(t, err)
	assert.Nil(t, files)
}

func TestMetadataHandBuilt(t *testing.T) {
	metadata := tflitetest.Encode(tflitetest.Table{
		"name", "description", "v2",
		[]tflitetest.Table{{
			"sub", nil,
			[]tflitetest.Table{{"image", "the picture", []string{"batch", "height"},
				tflitetest.Table{uint8(2), tflitetest.Table{int8(tflite.ColorSpaceGrayscale), tflitetest.Table{uint32(96), uint32(64)}}},
				[]tflitetest.Table{{uint8(2), tflitetest.Table{}}, {uint8(1), tflitetest.Table{[]float32{0, 1}, []float32{2, 4}}}},
			}},
			[]tflitetest.Table{{"out", nil, nil, tflitetest.Table{uint8(0), nil, tflitetest.Table{int32(2), int32(3)}}}},
		}},
		"author", "licence",
		[]tflitetest.Table{{"vocab.txt", "words", int8(tflite.AssociatedFileVocabulary), "en", "1"}},
		"1.2.0",
	}, "M001")
	model, _, _ := testModel()
	model[4] = []tflitetest.Table{{}, {[]byte{1, 255}}, {metadata}}
	model = append(model, nil, []tflitetest.Table{{"min_runtime_version", uint32(0)}, {tflite.MetadataName, uint32(2)}})
	m, err := tflite.Parse(tflitetest.Encode(model, "TFL3"))
	require.NoError(t, err)
	md, err := m.ReadMetadata()
	require.NoError(t, err)
	assert.Equal(t, &tflite.ModelMetadata{
		Name: "name", Description: "description", Version: "v2", Author: "author", License: "licence",
		MinParserVersion: "1.2.0",
		AssociatedFiles:  []tflite.AssociatedFile{{Name: "vocab.txt", Description: "words", Type: tflite.AssociatedFileVocabulary, Locale: "en", Version: "1"}},
		SubgraphMetadata: []tflite.SubgraphMetadata{{
			Name: "sub",
			InputTensorMetadata: []tflite.TensorMetadata{{
				Name: "image", Description: "the picture", DimensionNames: []string{"batch", "height"},
				Content: &tflite.Content{ImageProperties: &tflite.ImageProperties{ColorSpace: tflite.ColorSpaceGrayscale, DefaultSize: &tflite.ImageSize{Width: 96, Height: 64}}},
				ProcessUnits: []tflite.ProcessUnit{
					{Type: tflite.ProcessUnitScoreCalibration},
					{Type: tflite.ProcessUnitNormalization, Normalization: &tflite.NormalizationOptions{Mean: []float32{0, 1}, Std: []float32{2, 4}}},
				},
			}},
			OutputTensorMetadata: []tflite.TensorMetadata{{Name: "out", Content: &tflite.Content{Range: &tflite.ValueRange{Min: 2, Max: 3}}}},
		}},
	}, md)

	// A metadata buffer cut short names what is wrong.
	model[4].([]tflitetest.Table)[2][0] = metadata[:40]
	m, err = tflite.Parse(tflitetest.Encode(model, "TFL3"))
	require.NoError(t, err)
	_, err = m.ReadMetadata()
	require.ErrorContains(t, err, "tflite: metadata in buffer 2:")
}

func TestAssociatedFilesOfBuiltArchive(t *testing.T) {
	model, _, _ := testModel()
	data := tflitetest.Encode(model, "TFL3")
	var archive bytes.Buffer
	zw := zip.NewWriter(&archive)
	for name, body := range map[string]string{"labels.txt": "cat\ndog\n", "notes.txt": strings.Repeat("x", 5000)} {
		// Stored, not deflated, so that the test can damage the text.
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		require.NoError(t, err)
		_, err = w.Write([]byte(body))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	m, err := tflite.Parse(append(data, archive.Bytes()...))
	require.NoError(t, err)
	files, err := m.AssociatedFiles()
	require.NoError(t, err)
	assert.Equal(t, map[string][]byte{"labels.txt": []byte("cat\ndog\n"), "notes.txt": []byte(strings.Repeat("x", 5000))}, files)

	// A damaged member is an error, not a silent empty file.
	withZip := append(data, archive.Bytes()...)
	i := bytes.Index(withZip, []byte("cat\ndog"))
	require.Positive(t, i)
	withZip[i] = 'b'
	m, err = tflite.Parse(withZip)
	require.NoError(t, err)
	_, err = m.AssociatedFiles()
	require.ErrorContains(t, err, `tflite: associated file "labels.txt"`)
}
