package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
)

// TestREADMEShowsThisProgram keeps README's library example and this
// compiled program the same text.
func TestREADMEShowsThisProgram(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	src, err := os.ReadFile("main.go")
	require.NoError(t, err)
	program := string(src[strings.Index(string(src), "package main"):])
	require.Contains(t, string(readme), "```go\n"+program+"```\n",
		"README.md's library example must be examples/quickstart/main.go from its package clause on")
}

func TestQuickstartFindsTheDogs(t *testing.T) {
	dir := t.TempDir()
	modelPath, photoPath := filepath.Join(dir, "ssd.tflite"), filepath.Join(dir, "dogs.jpg")
	require.NoError(t, os.WriteFile(modelPath, assets.DetectorModel, 0o644))
	require.NoError(t, os.WriteFile(photoPath, assets.DogsJPEG, 0o644))
	var out strings.Builder
	require.NoError(t, detect(&out, modelPath, photoPath))
	// The embedded photo shows two dogs, which the embedded detector finds.
	require.Equal(t, 2, strings.Count(out.String(), "dog "), out.String())

	require.Error(t, detect(&out, photoPath, photoPath), "a photo is not a model")
	require.Error(t, detect(&out, modelPath, modelPath), "a model is not a photo")
}
