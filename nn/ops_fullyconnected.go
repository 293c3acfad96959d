package nn

import (
	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/tflite"
)

func buildFullyConnected(b *builder) (*op, error) {
	o, ok := b.op.Options.(*tflite.FullyConnectedOptions)
	if !ok {
		return nil, b.errorf("missing FullyConnectedOptions")
	}
	if o.WeightsFormat != tflite.FullyConnectedWeightsDefault {
		return nil, b.unsupportedf("weights format %d", o.WeightsFormat)
	}
	in, err := b.input(0)
	if err != nil {
		return nil, err
	}
	filter := b.weightInput(1)
	if filter == nil {
		return nil, b.errorf("missing filter")
	}
	bias := b.optionalInput(2)
	out, err := b.output(0)
	if err != nil {
		return nil, err
	}
	if err := b.expectRank(filter, 2); err != nil {
		return nil, err
	}
	if !filter.constant {
		return nil, b.unsupportedf("weights %v are not constant", filter)
	}
	outDepth, inDepth := filter.Shape[0], filter.Shape[1]
	n := in.NumElements()
	if inDepth == 0 || n%inDepth != 0 {
		return nil, b.errorf("input %v does not divide into rows of %d", in, inDepth)
	}
	batches := n / inDepth
	shape := []int{batches, outDepth}
	if o.KeepNumDims {
		if len(in.Shape) == 0 || in.Shape[len(in.Shape)-1] != inDepth {
			return nil, b.errorf("keep_num_dims needs input %v to end in %d", in, inDepth)
		}
		shape = append(append([]int{}, in.Shape[:len(in.Shape)-1]...), outDepth)
	}
	if err := b.setShape(out, shape); err != nil {
		return nil, err
	}
	if bias != nil && (len(bias.Shape) != 1 || bias.Shape[0] != outDepth) {
		return nil, b.errorf("bias %v must have shape [%d]", bias, outDepth)
	}
	macs := int64(batches) * int64(inDepth) * int64(outDepth)
	b.describeLayer(in, filter, bias, out, nil, macs)
	switch in.Type {
	case tflite.TypeFloat32:
		if filter.Type == tflite.TypeInt8 {
			return fullyConnectedHybrid(b, o.FusedActivationFunction, o.AsymmetricQuantizeInputs, in, filter, bias, out, batches, inDepth, outDepth, macs)
		}
		act, biasData, err := b.floatLayer(o.FusedActivationFunction, bias, out)
		if err != nil {
			return nil, err
		}
		if half := b.g.halfOf[filter.Index]; half != nil {
			return fullyConnectedFloat(b, act, in, out, batches, inDepth, outDepth, viewAs[kernels.Half](half), biasData, macs), nil
		}
		if err := b.expectType(filter, tflite.TypeFloat32); err != nil {
			return nil, err
		}
		return fullyConnectedFloat(b, act, in, out, batches, inDepth, outDepth, filter.Float32s(), biasData, macs), nil
	case tflite.TypeUint8:
		return fullyConnectedQuantized[uint8](b, o.FusedActivationFunction, in, filter, bias, out, batches, inDepth, outDepth, macs)
	case tflite.TypeInt8:
		return fullyConnectedQuantized[int8](b, o.FusedActivationFunction, in, filter, bias, out, batches, inDepth, outDepth, macs)
	}
	return nil, b.unsupportedf("input %v has type %s", in, in.Type)
}

// fullyConnectedFloat prepares the float fully connected layer with weights
// of type W for the interpreter's kernel target.
func fullyConnectedFloat[W float32 | kernels.Half](b *builder, act kernels.FloatRange, in, out *Tensor,
	batches, inDepth, outDepth int, w []W, bias []float32, macs int64) *op {
	l := kernels.NewFullyConnectedF32(b.g.it.target, b.g.it.threads, act, batches, inDepth, outDepth, w, bias)
	return layerOp(l, in, out, macs)
}

// fullyConnectedQuantized prepares the integer fully connected layer for
// element type T.
func fullyConnectedQuantized[T int8 | uint8](b *builder, act tflite.Activation, in, filter, bias, out *Tensor,
	batches, inDepth, outDepth int, macs int64) (*op, error) {
	r, err := b.requant(in, filter, bias, out, act, outDepth, 0, true)
	if err != nil {
		return nil, err
	}
	biasData, err := b.int32Bias(bias)
	if err != nil {
		return nil, err
	}
	l := kernels.NewFullyConnectedQ(b.g.it.target, r, batches, inDepth, outDepth, viewAs[T](filter), biasData)
	return layerOp(l, in, out, macs), nil
}
