package tflite_test

import (
	"testing"

	"github.com/percept-robotics/percept/tflite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flexSmallMap is {"a": 7 (INT), "b": true (BOOL)} with one-byte widths,
// laid out by hand from the FlexBuffers format description.
var flexSmallMap = []byte{
	'a', 0, 'b', 0, // keys
	2, 5, 4, // keys vector: length 2, offsets back to 'a' (5) and 'b' (4)
	2, 1, 2, // map prefix: keys vector 2 bytes back, key width 1, length 2
	7, 1, // values (the map starts at offset 10)
	1 << 2, 26 << 2, // packed types: INT, BOOL (width bits 0)
	4, 9 << 2, 1, // root: offset 4 back to the map, type MAP of 1-byte values, root width 1
}

// flexWideMap is {"x": -3 (INT), "y": 2.5 (INDIRECT_FLOAT, 4 bytes),
// "z": 0.25 (FLOAT)} with 4-byte values and 1-byte keys.
var flexWideMap = []byte{
	'x', 0, 'y', 0, 'z', 0, // keys at 0, 2, 4
	3, 7, 6, 5, // keys vector at 7: length 3, offsets to 0, 2, 4
	0, 0, // padding
	0x00, 0x00, 0x20, 0x40, // 12: float32 2.5
	9, 0, 0, 0, // 16: keys vector 16-7 = 9 bytes back
	1, 0, 0, 0, // 20: key width 1
	3, 0, 0, 0, // 24: length 3
	0xfd, 0xff, 0xff, 0xff, // 28: x = -3
	20, 0, 0, 0, // 32: y: 32-12 = 20 bytes back to the float
	0x00, 0x00, 0x80, 0x3e, // 36: z = float32 0.25
	1 << 2, 8<<2 | 2, 3<<2 | 2, // 40: INT, INDIRECT_FLOAT (4 bytes), FLOAT (4 bytes)
	15, 9<<2 | 2, 1, // 43: root: 43-28 = 15 back, MAP of 4-byte values, width 1
}

func TestParseFlexMapHandBuilt(t *testing.T) {
	m, err := tflite.ParseFlexMap(flexSmallMap)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, m.Keys())
	v, ok := m.Int("a")
	assert.True(t, ok)
	assert.Equal(t, int64(7), v)
	f, ok := m.Float("a")
	assert.True(t, ok)
	assert.Equal(t, 7.0, f)
	b, ok := m.Bool("b")
	assert.True(t, ok)
	assert.True(t, b)
	v, ok = m.Int("b")
	assert.True(t, ok)
	assert.Equal(t, int64(1), v)
	_, ok = m.Float("b")
	assert.False(t, ok, "a boolean is not a float")
	_, ok = m.Int("missing")
	assert.False(t, ok)

	m, err = tflite.ParseFlexMap(flexWideMap)
	require.NoError(t, err)
	assert.Equal(t, []string{"x", "y", "z"}, m.Keys())
	v, ok = m.Int("x")
	assert.True(t, ok)
	assert.Equal(t, int64(-3), v)
	f, ok = m.Float("y")
	assert.True(t, ok)
	assert.Equal(t, 2.5, f)
	f, ok = m.Float("z")
	assert.True(t, ok)
	assert.Equal(t, 0.25, f)
	_, ok = m.Int("z")
	assert.False(t, ok, "0.25 is not a whole number")
	b, ok = m.Bool("x")
	assert.True(t, ok)
	assert.True(t, b)
}

func TestParseFlexMapRejectsMalformed(t *testing.T) {
	corrupt := func(b []byte, at int, v byte) []byte {
		c := append([]byte(nil), b...)
		c[at] = v
		return c
	}
	n := len(flexSmallMap)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "too short"},
		{"root width", corrupt(flexSmallMap, n-1, 3), "bad root width 3"},
		{"root not a map", corrupt(flexSmallMap, n-2, 1<<2), "root has type 1, want a map"},
		{"root offset", corrupt(flexSmallMap, n-3, 200), "points before the buffer"},
		{"map length", corrupt(flexSmallMap, 9, 250), "overruns"},
		{"key width", corrupt(flexSmallMap, 8, 3), "keys: bad width 3"},
		{"keys offset", corrupt(flexSmallMap, 7, 100), "keys: offset 100"},
		{"key count", corrupt(flexSmallMap, 4, 1), "1 keys for 2 values"},
		{"key offset", corrupt(flexSmallMap, 5, 60), "key 0: offset 60"},
		{"key unterminated", corrupt(corrupt(flexSmallMap, 1, 'x'), 3, 'x'), "key 0: key at offset 0 is not terminated"},
		{"indirect offset", corrupt(flexWideMap, 32, 200), `value "y": offset 200`},
		{"float width", corrupt(flexSmallMap, 12, 3<<2), `value "a": float of 1 bytes`},
		{"truncated", flexWideMap[:20], ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tflite.ParseFlexMap(tc.data)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestFlexMapOfDetectionPostProcess(t *testing.T) {
	for _, tc := range []struct {
		path          []string
		maxDetections int64
	}{
		{[]string{"detection", "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite"}, 10},
		{[]string{"detection", "mobilenet_ssd_v2_coco_quant_postprocess.tflite"}, 20},
	} {
		m, _ := readModel(t, tc.path...)
		var options []byte
		for _, op := range m.Subgraphs[0].Operators {
			if c := m.OperatorCodes[op.OpcodeIndex]; c.Builtin == tflite.OpCustom && c.CustomCode == "TFLite_Detection_PostProcess" {
				options = op.CustomOptions
			}
		}
		require.NotEmpty(t, options)
		fm, err := tflite.ParseFlexMap(options)
		require.NoError(t, err)
		for key, want := range map[string]int64{
			"max_detections": tc.maxDetections, "max_classes_per_detection": 1, "num_classes": 90,
		} {
			got, ok := fm.Int(key)
			assert.True(t, ok, key)
			assert.Equal(t, want, got, key)
		}
		for key, want := range map[string]float64{
			"y_scale": 10, "x_scale": 10, "h_scale": 5, "w_scale": 5,
			"nms_iou_threshold": 0.6, "nms_score_threshold": 1e-8,
		} {
			got, ok := fm.Float(key)
			assert.True(t, ok, key)
			assert.InEpsilon(t, want, got, 1e-6, key)
		}
		if _, present := fm.Bool("use_regular_nms"); present {
			regular, _ := fm.Bool("use_regular_nms")
			assert.False(t, regular)
		}
		assert.IsNonDecreasing(t, fm.Keys(), "FlexBuffers sorts map keys")
	}
}
