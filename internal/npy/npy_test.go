package npy

import (
	"bytes"
	"encoding/binary"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/testmodels"
)

// npyFile builds a file by hand: magic, version, header length, header and
// data, independently of Write.
func npyFile(major byte, header string, data []byte) []byte {
	b := []byte("\x93NUMPY")
	b = append(b, major, 0)
	if major == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(header)))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(header)))
	}
	b = append(b, header...)
	return append(b, data...)
}

func TestReadVersion1(t *testing.T) {
	data := make([]byte, 0, 12)
	for _, v := range []float32{1.5, -2, 0.25} {
		data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v))
	}
	f := npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }     \n", data)
	a, err := Read(bytes.NewReader(f))
	require.NoError(t, err)
	assert.Equal(t, "<f4", a.DType)
	assert.Equal(t, []int{3}, a.Shape)
	v, err := a.Float32s()
	require.NoError(t, err)
	assert.Equal(t, []float32{1.5, -2, 0.25}, v)
	_, err = a.Uint8s()
	assert.ErrorContains(t, err, "dtype <f4")
}

func TestReadVersion2AndScalar(t *testing.T) {
	f := npyFile(2, `{"shape": (), "fortran_order": False, "descr": "<i4"}`+"\n", []byte{0xfe, 0xff, 0xff, 0xff})
	a, err := Read(bytes.NewReader(f))
	require.NoError(t, err)
	assert.Equal(t, []int{}, a.Shape)
	v, err := a.Int32s()
	require.NoError(t, err)
	assert.Equal(t, []int32{-2}, v)
}

func TestReadLeavesFollowingBytes(t *testing.T) {
	f := npyFile(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 1), }\n", []byte{7, 9})
	r := bytes.NewReader(append(f, 42))
	a, err := Read(r)
	require.NoError(t, err)
	assert.Equal(t, []byte{7, 9}, a.Data)
	assert.Equal(t, 1, r.Len(), "Read must stop at the end of the array")
}

func TestWriteLayout(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, &Array{DType: "|i1", Shape: []int{2, 2}, Data: []byte{1, 0xff, 3, 4}}))
	b := buf.Bytes()
	// 10 prefix bytes + a 60-byte dict + newline round up to 128.
	require.Equal(t, 128+4, len(b), "header padded to 64 bytes as NumPy does")
	assert.Equal(t, "\x93NUMPY\x01\x00", string(b[:8]))
	assert.Equal(t, uint16(128-10), binary.LittleEndian.Uint16(b[8:10]))
	header := string(b[10:128])
	assert.True(t, strings.HasPrefix(header, "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 2), }"), header)
	assert.Equal(t, byte('\n'), b[127])
	assert.Equal(t, byte(' '), b[126])
	a, err := Read(bytes.NewReader(b))
	require.NoError(t, err)
	v, err := a.Int8s()
	require.NoError(t, err)
	assert.Equal(t, []int8{1, -1, 3, 4}, v)
}

func TestRoundTrip(t *testing.T) {
	cases := []*Array{
		{DType: "<f4", Shape: []int{1, 2, 2}, Data: make([]byte, 16)},
		{DType: "|u1", Shape: []int{5}, Data: []byte{1, 2, 3, 4, 5}},
		{DType: "<i8", Shape: []int{0, 3}, Data: []byte{}},
		{DType: "<f2", Shape: []int{}, Data: []byte{0, 0x3c}},
		{DType: "<f8", Shape: []int{1, 1, 1, 1, 1, 1, 1, 1}, Data: make([]byte, 8)},
		{DType: "|b1", Shape: []int{3}, Data: []byte{1, 0, 1}},
		{DType: "<i4", Shape: []int{300, 1}, Data: make([]byte, 1200)},
	}
	for _, want := range cases {
		var buf bytes.Buffer
		require.NoError(t, Write(&buf, want))
		assert.Zero(t, (buf.Len()-len(want.Data))%64, "data starts 64-byte aligned")
		got, err := Read(&buf)
		require.NoError(t, err, "%s %v", want.DType, want.Shape)
		assert.Equal(t, want.DType, got.DType)
		assert.Equal(t, want.Shape, got.Shape)
		assert.Equal(t, want.Data, got.Data)
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	want := &Array{DType: "<i4", Shape: []int{2}, Data: []byte{1, 0, 0, 0, 2, 0, 0, 0}}
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, want))
	path := filepath.Join(dir, "a.npy")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))
	got, err := ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, want, got)

	_, err = ReadFile(filepath.Join(dir, "missing.npy"))
	require.ErrorIs(t, err, fs.ErrNotExist)
	assert.Contains(t, err.Error(), "missing.npy")

	require.NoError(t, os.WriteFile(path, buf.Bytes()[:buf.Len()-1], 0o600))
	_, err = ReadFile(path)
	require.Error(t, err)
	assert.Equal(t, path+": npy: data is 7 bytes, but dtype <i4 and shape [2] need 8", err.Error())
}

