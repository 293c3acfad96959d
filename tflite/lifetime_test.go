package tflite_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/tflitetest"
	"github.com/percept-robotics/percept/tflite"
)

// writeModel writes the embedded classifier to a fresh file and returns
// its path.
func writeModel(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "classifier.tflite")
	require.NoError(t, os.WriteFile(path, assets.ClassifierModel, 0o600))
	return path
}

// checkClosed checks that every method of a closed model reports it.
func checkClosed(t *testing.T, m *tflite.Model) {
	t.Helper()
	_, err := m.ReadMetadata()
	require.ErrorIs(t, err, tflite.ErrClosed)
	_, err = m.AssociatedFiles()
	require.ErrorIs(t, err, tflite.ErrClosed)
	assert.Nil(t, m.Bytes())
	release, err := m.Acquire()
	require.ErrorIs(t, err, tflite.ErrClosed)
	assert.Equal(t, "tflite: model already closed", err.Error())
	require.NotNil(t, release, "release is never nil")
	release()
	require.NoError(t, m.Close(), "a second Close")
}

func TestParsedModelCloseThenUse(t *testing.T) {
	m, err := tflite.Parse(bytes.Clone(assets.ClassifierModel))
	require.NoError(t, err)
	files, err := m.AssociatedFiles()
	require.NoError(t, err)
	require.Contains(t, files, "labels.txt")
	require.NoError(t, m.Close())
	checkClosed(t, m)
	for i, b := range m.Buffers {
		assert.Nil(t, b.Data, "buffer %d after the last hold is gone", i)
	}
	assert.NotEmpty(t, m.Subgraphs[0].Tensors[0].Shape, "metadata fields stay readable")
}

// TestModelBuiltByHandFollowsTheRule: a Model written as a struct literal
// (as tests of other packages do) has the same lifetime as a parsed one.
func TestModelBuiltByHandFollowsTheRule(t *testing.T) {
	m := &tflite.Model{Buffers: []tflite.Buffer{{}, {Data: []byte{1, 2, 3, 4}}}}
	release, err := m.Acquire()
	require.NoError(t, err)
	require.NoError(t, m.Close())
	assert.Equal(t, []byte{1, 2, 3, 4}, m.Buffers[1].Data, "held")
	release()
	assert.Nil(t, m.Buffers[1].Data)
	checkClosed(t, m)
}

// TestHoldKeepsTheMapAlive: a hold taken before Close keeps the map and
// its data valid; the map goes when the last hold is released, whatever
// the order, and releasing twice counts once.
func TestHoldKeepsTheMapAlive(t *testing.T) {
	for _, order := range []string{"close first", "release first"} {
		t.Run(order, func(t *testing.T) {
			path := writeModel(t)
			m, err := tflite.Open(path)
			require.NoError(t, err)
			require.True(t, tflitetest.Mapped(t, path))
			weights := m.Buffers[m.Subgraphs[0].Tensors[m.Subgraphs[0].Operators[0].Inputs[1]].Buffer].Data
			want := bytes.Clone(weights)
			require.NotEmpty(t, want)

			first, err := m.Acquire()
			require.NoError(t, err)
			second, err := m.Acquire()
			require.NoError(t, err)
			if order == "close first" {
				require.NoError(t, m.Close())
				checkClosed(t, m)
				first()
				first() // idempotent: must not drop second's hold
				require.True(t, tflitetest.Mapped(t, path), "second still holds the map")
				assert.Equal(t, want, weights, "the weights are readable while held")
				second()
			} else {
				first()
				second()
				second()
				require.True(t, tflitetest.Mapped(t, path), "the model's own hold remains")
				assert.Equal(t, bytes.Clone(assets.ClassifierModel), m.Bytes())
				require.NoError(t, m.Close())
				checkClosed(t, m)
			}
			assert.False(t, tflitetest.Mapped(t, path), "the map is gone after the last hold")
			assert.Nil(t, m.Bytes())
		})
	}
}

// TestHoldsAcrossGoroutines takes and releases holds from many goroutines
// while the model is closed (run under -race): the map survives while any
// hold is taken and goes with the last.
func TestHoldsAcrossGoroutines(t *testing.T) {
	path := writeModel(t)
	m, err := tflite.Open(path)
	require.NoError(t, err)
	keep, err := m.Acquire()
	require.NoError(t, err)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for range 100 {
				release, err := m.Acquire()
				if err != nil {
					assert.ErrorIs(t, err, tflite.ErrClosed)
					continue
				}
				if _, err := m.ReadMetadata(); err != nil {
					assert.ErrorIs(t, err, tflite.ErrClosed, "goroutine %d", g)
				}
				release()
				release()
			}
		})
	}
	require.NoError(t, m.Close())
	wg.Wait()
	require.True(t, tflitetest.Mapped(t, path), "keep still holds the map")
	keep()
	assert.False(t, tflitetest.Mapped(t, path))
}

func TestOpenRefusesDirectoriesAndOtherFiles(t *testing.T) {
	dir := t.TempDir()
	_, err := tflite.Open(dir)
	require.Error(t, err)
	assert.Equal(t, "tflite: "+dir+": is a directory", err.Error())

	photo := filepath.Join(dir, "photo.jpg")
	require.NoError(t, os.WriteFile(photo, assets.BurgerJPEG, 0o600))
	_, err = tflite.Open(photo)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a TFLite model (no TFL3 identifier)")
	assert.True(t, strings.HasSuffix(err.Error(), "(in "+photo+")"), err.Error())
}
