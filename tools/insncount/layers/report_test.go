package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeLog writes a counting run's log to a file in dir and returns its
// path.
func writeLog(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

const layerLines = `layer 0 stem CONV_2D 1x8x8x3 1x4x4x8 1000
layer 2 1x1 CONV_2D 1x4x4x8 1x4x4x8 2000
layer 3 dw3x3 DEPTHWISE_CONV_2D 1x4x4x8 1x4x4x8 3000
`

func TestReport(t *testing.T) {
	dir := t.TempDir()
	// Two marked inferences; operator 1 (not a layer) runs in percept
	// only. Operator 2 takes 300 then 500 instructions: the median of
	// two is the upper one.
	percept := writeLog(t, dir, "p.log", layerLines+`engine percept neon
insnmark -1 1000
insnmark 0 3000
insnmark 1 3100
insnmark 2 3400
insnmark 3 3500
insnmark -1 5000
insnmark 0 7000
insnmark 1 7100
insnmark 2 7600
insnmark 3 7700
insncount: 9999
`)
	xnn := writeLog(t, dir, "x.log", layerLines+`engine xnnpack
skipped 3 DEPTHWISE_CONV_2D: unsupported
insnmark -1 100
insnmark 0 1100
insnmark 2 1350
insnmark -1 2000
insnmark 0 3000
insnmark 2 3250
`)
	var out strings.Builder
	require.NoError(t, writeReport(&out, []string{"neon=" + percept, "xnn=" + xnn}))
	text := out.String()
	assert.Contains(t, text, "2 layers compared")
	assert.Contains(t, text, "| neon | xnn | neon / xnn |")
	assert.Contains(t, text, "| stem | 1 | 0.002 | 0.001 | 2.00 |")
	assert.Contains(t, text, "| 1x1 | 1 | 0.001 | 0.000 | 2.00 |")
	assert.NotContains(t, text, "| dw3x3 |", "operator 3 is not in every run")
	assert.Contains(t, text, "| **all compared layers** | 2 | 0.003 | 0.001 | 2.00 |")
	assert.Contains(t, text, "| whole inference (percept: every operator; XNNPACK: its layers) | | 0.003 | 0.001 |  |")
	assert.Contains(t, text, "| 2 | 1x1 | CONV_2D | 1x4x4x8 → 1x4x4x8 | 0.00 | 0.001 | 0.000 | 2.00 |")

	for name, args := range map[string][]string{
		"no logs":      nil,
		"no label":     {percept},
		"missing file": {"a=" + filepath.Join(dir, "none")},
		"no marks":     {"a=" + writeLog(t, dir, "empty.log", "engine percept neon\n")},
		"no engine":    {"a=" + writeLog(t, dir, "noengine.log", "insnmark -1 5\n")},
		"mark first":   {"a=" + writeLog(t, dir, "first.log", "engine xnnpack\ninsnmark 3 5\n")},
		"bad mark":     {"a=" + writeLog(t, dir, "bad.log", "engine xnnpack\ninsnmark -1 x\n")},
	} {
		assert.Error(t, writeReport(&strings.Builder{}, args), name)
	}
}

func TestMedian(t *testing.T) {
	assert.Equal(t, int64(0), median(nil))
	assert.Equal(t, int64(5), median([]int64{5}))
	assert.Equal(t, int64(7), median([]int64{7, 3}))
	assert.Equal(t, int64(4), median([]int64{9, 4, 1}))
}
