package tflitetest

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/tflite"
)

// OpenFile writes data to a fresh temporary file and opens it with
// [tflite.Open], so that the model's weights are memory-mapped and closing
// it really unmaps them. It returns the model, closed at the end of the
// test, and the file's path.
func OpenFile(tb testing.TB, data []byte) (*tflite.Model, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "model.tflite")
	require.NoError(tb, os.WriteFile(path, data, 0o600))
	m, err := tflite.Open(path)
	require.NoError(tb, err)
	tb.Cleanup(func() { m.Close() })
	return m, path
}

// Mapped reports whether the file at path is memory-mapped into this
// process, as /proc/self/maps lists it. It skips tb where that file does
// not exist.
func Mapped(tb testing.TB, path string) bool {
	tb.Helper()
	if runtime.GOOS != "linux" {
		tb.Skip("needs /proc/self/maps")
	}
	maps, err := os.ReadFile("/proc/self/maps")
	require.NoError(tb, err)
	return bytes.Contains(maps, []byte(path))
}
