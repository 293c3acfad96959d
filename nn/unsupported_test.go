package nn

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/internal/tflitetest"
	"github.com/percept-robotics/percept/tflite"
)

// unsupportedModels lists the real models of shared/models that percept
// cannot run, with the operators it lacks for each: the Edge TPU builds
// hold edgetpu-custom-op.
var unsupportedModels = map[string][]string{
	"mobilenet_ssd_v2_coco_quant_postprocess_edgetpu": {"custom edgetpu-custom-op"},
	"mobilenet_v1_0.25_128_quant_edgetpu":             {"custom edgetpu-custom-op"},
	"mobilenet_v2_1.0_224_quant_edgetpu":              {"custom edgetpu-custom-op"},
}

// TestUnsupportedRealModels: New lists every operator of those models that
// percept lacks, each operator of the file under its name, and gives the
// Edge TPU hint exactly for the Edge TPU builds.
func TestUnsupportedRealModels(t *testing.T) {
	for name, want := range unsupportedModels {
		t.Run(name, func(t *testing.T) {
			m, err := tflite.Open(testmodels.Path(t, filepath.Join(modelDir(name), name+".tflite")))
			require.NoError(t, err)
			defer m.Close()
			_, err = New(m, &Options{Threads: 1})
			require.ErrorIs(t, err, ErrUnsupported)
			var ue *UnsupportedError
			require.ErrorAs(t, err, &ue)

			// Where each wanted operator is in the file, read without nn.
			where := map[string][]int{}
			for i, op := range m.Subgraphs[0].Operators {
				code := m.OperatorCodes[op.OpcodeIndex]
				n := code.Builtin.String()
				if code.Builtin == tflite.OpCustom {
					n = "custom " + code.CustomCode
				}
				if slices.Contains(want, n) {
					where[n] = append(where[n], i)
				}
			}
			got := map[string][]int{}
			for _, op := range ue.Ops {
				assert.Len(t, op.Operators, op.Count, op.Name)
				assert.NotEmpty(t, op.Reason, op.Name)
				got[op.Name] = append(got[op.Name], op.Operators...)
			}
			for n := range got {
				slices.Sort(got[n])
			}
			assert.Equal(t, where, got)
			for n := range where {
				assert.Contains(t, err.Error(), n, "the message names every operator")
			}

			edgeTPU := strings.HasSuffix(name, "_edgetpu")
			assert.Equal(t, edgeTPU, ue.EdgeTPU)
			hint := "compiled for a Coral Edge TPU (edgetpu_compiler)"
			if edgeTPU {
				assert.Contains(t, err.Error(), hint)
				assert.Contains(t, err.Error(), "the CPU model the Edge TPU one was compiled from")
			} else {
				assert.NotContains(t, err.Error(), hint)
			}
		})
	}
}

// modelDir is the folder of shared/models that holds a model.
func modelDir(name string) string {
	switch {
	case strings.HasPrefix(name, "movenet"):
		return "pose"
	case strings.HasPrefix(name, "deeplab"):
		return "segmentation"
	case strings.Contains(name, "ssd"):
		return "detection"
	}
	return "classification"
}

