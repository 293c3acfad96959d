package nn

import (
	"errors"
	"fmt"
	"slices"

	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/tflite"
)

// The operators that select elements by index: ARG_MAX and ARG_MIN, which
// compute indices, and GATHER and GATHER_ND, which read them.

func buildArgMax(b *builder) (*op, error) {
	outType := tflite.TypeInt64 // TFLite's default when the options are absent
	if o, ok := b.op.Options.(*tflite.ArgMaxOptions); ok {
		outType = o.OutputType
	}
	return b.buildArgMinMax(true, outType)
}

func buildArgMin(b *builder) (*op, error) {
	outType := tflite.TypeInt64
	if o, ok := b.op.Options.(*tflite.ArgMinOptions); ok {
		outType = o.OutputType
	}
	return b.buildArgMinMax(false, outType)
}

// buildArgMinMax prepares ARG_MAX (isMax) or ARG_MIN: the index along a
// constant axis of the largest (smallest) element, as INT32 or INT64.
func (b *builder) buildArgMinMax(isMax bool, outType tflite.TensorType) (*op, error) {
	in, err := b.input(0)
	if err != nil {
		return nil, err
	}
	axisIn, err := b.input(1)
	if err != nil {
		return nil, err
	}
	out, err := b.output(0)
	if err != nil {
		return nil, err
	}
	if err := b.expectType(in, tflite.TypeFloat32, tflite.TypeUint8, tflite.TypeInt8, tflite.TypeInt32, tflite.TypeBool); err != nil {
		return nil, err
	}
	if err := b.expectType(out, tflite.TypeInt32, tflite.TypeInt64); err != nil {
		return nil, err
	}
	if out.Type != outType {
		return nil, b.errorf("%v has type %s, the options say %s", out, out.Type, outType)
	}
	if len(in.Shape) == 0 {
		return nil, b.errorf("%v is a scalar: it has no axis", in)
	}
	axes, err := b.constIndices(axisIn)
	if err != nil {
		return nil, err
	}
	if len(axes) != 1 {
		return nil, b.errorf("axis %v must hold one value", axisIn)
	}
	axis, err := b.axis(axes[0], len(in.Shape))
	if err != nil {
		return nil, err
	}
	if in.Shape[axis] == 0 {
		return nil, b.errorf("%v has no elements along axis %d to choose from", in, axis)
	}
	shape := append(append([]int{}, in.Shape[:axis]...), in.Shape[axis+1:]...)
	if err := b.setShape(out, shape); err != nil {
		return nil, err
	}
	outer, n, inner := numElements(in.Shape[:axis]), in.Shape[axis], numElements(in.Shape[axis+1:])
	if out.Type == tflite.TypeInt32 {
		return argMinMaxOf[int32](in, out, outer, n, inner, isMax), nil
	}
	return argMinMaxOf[int64](in, out, outer, n, inner, isMax), nil
}

// argMinMaxOf picks the kernel for in's element type.
func argMinMaxOf[O kernels.Index](in, out *Tensor, outer, n, inner int, isMax bool) *op {
	switch in.Type {
	case tflite.TypeFloat32:
		return argMinMaxOp[float32, O](in, out, outer, n, inner, isMax)
	case tflite.TypeInt8:
		return argMinMaxOp[int8, O](in, out, outer, n, inner, isMax)
	case tflite.TypeInt32:
		return argMinMaxOp[int32, O](in, out, outer, n, inner, isMax)
	}
	return argMinMaxOp[uint8, O](in, out, outer, n, inner, isMax) // UINT8 and BOOL
}

// argMinMaxOp runs ARG_MAX or ARG_MIN over in viewed as [outer, n, inner],
// split by outer rows across the workers when large.
func argMinMaxOp[T kernels.Ordered, O kernels.Index](in, out *Tensor, outer, n, inner int, isMax bool) *op {
	f := kernels.ArgMin[T, O]
	if isMax {
		f = kernels.ArgMax[T, O]
	}
	rows := func(_, lo, hi int) {
		f(viewAs[T](in)[lo*n*inner:hi*n*inner], hi-lo, n, inner, viewAs[O](out)[lo*inner:hi*inner])
	}
	if in.NumElements() < parallelElements || outer < 2 {
		return &op{run: func() { rows(0, 0, outer) }}
	}
	return &op{rows: outer, runRows: rows}
}

