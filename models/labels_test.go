package models_test

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/tflite"
)

func TestParseLabelsLayouts(t *testing.T) {
	for _, c := range []struct {
		name, text string
		want       models.Labels
	}{
		{"one per line", "background\ncat\r\n dog \n\n", models.Labels{0: "background", 1: "cat", 2: "dog"}},
		{"blank in the middle", "cat\n\ndog", models.Labels{0: "cat", 1: "", 2: "dog"}},
		{"prefixed", "0  person\n17 dog\n\n90   tooth brush\n", models.Labels{0: "person", 17: "dog", 90: "tooth brush"}},
		{"not all prefixed", "1 cat\ndog\n", models.Labels{0: "1 cat", 1: "dog"}},
		{"a number alone is a label", "7\n8\n", models.Labels{0: "7", 1: "8"}},
		{"empty", "", models.Labels{}},
		{"newlines only", "\n\n\n", models.Labels{}},
	} {
		got, err := models.ParseLabels([]byte(c.text))
		require.NoError(t, err, c.name)
		assert.Equal(t, c.want, got, c.name)
	}
}

func TestParseLabelsBounds(t *testing.T) {
	// At the line limit, with and without the last newline.
	at := bytes.Repeat([]byte("x\n"), models.MaxLabels)
	labels, err := models.ParseLabels(at)
	require.NoError(t, err)
	assert.Len(t, labels, models.MaxLabels)
	labels, err = models.ParseLabels(at[:len(at)-1])
	require.NoError(t, err)
	assert.Len(t, labels, models.MaxLabels)
	assert.Equal(t, "x", labels[models.MaxLabels-1])

	// One line more, whether or not it ends in a newline.
	_, err = models.ParseLabels(append(at, 'y'))
	require.EqualError(t, err, "labels: 131073 lines, above the limit of 131072")
	_, err = models.ParseLabels(append(at, '\n'))
	require.EqualError(t, err, "labels: 131073 lines, above the limit of 131072")

	// A single line as long as the size limit is fine; one byte more is not.
	long := bytes.Repeat([]byte("a"), models.MaxLabelsSize)
	labels, err = models.ParseLabels(long)
	require.NoError(t, err)
	assert.Len(t, labels[0], models.MaxLabelsSize)
	_, err = models.ParseLabels(append(long, 'a'))
	require.EqualError(t, err, "labels: 4194305 bytes, above the limit of 4194304")
}

func TestLoadLabelsBounds(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "labels.txt")
	require.NoError(t, os.WriteFile(path, []byte("cat\ndog\n"), 0o644))
	labels, err := models.LoadLabels(path)
	require.NoError(t, err)
	assert.Equal(t, models.Labels{0: "cat", 1: "dog"}, labels)

	// A sparse 1 GiB file is refused from its size, without reading it.
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(1<<30))
	require.NoError(t, f.Close())
	before := totalAlloc()
	_, err = models.LoadLabels(path)
	require.ErrorContains(t, err, "1073741824 bytes, above the limit of 4194304")
	assert.Less(t, totalAlloc()-before, uint64(1<<20))

	// Too many lines names the file.
	require.NoError(t, os.WriteFile(path, bytes.Repeat([]byte{'\n'}, models.MaxLabels+1), 0o644))
	_, err = models.LoadLabels(path)
	require.ErrorContains(t, err, "labels: 131073 lines, above the limit of 131072 ("+path+")")
}

// labelBomb returns the embedded SSD model with an archive appended whose
// labelmap.txt (the label file the metadata names) is n newlines, deflated
// to a few kilobytes. The last archive in a file is the one readers find.
func labelBomb(t testing.TB, n int) []byte {
	var archive bytes.Buffer
	zw := zip.NewWriter(&archive)
	zw.SetOffset(int64(len(assets.DetectorModel)))
	w, err := zw.Create("labelmap.txt")
	require.NoError(t, err)
	_, err = w.Write(bytes.Repeat([]byte{'\n'}, n))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	require.Less(t, archive.Len(), 1+n/256, "the member deflates")
	return append(bytes.Clone(assets.DetectorModel), archive.Bytes()...)
}

func totalAlloc() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.TotalAlloc
}

// TestLabelBomb is issue 17's label bomb: a 16 KB zip member of 16 MiB of
// newlines made NewDetector take 13 to 27 s and 1.3 GB. Now the member is
// refused after inflating at most MaxLabelsSize+1 bytes, and a smaller bomb
// (4 MiB, within the size limit) by its line count before any label is
// stored.
func TestLabelBomb(t *testing.T) {
	for _, c := range []struct {
		newlines int
		want     string
	}{
		{16 << 20, `models: detector: tflite: associated file "labelmap.txt": above the limit of 4194304 bytes`},
		{4 << 20, `models: detector: labels: 4194304 lines, above the limit of 131072 (associated file "labelmap.txt")`},
	} {
		m, err := tflite.Parse(labelBomb(t, c.newlines))
		require.NoError(t, err)
		before, start := totalAlloc(), time.Now()
		d, err := models.NewDetector(m, nil)
		elapsed, allocated := time.Since(start), totalAlloc()-before
		require.Nil(t, d)
		require.EqualError(t, err, c.want)
		t.Logf("%d newlines: refused in %v, %.1f MiB allocated", c.newlines, elapsed, float64(allocated)/(1<<20))
		// Inflating the member, one copy of it and the model's metadata:
		// well under what one map entry per line used to cost (1.3 GB).
		assert.Less(t, allocated, uint64(32<<20), "%d newlines", c.newlines)
		require.NoError(t, m.Close())
	}
}

// FuzzParseLabels checks that any file parses without panicking, within
// its bounds, into labels that a line of the file names.
func FuzzParseLabels(f *testing.F) {
	f.Add([]byte("0  person\n17 dog\n"))
	f.Add([]byte("background\r\ncat\n\n dog \n"))
	f.Add([]byte("\n\n\n"))
	m, err := tflite.Parse(assets.DetectorModel)
	require.NoError(f, err)
	if data, err := m.AssociatedFile("labelmap.txt", models.MaxLabelsSize); err == nil {
		f.Add(data)
	}
	if root := testmodels.Root(); root != "" {
		files, err := filepath.Glob(filepath.Join(root, "*", "*labels*.txt"))
		require.NoError(f, err)
		for _, path := range files {
			data, err := os.ReadFile(path)
			require.NoError(f, err)
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		labels, err := models.ParseLabels(data)
		if err != nil {
			require.Nil(t, labels)
			return
		}
		lines := bytes.Count(data, []byte{'\n'}) + 1
		require.LessOrEqual(t, len(labels), lines)
		for i, name := range labels {
			require.NotContains(t, name, "\n", "label %d", i)
			require.Equal(t, strings.TrimFunc(name, unicode.IsSpace), name, "label %d", i)
			require.Contains(t, string(data), name, "label %d", i)
		}
	})
}
