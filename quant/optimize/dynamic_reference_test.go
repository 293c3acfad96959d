package optimize_test

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/npy"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/quant/optimize"
	"github.com/percept-robotics/percept/tflite"
)

// TestDynamicRangeReferences runs the dynamic-range models in LiteRT.js
// (PERCEPT_LITERTJS) and Arm NN 20.08 (PERCEPT_ARMNN=1) on the reference
// inputs. Arm NN 20.08 has no hybrid kernels: its reference backend
// refuses a float convolution with int8 weights, which the test logs.
// LiteRT.js runs the hybrid layers in XNNPACK (its qd8 kernels), which
// quantizes each image as TFLite's builtin kernels do but computes the
// scale and zero point in float32 and rounds the zero point half to even
// (xnn_f32_qd8_asymmetric_quantization_params), where the builtin kernels
// that percept follows compute in float64 and round half away from zero:
// a zero point one step apart moves the next layers, and MobileNet v1
// 0.25 amplifies that. So the references' spread is taken as LiteRT.js's
// distance from the float model: percept must sit nearer LiteRT.js than
// that, and no farther from the float model than 1.25 times LiteRT.js.
func TestDynamicRangeReferences(t *testing.T) {
	refs := testmodels.References(t)
	for _, fm := range floatModels {
		t.Run(fm.name, func(t *testing.T) {
			f := dynamicFloatModel(t, fm)
			q, _, err := optimize.DynamicRange(f)
			require.NoError(t, err)
			data, err := tflite.Write(q)
			require.NoError(t, err)
			path := filepath.Join(t.TempDir(), "dynamic.tflite")
			require.NoError(t, os.WriteFile(path, data, 0o600))
			files, err := filepath.Glob(filepath.Join(testmodels.Path(t, "reference", "armnn", fm.reference), "*.input.npy"))
			require.NoError(t, err)
			require.NotEmpty(t, files)
			files = files[:min(len(files), 3)] // Arm NN's reference backend is slow
			var inputs [][]byte
			for _, file := range files {
				a, err := npy.ReadFile(file)
				require.NoError(t, err)
				inputs = append(inputs, a.Data)
			}
			ours, float := run(t, q, inputs), run(t, f, inputs)
			results := map[string][][][]float32{}
			for _, ref := range refs {
				if ref.Name == "Arm NN" {
					if out, ok := armNNOutputs(t, path, files); ok {
						results[ref.Name] = out
					}
					continue
				}
				results[ref.Name] = readOutputs(t, ref.Run(t, path, files...))
			}
			for name, out := range results {
				toRef, refToFloat, toFloat := relativeDeviation(out, ours), relativeDeviation(float, out), relativeDeviation(float, ours)
				t.Logf("%s: percept vs %s %.3g of the output's range, %s vs the float model %.3g, percept vs the float model %.3g",
					fm.name, name, toRef, name, refToFloat, toFloat)
				assert.Less(t, toRef, refToFloat, "percept nearer %s than %s is to the float model", name, name)
				assert.Less(t, toFloat, 1.25*refToFloat, "percept vs the float model, against %s's distance", name)
			}
		})
	}
}

// armNNOutputs runs the model at path through Arm NN 20.08 on the input
// files, or logs why Arm NN refuses it.
func armNNOutputs(t *testing.T, path string, files []string) ([][][]float32, bool) {
	t.Helper()
	script := testmodels.ToolPath(t, "armnn_ref.py")
	outdir := filepath.Join(t.TempDir(), "armnn")
	out, err := exec.Command("/usr/bin/python3", append([]string{script, path, outdir}, files...)...).CombinedOutput()
	if err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		last := lines[max(0, len(lines)-2):]
		t.Logf("Arm NN 20.08 refuses the dynamic-range model: %s", strings.Join(last, " "))
		return nil, false
	}
	var paths [][]string
	for _, file := range files {
		stem := strings.TrimSuffix(filepath.Base(file), ".npy")
		var outs []string
		for k := 0; ; k++ {
			p := filepath.Join(outdir, stem+".output_"+string(rune('0'+k))+".npy")
			if _, err := os.Stat(p); err != nil {
				break
			}
			outs = append(outs, p)
		}
		paths = append(paths, outs)
	}
	return readOutputs(t, paths), true
}

// readOutputs reads float32 output .npy files, per input and output.
func readOutputs(t *testing.T, paths [][]string) [][][]float32 {
	t.Helper()
	var out [][][]float32
	for _, files := range paths {
		var outs [][]float32
		for _, file := range files {
			a, err := npy.ReadFile(file)
			require.NoError(t, err)
			v := make([]float32, len(a.Data)/4)
			for i := range v {
				d := a.Data[4*i:]
				v[i] = math.Float32frombits(uint32(d[0]) | uint32(d[1])<<8 | uint32(d[2])<<16 | uint32(d[3])<<24)
			}
			outs = append(outs, v)
		}
		out = append(out, outs)
	}
	return out
}