// gatherOperands reads the params, indices and output that GATHER and
// GATHER_ND share: params of a type that only moves, INT32 or INT64
// indices, and an output of the params' type.
func (b *builder) gatherOperands() (params, indices, out *Tensor, err error) {
	if params, err = b.input(0); err != nil {
		return nil, nil, nil, err
	}
	if indices, err = b.input(1); err != nil {
		return nil, nil, nil, err
	}
	if out, err = b.output(0); err != nil {
		return nil, nil, nil, err
	}
	if err = b.expectType(params, movableTypes...); err != nil {
		return nil, nil, nil, err
	}
	if err = b.expectType(indices, tflite.TypeInt32, tflite.TypeInt64); err != nil {
		return nil, nil, nil, err
	}
	if err = b.expectType(out, params.Type); err != nil {
		return nil, nil, nil, err
	}
	return params, indices, out, nil
}

// buildGatherND prepares GATHER_ND: each row of the indices names a slice
// of the params by its leading coordinates; the output lists those slices.
func buildGatherND(b *builder) (*op, error) {
	params, indices, out, err := b.gatherOperands()
	if err != nil {
		return nil, err
	}
	if len(params.Shape) == 0 || len(indices.Shape) == 0 {
		return nil, b.errorf("%v and %v must both have rank 1 or more", params, indices)
	}
	nd := indices.Shape[len(indices.Shape)-1]
	if nd > len(params.Shape) {
		return nil, b.errorf("%v has %d coordinates per row, more than the rank of %v", indices, nd, params)
	}
	shape := append(append([]int{}, indices.Shape[:len(indices.Shape)-1]...), params.Shape[nd:]...)
	if err := b.setShape(out, shape); err != nil {
		return nil, err
	}
	size := params.Type.Size()
	dims := params.Shape[:nd]
	strides := make([]int, nd)
	for j := range strides {
		strides[j] = numElements(params.Shape[j+1:]) * size
	}
	rows := numElements(indices.Shape[:len(indices.Shape)-1])
	slice := numElements(params.Shape[nd:]) * size
	if indices.Type == tflite.TypeInt32 {
		return gatherNDOp[int32](b, params, indices, out, dims, strides, rows, slice)
	}
	return gatherNDOp[int64](b, params, indices, out, dims, strides, rows, slice)
}

func gatherNDOp[I kernels.Index](b *builder, params, indices, out *Tensor, dims, strides []int, rows, slice int) (*op, error) {
	if indices.constant {
		if bad := kernels.BadRowND(dims, viewAs[I](indices), rows); bad >= 0 {
			return nil, b.errorf("%v: row %d %v lies outside %v", indices, bad, viewAs[I](indices)[bad*len(dims):(bad+1)*len(dims)], params)
		}
	}
	fault := b.newFault()
	return &op{
		run: func() {
			ix := viewAs[I](indices)
			if bad := kernels.GatherND(params.data, dims, strides, ix, rows, slice, out.data); bad >= 0 {
				fault.setf("%v: row %d %v lies outside %v", indices, bad, ix[bad*len(dims):(bad+1)*len(dims)], params)
			}
		},
		fault: fault.take,
	}, nil
}

// movableTypes are the element types of operators that only move data.
var movableTypes = []tflite.TensorType{
	tflite.TypeFloat32, tflite.TypeUint8, tflite.TypeInt8, tflite.TypeInt16, tflite.TypeInt32, tflite.TypeInt64, tflite.TypeBool,
}

// constIndices reads a constant INT32 or INT64 tensor of indices, axes or
// sizes.
func (b *builder) constIndices(t *Tensor) ([]int64, error) {
	if !t.constant {
		return nil, b.unsupportedf("%v is not constant", t)
	}
	switch t.Type {
	case tflite.TypeInt32:
		v := make([]int64, 0, t.NumElements())
		for _, x := range t.Int32s() {
			v = append(v, int64(x))
		}
		return v, nil
	case tflite.TypeInt64:
		return append([]int64{}, t.Int64s()...), nil
	}
	return nil, b.errorf("%v must be INT32 or INT64", t)
}

