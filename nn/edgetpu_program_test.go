package nn

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/percept-robotics/percept/delegate/edgetpu/edgetputest"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/tflite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// edgeTPUModels are the shared models compiled by edgetpu_compiler.
var edgeTPUModels = []string{
	"classification/mobilenet_v1_0.25_128_quant_edgetpu.tflite",
	"classification/mobilenet_v2_1.0_224_quant_edgetpu.tflite",
	"detection/mobilenet_ssd_v2_coco_quant_postprocess_edgetpu.tflite",
}

// edgeTPULayerTypes maps the darwinn data types of Edge TPU layers to the
// tensor types libedgetpu's ValidateDataType accepts for them.
var edgeTPULayerTypes = map[int]tflite.TensorType{
	0: tflite.TypeUint8,   // FIXED_POINT8
	8: tflite.TypeInt8,    // SIGNED_FIXED_POINT8
	1: tflite.TypeInt16,   // FIXED_POINT16
	9: tflite.TypeInt16,   // SIGNED_FIXED_POINT16
	2: tflite.TypeInt32,   // SIGNED_FIXED_POINT32
	4: tflite.TypeFloat16, // HALF
	5: tflite.TypeFloat32, // SINGLE
}

// TestEdgeTPUProgramsMatchTensors reads the compiled Edge TPU program in
// each shared model and applies libedgetpu's checks (custom_op.cc
// ValidateInputsAndOutputs) to the tensors percept hands the delegate: as
// many inputs as input layers, the layer's type, and bytes equal to
// batches × the layer's values × the type's size, batches read from the
// first dimension. The real library would refuse percept's tensors at
// prepare otherwise.
func TestEdgeTPUProgramsMatchTensors(t *testing.T) {
	for _, name := range edgeTPUModels {
		t.Run(filepath.Base(name), func(t *testing.T) {
			m, err := tflite.Open(testmodels.Path(t, name))
			require.NoError(t, err)
			defer m.Close()
			sg := &m.Subgraphs[0]
			for _, op := range sg.Operators {
				if !isEdgeTPU(m.OperatorCodes[op.OpcodeIndex]) {
					continue
				}
				ins, outs, err := edgetputest.Program(op.CustomOptions)
				require.NoError(t, err)
				t.Logf("inputs %+v outputs %+v", ins, outs)
				require.Len(t, op.Inputs, len(ins), "one input tensor per input layer")
				batches := 0
				check := func(kind string, i int, layer edgetputest.Layer, tensor *tflite.Tensor) int {
					want, ok := edgeTPULayerTypes[layer.DataType]
					require.True(t, ok, "%s layer %d %q: data type %d", kind, i, layer.Name, layer.DataType)
					assert.Equal(t, want, tensor.Type, "%s %d %q: type", kind, i, tensor.Name)
					assert.Equal(t, layer.Name, tensor.Name, "%s %d: the layer and the tensor in the operator's order", kind, i)
					single := layer.Elements * tensor.Type.Size()
					bytes := tensor.Type.Size()
					for _, d := range tensor.Shape {
						bytes *= int(d)
					}
					b := 1
					if len(tensor.Shape) >= 1 && int(tensor.Shape[0])*single == bytes {
						b = int(tensor.Shape[0])
					}
					assert.Equal(t, b*single, bytes, "%s %d %q: %v holds %d bytes, the layer %d per batch", kind, i, tensor.Name, tensor.Shape, bytes, single)
					return b
				}
				for i, layer := range ins {
					b := check("input", i, layer, &sg.Tensors[op.Inputs[i]])
					if batches == 0 {
						batches = b
					}
					assert.Equal(t, batches, b, "input %d: batches", i)
				}
				for i, layer := range outs {
					if strings.HasSuffix(layer.Name, "_variable_output") {
						continue
					}
					require.Less(t, i, len(op.Outputs), "more output layers than output tensors")
					assert.Equal(t, batches, check("output", i, layer, &sg.Tensors[op.Outputs[i]]), "output %d: batches", i)
				}
			}
		})
	}
}
