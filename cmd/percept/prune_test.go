package main

import (
	"encoding/binary"
	"math"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/tflite"
)

// weightValues returns the float32 weights (input 1) of the CONV_2D and
// FULLY_CONNECTED operators of m, by tensor name.
func weightValues(t *testing.T, m *tflite.Model) map[string][]float32 {
	t.Helper()
	out := map[string][]float32{}
	sg := &m.Subgraphs[0]
	for _, op := range sg.Operators {
		switch m.OperatorCodes[op.OpcodeIndex].Builtin {
		case tflite.OpConv2D, tflite.OpFullyConnected:
			tt := &sg.Tensors[op.Inputs[1]]
			require.Equal(t, tflite.TypeFloat32, tt.Type, tt.Name)
			data := m.Buffers[tt.Buffer].Data
			v := make([]float32, len(data)/4)
			for i := range v {
				v[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
			}
			out[tt.Name] = v
		}
	}
	require.NotEmpty(t, out)
	return out
}

// zeroCount counts the zeros of v.
func zeroCount(v []float32) int {
	n := 0
	for _, x := range v {
		if x == 0 {
			n++
		}
	}
	return n
}

var prunedLine = regexp.MustCompile(`(?m)^  "([^"]+)" \[[0-9 ]+\]: (\d+\.\d)% zeros$`)

// TestPrune runs percept prune unstructured and 2:4 on the float models
// and checks every weight tensor of the written file.
func TestPrune(t *testing.T) {
	skipInShort(t)
	// MediaPipe's float16 BlazeFace is widened to float32 first.
	float16BlazeFace := []string{"float16", "face_detection_short_range.tflite"}
	for _, model := range [][]string{floatMobileNet, floatBlazeFace, float16BlazeFace} {
		for _, pattern := range []string{"unstructured", "2:4"} {
			t.Run(model[1]+" "+pattern, func(t *testing.T) {
				in := testmodels.Path(t, model...)
				out := filepath.Join(t.TempDir(), "pruned.tflite")
				r := runCLI(t, "prune", "-sparsity", "0.5", "-pattern", pattern, "-o", out, in)
				requireSuccess(t, r)
				file, zip := sizes(t, r.stdout)
				t.Logf("%s prune %s 50%%: file %d → %d, zip %d → %d (%.3f×)", model[1], pattern, file[0], file[1], zip[0], zip[1], float64(zip[1])/float64(zip[0]))
				assert.Less(t, zip[1], zip[0])
				if model[1] == float16BlazeFace[1] {
					assert.Contains(t, r.stdout, "74 FLOAT16 constants widened to FLOAT32 first")
				} else {
					assert.NotContains(t, r.stdout, "widened")
				}
				printed := map[string]bool{}
				for _, row := range prunedLine.FindAllStringSubmatch(r.stdout, -1) {
					printed[row[1]] = true
					assert.Equal(t, "50.0", row[2], row[1])
				}
				require.NotEmpty(t, printed, r.stdout)
				for name, v := range weightValues(t, openWritten(t, out)) {
					if !printed[name] {
						assert.Contains(t, r.stdout, `skipped "`+name+`"`)
						continue
					}
					assert.GreaterOrEqual(t, zeroCount(v), len(v)/2, name)
					if pattern == "2:4" {
						for g := 0; g < len(v); g += 4 {
							require.GreaterOrEqual(t, zeroCount(v[g:g+4]), 2, "%s group %d", name, g/4)
						}
					}
				}
				requireRuns(t, out)
				if model[0] == "classification" {
					bestClasses(t, out) // the labels survive
				}
			})
		}
	}
}