// axis resolves an axis of a tensor of the given rank, counting from the
// end when negative.
func (b *builder) axis(a int64, rank int) (int, error) {
	resolved := a
	if a < 0 {
		resolved += int64(rank)
	}
	if resolved < 0 || resolved >= int64(rank) {
		return 0, b.errorf("axis %d out of range for rank %d", a, rank)
	}
	return int(resolved), nil
}

// runFault is where an operator that checks data at run time (indices the
// model computes) records what it found, for op.fault.
type runFault struct {
	prefix string
	err    error
}

// newFault returns a runFault whose errors name the operator.
func (b *builder) newFault() *runFault {
	return &runFault{prefix: fmt.Sprintf("nn: op %d %s (v%d): ", b.index, b.name, b.version)}
}

// setf records an error of this run.
func (f *runFault) setf(format string, args ...any) {
	f.err = errors.New(f.prefix + fmt.Sprintf(format, args...))
}

// take returns the error of the run that just ended, or nil, and clears it.
func (f *runFault) take() error {
	err := f.err
	f.err = nil
	return err
}

// buildGather prepares GATHER: the rows of the params along an axis that
// the indices name, in the indices' shape, with leading batch dimensions
// shared by both.
func buildGather(b *builder) (*op, error) {
	params, indices, out, err := b.gatherOperands()
	if err != nil {
		return nil, err
	}
	var o tflite.GatherOptions
	if opts, ok := b.op.Options.(*tflite.GatherOptions); ok {
		o = *opts
	}
	if len(params.Shape) == 0 {
		return nil, b.errorf("%v is a scalar: it has no axis to gather along", params)
	}
	axis, err := b.axis(int64(o.Axis), len(params.Shape))
	if err != nil {
		return nil, err
	}
	batchDims := int(o.BatchDims)
	if batchDims < 0 {
		batchDims += len(indices.Shape)
	}
	if batchDims < 0 || batchDims > axis || batchDims > len(indices.Shape) {
		return nil, b.errorf("batch_dims %d out of range for axis %d and %v", o.BatchDims, axis, indices)
	}
	if !slices.Equal(params.Shape[:batchDims], indices.Shape[:batchDims]) {
		return nil, b.errorf("%v and %v differ in their %d batch dimensions", params, indices, batchDims)
	}
	shape := slices.Concat(params.Shape[:axis], indices.Shape[batchDims:], params.Shape[axis+1:])
	if err := b.setShape(out, shape); err != nil {
		return nil, err
	}
	g := gather{
		batches: numElements(params.Shape[:batchDims]),
		outer:   numElements(params.Shape[batchDims:axis]),
		axis:    params.Shape[axis],
		inner:   numElements(params.Shape[axis+1:]) * params.Type.Size(),
		coords:  numElements(indices.Shape[batchDims:]),
	}
	if indices.Type == tflite.TypeInt32 {
		return gatherOp[int32](b, params, indices, out, g)
	}
	return gatherOp[int64](b, params, indices, out, g)
}

// gather is the layout of one GATHER (see kernels.Gather).
type gather struct {
	batches, outer, axis, inner, coords int
}

func gatherOp[I kernels.Index](b *builder, params, indices, out *Tensor, g gather) (*op, error) {
	if indices.constant {
		if bad := kernels.BadIndex(viewAs[I](indices), g.axis); bad >= 0 {
			return nil, b.errorf("%v: index %d at %d lies outside [0, %d)", indices, viewAs[I](indices)[bad], bad, g.axis)
		}
	}
	fault := b.newFault()
	return &op{
		run: func() {
			ix := viewAs[I](indices)
			if bad := kernels.Gather(params.data, g.batches, g.outer, g.axis, g.inner, ix, g.coords, out.data); bad >= 0 {
				fault.setf("%v: index %d at %d lies outside [0, %d)", indices, ix[bad], bad, g.axis)
			}
		},
		fault: fault.take,
	}, nil
}