// TestUnsupportedErrorListsEveryOperator: two FLOORs, a SIN, a custom
// operator and an INT64 ADD (a case ADD lacks) are all listed, with their
// counts and indices; the ADD that reads a FLOOR's output is implemented
// and is neither listed nor blamed for the shape it never got.
func TestUnsupportedErrorListsEveryOperator(t *testing.T) {
	m := tflitetest.NewModel()
	in := m.Tensor("in", tflite.TypeFloat32, []int32{1, 4}, nil, nil)
	floor1 := m.Tensor("floor1", tflite.TypeFloat32, []int32{1, 4}, nil, nil)
	sum := m.Tensor("sum", tflite.TypeFloat32, nil, nil, nil) // shape left to the operator
	floor2 := m.Tensor("floor2", tflite.TypeFloat32, []int32{1, 4}, nil, nil)
	root := m.Tensor("root", tflite.TypeFloat32, []int32{1, 4}, nil, nil)
	ints := m.Tensor("ints", tflite.TypeInt64, []int32{1, 4}, nil, nil)
	intSum := m.Tensor("int_sum", tflite.TypeInt64, []int32{1, 4}, nil, nil)
	custom := m.Tensor("custom", tflite.TypeFloat32, []int32{1, 4}, nil, nil)
	m.Op(tflite.OpFloor, 2, []int32{in}, []int32{floor1}, 0, nil)                                                  // 0
	m.Op(tflite.OpAdd, 1, []int32{floor1, floor1}, []int32{sum}, tflitetest.OptionsAdd, tflitetest.Table{int8(0)}) // 1
	m.Op(tflite.OpFloor, 2, []int32{in}, []int32{floor2}, 0, nil)                                                  // 2
	m.Op(tflite.OpSin, 1, []int32{in}, []int32{root}, 0, nil)                                                      // 3
	m.Op(tflite.OpAdd, 1, []int32{ints, ints}, []int32{intSum}, tflitetest.OptionsAdd, tflitetest.Table{int8(0)})  // 4
	m.CustomOp("MyPostprocess", []int32{in}, []int32{custom})                                                      // 5
	m.Inputs, m.Outputs = []int32{in, ints}, []int32{sum, floor2, root, intSum, custom}
	_, err := build(t, m)
	require.ErrorIs(t, err, ErrUnsupported)
	var ue *UnsupportedError
	require.ErrorAs(t, err, &ue)
	require.Len(t, ue.Ops, 4)
	assert.Equal(t, UnsupportedOp{Name: "FLOOR", Version: 2, Count: 2, Operators: []int{0, 2}, Reason: "percept has no kernel for this operator"}, ue.Ops[0])
	assert.Equal(t, UnsupportedOp{Name: "SIN", Version: 1, Count: 1, Operators: []int{3}, Reason: "percept has no kernel for this operator"}, ue.Ops[1])
	add := ue.Ops[2]
	assert.Equal(t, "ADD", add.Name)
	assert.Equal(t, []int{4}, add.Operators)
	assert.Contains(t, add.Reason, `"ints" INT64[1 4] has type INT64`)
	assert.Equal(t, UnsupportedOp{Name: "custom MyPostprocess", Version: 1, Count: 1, Operators: []int{5}, Reason: "percept has no kernel for this operator"}, ue.Ops[3])
	assert.False(t, ue.EdgeTPU)
	assert.Contains(t, err.Error(), "FLOOR v2 ×2 (ops 0, 2)")
	assert.Contains(t, err.Error(), "SIN v1 ×1 (op 3)")
	assert.Contains(t, err.Error(), "custom MyPostprocess v1 ×1 (op 5)")
	assert.NotContains(t, err.Error(), "Edge TPU")
}

// TestUnsupportedStopsAtOtherErrors: a malformed operator is reported as
// such, before or after an unsupported one, and is not ErrUnsupported.
func TestUnsupportedStopsAtOtherErrors(t *testing.T) {
	for _, malformedFirst := range []bool{true, false} {
		m := tflitetest.NewModel()
		in := m.Tensor("in", tflite.TypeFloat32, []int32{1, 4}, nil, nil)
		floor := m.Tensor("floor", tflite.TypeFloat32, []int32{1, 4}, nil, nil)
		bad := m.Tensor("bad", tflite.TypeFloat32, []int32{1, 5}, nil, nil)
		addBad := func() {
			m.Op(tflite.OpAdd, 1, []int32{in, in}, []int32{bad}, tflitetest.OptionsAdd, tflitetest.Table{int8(0)})
		}
		if malformedFirst {
			addBad()
		}
		m.Op(tflite.OpFloor, 1, []int32{in}, []int32{floor}, 0, nil)
		if !malformedFirst {
			addBad()
		}
		m.Inputs, m.Outputs = []int32{in}, []int32{floor, bad}
		_, err := build(t, m)
		require.Error(t, err)
		assert.NotErrorIs(t, err, ErrUnsupported)
		assert.Contains(t, err.Error(), `"bad" FLOAT32[1 5]: the operator produces shape [1 4]`)
	}
}

