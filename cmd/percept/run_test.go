package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/npy"
	"github.com/percept-robotics/percept/internal/testmodels"
)

// npyOutput is what one output_K.npy must hold.
type npyOutput struct {
	dtype string
	shape []int
}

// argmaxOf returns the index of the largest of v (the first one on ties).
func argmaxOf[T int8 | uint8 | float32](v []T) int {
	best := 0
	for i := range v {
		if v[i] > v[best] {
			best = i
		}
	}
	return best
}

// topIndices returns every index holding the largest value of v.
func topIndices(v []uint8) []int {
	var top []int
	for i := range v {
		switch {
		case len(top) == 0 || v[i] > v[top[0]]:
			top = []int{i}
		case v[i] == v[top[0]]:
			top = append(top, i)
		}
	}
	return top
}

// referenceArray reads one of Arm NN's reference tensors.
func referenceArray(t *testing.T, model, name string) *npy.Array {
	t.Helper()
	a, err := npy.ReadFile(testmodels.Path(t, "reference", "armnn", model, name))
	require.NoError(t, err)
	return a
}

// decodeBoth decodes an output and its reference with the same method.
func decodeBoth[T any](t *testing.T, got, ref *npy.Array, decode func(*npy.Array) ([]T, error)) (g, r []T) {
	t.Helper()
	g, err := decode(got)
	require.NoError(t, err)
	r, err = decode(ref)
	require.NoError(t, err)
	return g, r
}

func TestRunWritesOutputs(t *testing.T) {
	skipInShort(t)
	cases := []struct {
		name     string
		model    []string // path under shared/models
		refModel string   // folder under reference/armnn
		image    string   // the reference's input is <image>.input.npy
		want     []npyOutput
		// check compares the outputs with the reference's.
		check func(t *testing.T, got, ref []*npy.Array)
	}{
		{
			name:  "uint8 classifier",
			model: []string{"classification", "mobilenet_v1_0.25_128_quant.tflite"}, refModel: "mobilenet_v1_0.25_128_quant", image: "cat",
			want: []npyOutput{{"|u1", []int{1, 1001}}},
			check: func(t *testing.T, got, ref []*npy.Array) {
				g, r := decodeBoth(t, got[0], ref[0], (*npy.Array).Uint8s)
				// Arm NN ties two classes on this photo: either is its top-1.
				assert.Contains(t, topIndices(r), argmaxOf(g), "top-1 class among Arm NN's")
				// TFLite itself (LiteRT.js) breaks the tie.
				litert, err := npy.ReadFile(testmodels.Path(t, "reference", "litertjs", "mobilenet_v1_0.25_128_quant", "cat.output_0.npy"))
				require.NoError(t, err)
				tflite, err := litert.Uint8s()
				require.NoError(t, err)
				assert.Equal(t, argmaxOf(tflite), argmaxOf(g), "top-1 class as TFLite's")
				for i := range r {
					assert.InDelta(t, r[i], g[i], 2, "output %d within a step or two of Arm NN's", i)
				}
			},
		},
		{
			name:  "float32 classifier",
			model: []string{"classification", "mobilenet_v1_0.25_224_1_metadata_1.tflite"}, refModel: "mobilenet_v1_0.25_224_float", image: "cat",
			want: []npyOutput{{"<f4", []int{1, 1001}}},
			check: func(t *testing.T, got, ref []*npy.Array) {
				g, r := decodeBoth(t, got[0], ref[0], (*npy.Array).Float32s)
				assert.Equal(t, argmaxOf(r), argmaxOf(g), "top-1 class")
				// Two independent interpreters agree within 5e-4 on this model.
				assert.InDeltaSlice(t, r, g, 1e-3)
			},
		},
		{
			name:  "int8 person detector",
			model: []string{"tflm", "person_detect.tflite"}, refModel: "person_detect", image: "person_tflm",
			want: []npyOutput{{"|i1", []int{1, 2}}},
			check: func(t *testing.T, got, ref []*npy.Array) {
				g, r := decodeBoth(t, got[0], ref[0], (*npy.Array).Int8s)
				// The reference reaches some results through float
				// arithmetic: a step or two apart at most.
				for i := range r {
					assert.InDelta(t, r[i], g[i], 2, "output %d", i)
				}
				assert.Greater(t, g[1], g[0], "person scores above no person")
			},
		},
		{
			name:  "SSD detector, four outputs",
			model: []string{"detection", "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite"}, refModel: "coco_ssd_mobilenet_v1_quant", image: "dogs",
			want: []npyOutput{{"<f4", []int{1, 10, 4}}, {"<f4", []int{1, 10}}, {"<f4", []int{1, 10}}, {"<f4", []int{1}}},
			check: func(t *testing.T, got, ref []*npy.Array) {
				gotClasses, refClasses := decodeBoth(t, got[1], ref[1], (*npy.Array).Float32s)
				refScores, err := ref[2].Float32s()
				require.NoError(t, err)
				// Detections are sorted by score: the confident ones lead.
				for i := range refScores {
					if refScores[i] >= 0.5 {
						assert.Equal(t, refClasses[i], gotClasses[i], "class of detection %d", i)
					}
				}
				gotCount, refCount := decodeBoth(t, got[3], ref[3], (*npy.Array).Float32s)
				assert.Equal(t, refCount, gotCount)
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			model := testmodels.Path(t, tc.model...)
			input := testmodels.Path(t, "reference", "armnn", tc.refModel, tc.image+".input.npy")
			// A directory that does not exist yet is created.
			outdir := filepath.Join(t.TempDir(), "nested", "out")
			r := runCLI(t, "run", "-model", model, "-input", input, "-outdir", outdir)
			requireSuccess(t, r)
			assert.Empty(t, r.stdout)

			entries, err := os.ReadDir(outdir)
			require.NoError(t, err)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			var wantNames []string
			for k := range tc.want {
				wantNames = append(wantNames, fmt.Sprintf("output_%d.npy", k))
			}
			require.ElementsMatch(t, wantNames, names)

			var got, ref []*npy.Array
			for k, want := range tc.want {
				path := filepath.Join(outdir, fmt.Sprintf("output_%d.npy", k))
				raw, err := os.ReadFile(path)
				require.NoError(t, err)
				require.Greater(t, len(raw), 10)
				assert.Equal(t, []byte("\x93NUMPY\x01\x00"), raw[:8], "NumPy format version 1.0")
				a, err := npy.Read(bytes.NewReader(raw))
				require.NoError(t, err)
				assert.Equal(t, want.dtype, a.DType, "output %d dtype", k)
				assert.Equal(t, want.shape, a.Shape, "output %d shape", k)
				got = append(got, a)
				ref = append(ref, referenceArray(t, tc.refModel, fmt.Sprintf("%s.output_%d.npy", tc.image, k)))
			}
			tc.check(t, got, ref)
		})
	}
}