func TestWriteRejects(t *testing.T) {
	var buf bytes.Buffer
	assert.ErrorContains(t, Write(&buf, &Array{DType: ">f4", Shape: []int{1}, Data: make([]byte, 4)}), "dtype")
	assert.ErrorContains(t, Write(&buf, &Array{DType: "<f4", Shape: []int{2}, Data: make([]byte, 4)}), "need 8")
	assert.ErrorContains(t, Write(&buf, &Array{DType: "<f4", Shape: []int{-1}}), "negative")
}

func TestReadRejects(t *testing.T) {
	const ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n"
	cases := map[string][]byte{
		"bad magic":         append([]byte("\x93NUMPZ\x01\x00"), 0, 0),
		"short":             []byte("\x93NUM"),
		"version 3":         npyFile(3, ok, make([]byte, 8)),
		"short header":      npyFile(1, ok, nil)[:20],
		"short data":        npyFile(1, ok, make([]byte, 7)),
		"fortran":           npyFile(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }\n", make([]byte, 8)),
		"big endian":        npyFile(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }\n", make([]byte, 8)),
		"object dtype":      npyFile(1, "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }\n", make([]byte, 8)),
		"missing shape":     npyFile(1, "{'descr': '<f4', 'fortran_order': False}\n", make([]byte, 8)),
		"unknown key":       npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}\n", nil),
		"negative dim":      npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }\n", nil),
		"float dim":         npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2.0,), }\n", nil),
		"unterminated":      npyFile(1, "{'descr': '<f4, 'fortran_order': False, 'shape': (2,), }\n", nil),
		"no brace":          npyFile(1, "'descr': '<f4'\n", nil),
		"trailing":          npyFile(1, ok[:len(ok)-1]+"x\n", make([]byte, 8)),
		"huge shape":        npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }\n", nil),
		"huge dim":          npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,), }\n", nil),
		"huge but no data":  npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }\n", make([]byte, 16)),
		"huge v2 header":    append([]byte("\x93NUMPY\x02\x00"), 0xff, 0xff, 0xff, 0x7f),
		"bad fortran value": npyFile(1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }\n", make([]byte, 8)),
	}
	for name, f := range cases {
		a, err := Read(bytes.NewReader(f))
		assert.Error(t, err, name)
		assert.Nil(t, a, name)
	}
}

// TestReadReferences reads every .npy of the shared reference outputs and
// checks that dtypes and shapes are the ones their models produce.
func TestReadReferences(t *testing.T) {
	root := testmodels.Path(t, "reference")
	count := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".npy" {
			return err
		}
		a, err := ReadFile(path)
		require.NoError(t, err)
		require.Contains(t, []string{"<f4", "|u1", "|i1"}, a.DType, path)
		require.NotEmpty(t, a.Shape, path)
		assert.Equal(t, 1, a.Shape[0], "%s: batch of one", path)
		size, err := dataSize(a.DType, a.Shape)
		require.NoError(t, err)
		assert.Len(t, a.Data, size, path)
		if strings.HasSuffix(path, ".input.npy") {
			assert.Len(t, a.Shape, 4, "%s: NHWC input", path)
		}
		if a.DType == "<f4" {
			v, err := a.Float32s()
			require.NoError(t, err)
			for _, x := range v {
				require.False(t, math.IsNaN(float64(x)) || math.IsInf(float64(x), 0), "%s holds %v", path, x)
			}
		}
		count++
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, count, 100)
}

// TestReadDetectionReference checks one SSD reference output by content:
// the count is a whole number within the 10 slots and scores are sorted.
func TestReadDetectionReference(t *testing.T) {
	dir := testmodels.Path(t, "reference", "armnn", "coco_ssd_mobilenet_v1_quant")
	read := func(name string) *Array {
		a, err := ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		return a
	}
	boxes := read("burger.output_0.npy")
	assert.Equal(t, []int{1, 10, 4}, boxes.Shape)
	scores, err := read("burger.output_2.npy").Float32s()
	require.NoError(t, err)
	count, err := read("burger.output_3.npy").Float32s()
	require.NoError(t, err)
	require.Len(t, count, 1)
	n := int(count[0])
	assert.Equal(t, float32(n), count[0])
	assert.True(t, n >= 0 && n <= 10)
	for i := 1; i < n; i++ {
		assert.GreaterOrEqual(t, scores[i-1], scores[i])
	}
}

func FuzzRead(f *testing.F) {
	f.Add(npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n", make([]byte, 8)))
	f.Add(npyFile(2, "{'descr': '|u1', 'fortran_order': False, 'shape': (), }\n", []byte{1}))
	f.Add(npyFile(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (1, 2, 3), }\n", make([]byte, 48)))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Read(bytes.NewReader(b))
		if err != nil {
			return
		}
		size, err := dataSize(a.DType, a.Shape)
		if err != nil || size != len(a.Data) {
			t.Fatalf("accepted an inconsistent array: %s %v with %d bytes", a.DType, a.Shape, len(a.Data))
		}
		var buf bytes.Buffer
		if err := Write(&buf, a); err != nil {
			if strings.Contains(err.Error(), "does not fit format version 1.0") {
				return
			}
			t.Fatalf("cannot write back what was read: %v", err)
		}
		back, err := Read(&buf)
		if err != nil || !bytes.Equal(back.Data, a.Data) || back.DType != a.DType {
			t.Fatalf("round trip failed: %v", err)
		}
	})
}
