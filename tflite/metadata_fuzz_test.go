package tflite_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/internal/tflitetest"
	"github.com/percept-robotics/percept/tflite"
)

// withMetadata returns the small test model with metadata as its
// TFLITE_METADATA buffer, then archive appended.
func withMetadata(metadata, archive []byte) []byte {
	model, _, _ := testModel()
	model[4] = []tflitetest.Table{{}, {[]byte{1, 255}}, {metadata}}
	model = append(model, nil, []tflitetest.Table{{"min_runtime_version", uint32(0)}, {tflite.MetadataName, uint32(2)}})
	data := tflitetest.Encode(model, "TFL3")
	return append(data, archive...)
}

// zipOf builds an archive of the members, deflated, in the order given.
func zipOf(tb testing.TB, offset int, members ...string) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	zw.SetOffset(int64(offset))
	for i := 0; i+1 < len(members); i += 2 {
		w, err := zw.Create(members[i])
		require.NoError(tb, err)
		_, err = w.Write([]byte(members[i+1]))
		require.NoError(tb, err)
	}
	require.NoError(tb, zw.Close())
	return b.Bytes()
}

// labelsMetadata is metadata whose one output names file as its labels.
func labelsMetadata(file string, kind tflite.AssociatedFileType) []byte {
	return tflitetest.Encode(tflitetest.Table{
		"m", nil, nil,
		[]tflitetest.Table{{"sub", nil, nil,
			[]tflitetest.Table{{"out", nil, nil, nil, nil, nil, []tflitetest.Table{{file, nil, int8(kind)}}}},
		}},
	}, "M001")
}

// sharedStrings builds metadata whose n input tensors all name the same
// string of size bytes, and pad bytes that nothing refers to: a small
// buffer that would copy n×size bytes.
func sharedStrings(n, size, pad int) []byte {
	b := flatbuffers.NewBuilder(size + pad + 64*n)
	b.CreateByteVector(make([]byte, pad))
	s := b.CreateString(strings.Repeat("s", size))
	tensors := make([]flatbuffers.UOffsetT, n)
	for i := range tensors {
		b.StartObject(1)
		b.PrependUOffsetTSlot(0, s, 0)
		tensors[i] = b.EndObject()
	}
	b.StartVector(4, n, 4)
	for i := n - 1; i >= 0; i-- {
		b.PrependUOffsetT(tensors[i])
	}
	vec := b.EndVector(n)
	b.StartObject(3)
	b.PrependUOffsetTSlot(2, vec, 0)
	sub := b.EndObject()
	b.StartVector(4, 1, 4)
	b.PrependUOffsetT(sub)
	subs := b.EndVector(1)
	b.StartObject(4)
	b.PrependUOffsetTSlot(3, subs, 0)
	b.Finish(b.EndObject())
	return b.FinishedBytes()
}