// TestEdgeTPUHint: a model compiled for the Edge TPU says so, and lists the
// Edge TPU operator only, not the CPU operators after it.
func TestEdgeTPUHint(t *testing.T) {
	m := tflitetest.NewModel()
	in := m.Tensor("in", tflite.TypeUint8, []int32{1, 4}, nil, &tflitetest.Affine{Scale: 1})
	mid := m.Tensor("mid", tflite.TypeUint8, []int32{1, 4}, nil, &tflitetest.Affine{Scale: 1})
	out := m.Tensor("out", tflite.TypeUint8, []int32{1, 4}, nil, &tflitetest.Affine{Scale: 1.0 / 256})
	m.CustomOp("edgetpu-custom-op", []int32{in}, []int32{mid})
	m.Op(tflite.OpLogistic, 1, []int32{mid}, []int32{out}, 0, nil)
	m.Inputs, m.Outputs = []int32{in}, []int32{out}
	_, err := build(t, m)
	var ue *UnsupportedError
	require.ErrorAs(t, err, &ue)
	assert.True(t, ue.EdgeTPU)
	require.Len(t, ue.Ops, 1)
	assert.Equal(t, "custom edgetpu-custom-op", ue.Ops[0].Name)
	assert.Contains(t, ue.Ops[0].Reason, "Coral Edge TPU")
	assert.Contains(t, err.Error(), "compiled for a Coral Edge TPU (edgetpu_compiler)")
	assert.True(t, errors.Is(err, ErrUnsupported))
}

// TestUnsupportedElementType: operators on a tensor of a type percept
// lacks (INT4 here) are listed; an input of that type that no operator
// reads is still refused as unsupported.
func TestUnsupportedElementType(t *testing.T) {
	m := tflitetest.NewModel()
	in := m.Tensor("in", tflite.TypeFloat32, []int32{1, 4}, nil, nil)
	packed := m.Tensor("packed", tflite.TypeInt4, []int32{1, 4}, []byte{0x12, 0x34}, nil)
	out := m.Tensor("out", tflite.TypeFloat32, []int32{1, 4}, nil, nil)
	m.Op(tflite.OpAdd, 1, []int32{in, packed}, []int32{out}, tflitetest.OptionsAdd, tflitetest.Table{int8(0)})
	m.Inputs, m.Outputs = []int32{in}, []int32{out}
	_, err := build(t, m)
	var ue *UnsupportedError
	require.ErrorAs(t, err, &ue)
	require.Len(t, ue.Ops, 1)
	assert.Equal(t, "ADD", ue.Ops[0].Name)
	assert.Equal(t, `tensor 1 "packed" INT4[1 4] has element type INT4, which percept does not support`, ue.Ops[0].Reason)

	m = tflitetest.NewModel()
	in = m.Tensor("in", tflite.TypeFloat32, []int32{1, 4}, nil, nil)
	flags := m.Tensor("flags", tflite.TypeInt4, []int32{8}, nil, nil)
	out = m.Tensor("out", tflite.TypeFloat32, []int32{1, 4}, nil, nil)
	m.Op(tflite.OpAdd, 1, []int32{in, in}, []int32{out}, tflitetest.OptionsAdd, tflitetest.Table{int8(0)})
	m.Inputs, m.Outputs = []int32{in, flags}, []int32{out}
	_, err = build(t, m)
	require.ErrorIs(t, err, ErrUnsupported)
	assert.Contains(t, err.Error(), `"flags" INT4[8] has element type INT4`)
}
