package optimize_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/npy"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/quant/optimize"
	"github.com/percept-robotics/percept/tflite"
)

// TestFloatTransformsReferences runs the float models percept writes
// (pruned unstructured and 2:4, clustered, and float16) in LiteRT.js
// (PERCEPT_LITERTJS) and Arm NN 20.08 (PERCEPT_ARMNN=1) on the reference
// inputs. They are ordinary float models, so percept's outputs must match
// each reference's to float32 rounding: within 1e-4 of the output's range
// (the largest |value| of the reference's output), or within the two
// references' own distance when that is larger. Arm NN 20.08 reads no
// FLOAT16 weights: its refusal of the float16 models is logged.
func TestFloatTransformsReferences(t *testing.T) {
	refs := testmodels.References(t)
	transforms := []struct {
		name string
		do   func(*tflite.Model) (*tflite.Model, *optimize.Report, error)
	}{
		{"pruned 50%", func(m *tflite.Model) (*tflite.Model, *optimize.Report, error) {
			return optimize.Prune(m, 0.5, optimize.Unstructured)
		}},
		{"pruned 2:4", func(m *tflite.Model) (*tflite.Model, *optimize.Report, error) {
			return optimize.Prune(m, 0.5, optimize.TwoFour)
		}},
		{"clustered 16", func(m *tflite.Model) (*tflite.Model, *optimize.Report, error) { return optimize.Cluster(m, 16) }},
		{"float16", optimize.Float16},
	}
	for _, fm := range floatModels {
		f := dynamicFloatModel(t, fm) // BlazeFace widened to float32 first
		files, err := filepath.Glob(filepath.Join(testmodels.Path(t, "reference", "armnn", fm.reference), "*.input.npy"))
		require.NoError(t, err)
		require.NotEmpty(t, files)
		files = files[:min(len(files), 2)] // Arm NN's reference backend is slow
		var inputs [][]byte
		for _, file := range files {
			a, err := npy.ReadFile(file)
			require.NoError(t, err)
			inputs = append(inputs, a.Data)
		}
		for _, tr := range transforms {
			t.Run(fm.name+"/"+tr.name, func(t *testing.T) {
				q, rep, err := tr.do(f)
				require.NoError(t, err)
				require.NotEmpty(t, rep.Tensors)
				data, err := tflite.Write(q)
				require.NoError(t, err)
				path := filepath.Join(t.TempDir(), "model.tflite")
				require.NoError(t, os.WriteFile(path, data, 0o600))
				ours := run(t, q, inputs)

				results := map[string][][][]float32{}
				for _, ref := range refs {
					paths, err := ref.TryRun(t, path, files...)
					if err != nil {
						require.Equal(t, "float16", tr.name, "%s refuses an ordinary float model: %v", ref.Name, err)
						t.Logf("%s refuses the float16 model: %v", ref.Name, err)
						continue
					}
					results[ref.Name] = readOutputs(t, paths)
				}
				require.NotEmpty(t, results)
				spread := 0.0
				if len(results) == 2 {
					var pair [][][][]float32
					for _, out := range results {
						pair = append(pair, out)
					}
					spread = relativeDeviation(pair[0], pair[1])
				}
				for name, out := range results {
					dev := relativeDeviation(out, ours)
					if len(results) == 2 {
						t.Logf("percept vs %s: %.3g of the output's range (the references' spread %.3g)", name, dev, spread)
					} else {
						t.Logf("percept vs %s: %.3g of the output's range (the only reference that runs it)", name, dev)
					}
					assert.LessOrEqual(t, dev, max(1e-4, spread), "percept vs %s", name)
				}
			})
		}
	}
}