func TestMetadataStringBounds(t *testing.T) {
	// A 64 KiB description is read; one byte more is not.
	for _, c := range []struct {
		size int
		err  string
	}{
		{64 << 10, ""},
		{64<<10 + 1, "description: a 65537-byte string, above the limit of 65536 for a metadata string"},
	} {
		metadata := tflitetest.Encode(tflitetest.Table{"m", strings.Repeat("d", c.size)}, "M001")
		m, err := tflite.Parse(withMetadata(metadata, nil))
		require.NoError(t, err)
		md, err := m.ReadMetadata()
		if c.err == "" {
			require.NoError(t, err)
			assert.Len(t, md.Description, c.size)
		} else {
			require.ErrorContains(t, err, c.err)
		}
	}

	// A string shared by many tables counts once per table: 64 copies of
	// 64 KiB are the limit, 65 are over it, found before they are copied.
	// In a buffer of 80 KiB, the decoder's budget for work (proportional
	// to the buffer's size) stops them sooner.
	for _, c := range []struct {
		n, pad int
		err    string
	}{
		{64, 256 << 10, ""},
		{65, 256 << 10, "the metadata's strings exceed 4194304 bytes in all"},
		{64, 0, "file references more data than it holds (shared or cyclic objects)"},
	} {
		metadata := sharedStrings(c.n, 64<<10, c.pad)
		require.Less(t, len(metadata), c.pad+80<<10)
		m, err := tflite.Parse(withMetadata(metadata, nil))
		require.NoError(t, err)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		md, err := m.ReadMetadata()
		runtime.ReadMemStats(&after)
		if c.err == "" {
			require.NoError(t, err)
			require.Len(t, md.SubgraphMetadata[0].InputTensorMetadata, c.n)
		} else {
			require.ErrorContains(t, err, c.err)
			assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(5<<20))
		}
	}

	// The dimension names are bounded in the same way.
	metadata := tflitetest.Encode(tflitetest.Table{"m", nil, nil,
		[]tflitetest.Table{{"sub", nil, []tflitetest.Table{{"in", nil, []string{"batch", strings.Repeat("h", 64<<10+1)}}}}},
	}, "M001")
	m, err := tflite.Parse(withMetadata(metadata, nil))
	require.NoError(t, err)
	_, err = m.ReadMetadata()
	require.ErrorContains(t, err, "dimension name 1: a 65537-byte string, above the limit")

	// A metadata buffer over 4 MiB is refused whole.
	m, err = tflite.Parse(withMetadata(make([]byte, 4<<20+1), nil))
	require.NoError(t, err)
	_, err = m.ReadMetadata()
	require.EqualError(t, err, "tflite: metadata in buffer 2: 4194305 bytes, above the limit of 4194304")
}

func TestAssociatedFileBounds(t *testing.T) {
	assert.Equal(t, int64(4<<20), tflite.AssociatedFileLimit(tflite.AssociatedFileTensorAxisLabels))
	assert.Equal(t, int64(4<<20), tflite.AssociatedFileLimit(tflite.AssociatedFileTensorValueLabels))
	assert.Equal(t, int64(1<<20), tflite.AssociatedFileLimit(tflite.AssociatedFileDescriptions))
	assert.Equal(t, int64(16<<20), tflite.AssociatedFileLimit(tflite.AssociatedFileVocabulary))
	assert.Equal(t, int64(16<<20), tflite.AssociatedFileLimit(tflite.AssociatedFileUnknown))
	assert.Equal(t, int64(16<<20), tflite.AssociatedFileLimit(42))
	assert.Equal(t, int64(64<<20), tflite.AssociatedFileLimit(tflite.AssociatedFileScannIndexFile))

	build := func(metadata []byte, members ...string) *tflite.Model {
		base := withMetadata(metadata, nil)
		m, err := tflite.Parse(append(base, zipOf(t, len(base), members...)...))
		require.NoError(t, err)
		return m
	}
	metadata := labelsMetadata("labels.txt", tflite.AssociatedFileTensorAxisLabels)
	atLimit := strings.Repeat("\n", 4<<20)

	// The label file at its limit, an unnamed member far over it.
	m := build(metadata, "labels.txt", atLimit, "other.bin", atLimit+atLimit)
	files, err := m.AssociatedFiles()
	require.NoError(t, err)
	assert.Len(t, files["labels.txt"], 4<<20)
	assert.Len(t, files["other.bin"], 8<<20)
	names, err := m.AssociatedFileNames()
	require.NoError(t, err)
	assert.Equal(t, []string{"labels.txt", "other.bin"}, names)

	// One byte over the label limit: the type is in the error.
	m = build(metadata, "labels.txt", atLimit+"\n")
	_, err = m.AssociatedFiles()
	require.EqualError(t, err, `tflite: associated file "labels.txt": above the limit of 4194304 bytes for a TENSOR_AXIS_LABELS file`)
	_, err = m.AssociatedFile("labels.txt", 4<<20)
	require.EqualError(t, err, `tflite: associated file "labels.txt": above the limit of 4194304 bytes`)
	data, err := m.AssociatedFile("labels.txt", 5<<20)
	require.NoError(t, err)
	assert.Len(t, data, 4<<20+1)

	// Absent members and absent archives wrap fs.ErrNotExist.
	_, err = m.AssociatedFile("nope.txt", 100)
	require.ErrorIs(t, err, fs.ErrNotExist)
	bare, err := tflite.Parse(withMetadata(metadata, nil))
	require.NoError(t, err)
	_, err = bare.AssociatedFile("labels.txt", 100)
	require.ErrorIs(t, err, fs.ErrNotExist)
	names, err = bare.AssociatedFileNames()
	require.NoError(t, err)
	assert.Nil(t, names)

	// All members together: four 16 MiB unnamed members fit, a fifth
	// byte does not.
	big := strings.Repeat("x", 16<<20)
	m = build(nil, "a", big, "b", big, "c", big, "d", big, "e", "!")
	_, err = m.AssociatedFiles()
	require.EqualError(t, err, `tflite: associated file "e": the associated files exceed 67108864 bytes in all`)

	// Too many members.
	many := make([]string, 0, 2*1025)
	for i := range 1025 {
		many = append(many, strings.Repeat("n", 1+i%7)+string(rune('a'+i%26))+strings.Repeat("z", i/26), "")
	}
	m = build(nil, many...)
	_, err = m.AssociatedFileNames()
	require.EqualError(t, err, "tflite: associated files: 1025 members, above the limit of 1024")

	// After Close.
	require.NoError(t, m.Close())
	_, err = m.AssociatedFile("a", 1)
	require.ErrorIs(t, err, tflite.ErrClosed)
	_, err = m.AssociatedFileNames()
	require.ErrorIs(t, err, tflite.ErrClosed)
}

// TestAssociatedFileDeclaredSizeLies checks a member whose headers claim a
// small size but which inflates to far more: reading stops early.
func TestAssociatedFileDeclaredSizeLies(t *testing.T) {
	base := withMetadata(labelsMetadata("labels.txt", tflite.AssociatedFileTensorAxisLabels), nil)
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	zw.SetOffset(int64(len(base)))
	body := bytes.Repeat([]byte{'\n'}, 64<<20)
	// A raw member with a deflated body and headers that claim 10 bytes.
	var deflated bytes.Buffer
	fw := zip.NewWriter(&deflated)
	w, err := fw.Create("x")
	require.NoError(t, err)
	_, err = w.Write(body)
	require.NoError(t, err)
	require.NoError(t, fw.Close())
	zr, err := zip.NewReader(bytes.NewReader(deflated.Bytes()), int64(deflated.Len()))
	require.NoError(t, err)
	raw, err := zr.File[0].OpenRaw()
	require.NoError(t, err)
	hdr := zr.File[0].FileHeader
	hdr.Name, hdr.UncompressedSize64 = "labels.txt", 10
	rw, err := zw.CreateRaw(&hdr)
	require.NoError(t, err)
	_, err = io.Copy(rw, raw)
	require.NoError(t, err)
	require.NoError(t, zw.Close())

	m, err := tflite.Parse(append(base, b.Bytes()...))
	require.NoError(t, err)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = m.AssociatedFiles()
	runtime.ReadMemStats(&after)
	// Go's zip reader stops at the declared size ("not a valid zip
	// file"); the limit would stop it otherwise.
	require.ErrorContains(t, err, `tflite: associated file "labels.txt": zip: not a valid zip file`)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(16<<20))
}

// realMetadata returns the metadata buffers and archives of the real
// models, the seeds of the fuzz targets.
func realMetadata(tb testing.TB) (metadata, archives [][]byte) {
	metadata = append(metadata, labelsMetadata("labels.txt", tflite.AssociatedFileTensorValueLabels), sharedStrings(3, 5, 0))
	archives = append(archives, zipOf(tb, 0, "labels.txt", "cat\ndog\n", "notes.txt", "x"))
	root := testmodels.Root()
	if root == "" {
		return metadata, archives
	}
	files, err := filepath.Glob(filepath.Join(root, "*", "*.tflite"))
	require.NoError(tb, err)
	for _, path := range files {
		data, err := os.ReadFile(path)
		require.NoError(tb, err)
		m, err := tflite.Parse(data)
		require.NoError(tb, err)
		for _, e := range m.Metadata {
			if e.Name == tflite.MetadataName {
				metadata = append(metadata, bytes.Clone(m.Buffers[e.Buffer].Data))
			}
		}
		if archive := rebuilt(tb, data); archive != nil {
			archives = append(archives, archive)
		}
		require.NoError(tb, m.Close())
	}
	return metadata, archives
}

// rebuilt returns the archive at the end of a model file as an archive of
// its own, the members' compressed bytes as they were; nil when there is
// none.
func rebuilt(tb testing.TB, data []byte) []byte {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range zr.File {
		hdr := f.FileHeader
		w, err := zw.CreateRaw(&hdr)
		require.NoError(tb, err)
		r, err := f.OpenRaw()
		require.NoError(tb, err)
		_, err = io.Copy(w, r)
		require.NoError(tb, err)
	}
	require.NoError(tb, zw.Close())
	return b.Bytes()
}

// FuzzMetadata reads any metadata buffer: no panic, and what it returns
// stays within the bounds.
func FuzzMetadata(f *testing.F) {
	metadata, _ := realMetadata(f)
	for _, md := range metadata {
		f.Add(md)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := tflite.Parse(withMetadata(data, nil))
		if err != nil {
			return // a buffer the model's own parser refuses
		}
		md, err := m.ReadMetadata()
		if err != nil {
			require.Nil(t, md)
			return
		}
		total := 0
		check := func(s string) {
			require.LessOrEqual(t, len(s), 64<<10)
			total += len(s)
		}
		for _, s := range []string{md.Name, md.Description, md.Version, md.Author, md.License, md.MinParserVersion} {
			check(s)
		}
		for _, sg := range md.SubgraphMetadata {
			check(sg.Name)
			check(sg.Description)
			for _, tm := range slices.Concat(sg.InputTensorMetadata, sg.OutputTensorMetadata) {
				check(tm.Name)
				check(tm.Description)
				for _, s := range tm.DimensionNames {
					check(s)
				}
				for _, af := range tm.AssociatedFiles {
					check(af.Name)
				}
			}
		}
		require.LessOrEqual(t, total, 4<<20)
	})
}

// FuzzAssociatedFiles reads any archive appended to a model with label
// metadata: no panic, every member within its limit, and AssociatedFile
// agreeing with AssociatedFiles.
func FuzzAssociatedFiles(f *testing.F) {
	_, archives := realMetadata(f)
	for _, a := range archives {
		f.Add(a)
	}
	base := withMetadata(labelsMetadata("labels.txt", tflite.AssociatedFileTensorAxisLabels), nil)
	f.Fuzz(func(t *testing.T, archive []byte) {
		m, err := tflite.Parse(append(bytes.Clone(base), archive...))
		if err != nil {
			return
		}
		names, err := m.AssociatedFileNames()
		if err != nil {
			return
		}
		require.LessOrEqual(t, len(names), 1024)
		files, ferr := m.AssociatedFiles()
		total := 0
		for name, data := range files {
			limit := tflite.AssociatedFileLimit(tflite.AssociatedFileUnknown)
			if name == "labels.txt" {
				limit = tflite.AssociatedFileLimit(tflite.AssociatedFileTensorAxisLabels)
			}
			require.LessOrEqual(t, int64(len(data)), limit, name)
			total += len(data)
		}
		require.LessOrEqual(t, total, 64<<20)
		for _, name := range names {
			data, err := m.AssociatedFile(name, 1<<20)
			if err != nil {
				require.False(t, errors.Is(err, fs.ErrNotExist), "%q is listed", name)
				continue
			}
			if ferr == nil {
				require.Equal(t, files[name], data, name)
			}
		}
	})
}
