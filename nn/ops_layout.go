package nn

import (
	"fmt"
	"slices"

	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/tflite"
)

// The operators that only rearrange elements: PACK and UNPACK, SPLIT and
// SPLIT_V, SLICE and STRIDED_SLICE, TRANSPOSE, DEPTH_TO_SPACE and
// SPACE_TO_DEPTH. They copy raw bytes, so they take any element type
// TFLite allows them and keep the quantization of their input.

// buildPack prepares PACK: its inputs, all of one shape, stacked along a
// new axis of the output.
func buildPack(b *builder) (*op, error) {
	o, ok := b.op.Options.(*tflite.PackOptions)
	if !ok {
		return nil, b.errorf("missing PackOptions")
	}
	out, err := b.output(0)
	if err != nil {
		return nil, err
	}
	n := b.numInputs()
	if n == 0 || int(o.ValuesCount) != n {
		return nil, b.errorf("%d inputs, the options say %d", n, o.ValuesCount)
	}
	first, err := b.input(0)
	if err != nil {
		return nil, err
	}
	if err := b.expectType(first, movableTypes...); err != nil {
		return nil, err
	}
	axis, err := b.axis(int64(o.Axis), len(first.Shape)+1)
	if err != nil {
		return nil, err
	}
	ins := make([]*Tensor, n)
	for i := range ins {
		t, err := b.input(i)
		if err != nil {
			return nil, err
		}
		if err := b.expectType(t, first.Type); err != nil {
			return nil, err
		}
		if !slices.Equal(t.Shape, first.Shape) {
			return nil, b.errorf("%v and %v differ in shape", first, t)
		}
		if err := b.sameQuantization(t, out); err != nil {
			return nil, err
		}
		ins[i] = t
	}
	if err := b.expectType(out, first.Type); err != nil {
		return nil, err
	}
	shape := append(append(append([]int{}, first.Shape[:axis]...), n), first.Shape[axis:]...)
	if err := b.setShape(out, shape); err != nil {
		return nil, err
	}
	outer := numElements(first.Shape[:axis])
	inner := make([]int, n)
	for i := range inner {
		inner[i] = numElements(first.Shape[axis:]) * first.Type.Size()
	}
	data := make([][]byte, n)
	return &op{
		bind: func() {
			for i, t := range ins {
				data[i] = t.data
			}
		},
		run: func() { kernels.Concat(outer, data, inner, out.data) },
	}, nil
}

// buildUnpack prepares UNPACK: its input cut along an axis into outputs
// without that axis.
func buildUnpack(b *builder) (*op, error) {
	o, ok := b.op.Options.(*tflite.UnpackOptions)
	if !ok {
		return nil, b.errorf("missing UnpackOptions")
	}
	in, err := b.input(0)
	if err != nil {
		return nil, err
	}
	if err := b.expectType(in, movableTypes...); err != nil {
		return nil, err
	}
	axis, err := b.axis(int64(o.Axis), len(in.Shape))
	if err != nil {
		return nil, err
	}
	n := in.Shape[axis]
	if o.Num != 0 && int(o.Num) != n {
		return nil, b.errorf("%v has %d elements along axis %d, the options say %d", in, n, axis, o.Num)
	}
	if len(b.op.Outputs) != n {
		return nil, b.errorf("%d outputs for the %d elements of %v along axis %d", len(b.op.Outputs), n, in, axis)
	}
	shape := append(append([]int{}, in.Shape[:axis]...), in.Shape[axis+1:]...)
	return b.splitOp(in, axis, shape, nil)
}

// splitOp prepares the outputs of UNPACK (sizes nil: one element along the
// axis each, which they drop, giving them shape) or SPLIT and SPLIT_V
// (sizes along the axis, shape nil).
func (b *builder) splitOp(in *Tensor, axis int, shape []int, sizes []int) (*op, error) {
	outs := make([]*Tensor, len(b.op.Outputs))
	inner := make([]int, len(outs))
	for k := range outs {
		t, err := b.output(k)
		if err != nil {
			return nil, err
		}
		if err := b.expectType(t, in.Type); err != nil {
			return nil, err
		}
		s, extent := shape, 1
		if sizes != nil {
			s = append([]int{}, in.Shape...)
			s[axis], extent = sizes[k], sizes[k]
		}
		if err := b.setShape(t, s); err != nil {
			return nil, err
		}
		inner[k] = extent * numElements(in.Shape[axis+1:]) * in.Type.Size()
		outs[k] = t
	}
	outer := numElements(in.Shape[:axis])
	data := make([][]byte, len(outs))
	return &op{
		bind: func() {
			for k, t := range outs {
				data[k] = t.data
			}
		},
		run: func() { kernels.Split(outer, in.data, inner, data) },
	}, nil
}

// sameQuantization checks, for INT8 tensors, that in and out share their
// quantization, which TFLite requires of operators that copy int8 data
// between several tensors.
func (b *builder) sameQuantization(in, out *Tensor) error {
	if in.Type != tflite.TypeInt8 {
		return nil
	}
	if in.Scale() != out.Scale() || in.ZeroPoint() != out.ZeroPoint() {
		return b.errorf("%v and %v differ in quantization (scale %g, zero point %d against %g, %d)",
			in, out, in.Scale(), in.ZeroPoint(), out.Scale(), out.ZeroPoint())
	}
	return nil
}

// buildSplit prepares SPLIT: its input (the second input; the first is the
// axis) cut along the axis into equal parts.
func buildSplit(b *builder) (*op, error) {
	axisIn, err := b.input(0)
	if err != nil {
		return nil, err
	}
	in, err := b.input(1)
	if err != nil {
		return nil, err
	}
	axis, err := b.constAxis(axisIn, in)
	if err != nil {
		return nil, err
	}
	n := len(b.op.Outputs)
	if o, ok := b.op.Options.(*tflite.SplitOptions); ok && int(o.NumSplits) != n {
		return nil, b.errorf("%d outputs, the options say %d", n, o.NumSplits)
	}
	if n == 0 || in.Shape[axis]%n != 0 {
		return nil, b.errorf("%v does not split into %d equal parts along axis %d", in, n, axis)
	}
	sizes := make([]int, n)
	for k := range sizes {
		sizes[k] = in.Shape[axis] / n
	}
	return b.splitOp(in, axis, nil, sizes)
}

// buildSplitV prepares SPLIT_V: its input cut along the axis into parts of
// the given sizes, one of which may be -1 (the rest).
func buildSplitV(b *builder) (*op, error) {
	in, err := b.input(0)
	if err != nil {
		return nil, err
	}
	sizesIn, err := b.input(1)
	if err != nil {
		return nil, err
	}
	axisIn, err := b.input(2)
	if err != nil {
		return nil, err
	}
	axis, err := b.constAxis(axisIn, in)
	if err != nil {
		return nil, err
	}
	given, err := b.constIndices(sizesIn)
	if err != nil {
		return nil, err
	}
	n := len(b.op.Outputs)
	if len(given) != n {
		return nil, b.errorf("%v holds %d sizes for %d outputs", sizesIn, len(given), n)
	}
	sizes := make([]int, n)
	rest, sum := -1, int64(0)
	for k, s := range given {
		switch {
		case s == -1 && rest < 0:
			rest = k
		case s < 0:
			return nil, b.errorf("%v: size %d of output %d", sizesIn, s, k)
		default:
			if sum += s; sum > int64(in.Shape[axis]) {
				return nil, b.errorf("%v: sizes %v exceed the %d elements of %v along axis %d", sizesIn, given, in.Shape[axis], in, axis)
			}
			sizes[k] = int(s)
		}
	}
	if rest >= 0 {
		sizes[rest] = in.Shape[axis] - int(sum)
	} else if sum != int64(in.Shape[axis]) {
		return nil, b.errorf("%v: sizes %v do not add up to the %d elements of %v along axis %d", sizesIn, given, in.Shape[axis], in, axis)
	}
	return b.splitOp(in, axis, nil, sizes)
}

// constAxis reads the constant axis of in that axisIn holds (one value).
func (b *builder) constAxis(axisIn, in *Tensor) (int, error) {
	if err := b.expectType(in, movableTypes...); err != nil {
		return 0, err
	}
	v, err := b.constIndices(axisIn)
	if err != nil {
		return 0, err
	}
	if len(v) != 1 {
		return 0, b.errorf("axis %v must hold one value", axisIn)
	}
	return b.axis(v[0], len(in.Shape))
}

// maxLayoutRank is the highest rank of the operators that walk their input
// with kernels.Strided (TFLite's TRANSPOSE takes six dimensions, its
// SLICE and STRIDED_SLICE five).
const maxLayoutRank = 6

// buildSlice prepares SLICE: a box of the input, from constant begin
// coordinates and sizes (-1: to the end).
func buildSlice(b *builder) (*op, error) {
	in, out, err := b.layoutOperands()
	if err != nil {
		return nil, err
	}
	beginIn, err := b.input(1)
	if err != nil {
		return nil, err
	}
	sizeIn, err := b.input(2)
	if err != nil {
		return nil, err
	}
	begin, err := b.constIndices(beginIn)
	if err != nil {
		return nil, err
	}
	size, err := b.constIndices(sizeIn)
	if err != nil {
		return nil, err
	}
	rank := len(in.Shape)
	if len(begin) != rank || len(size) != rank {
		return nil, b.errorf("begin %v and size %v must hold %d values, the rank of %v", begin, size, rank, in)
	}
	shape, strides := make([]int, rank), elementStrides(in.Shape)
	start := 0
	for d, dim := range in.Shape {
		s := size[d]
		if s == -1 {
			s = int64(dim) - begin[d]
		}
		if begin[d] < 0 || s < 0 || begin[d] > int64(dim) || s > int64(dim)-begin[d] {
			return nil, b.errorf("begin %v and size %v reach outside %v along dimension %d", begin, size, in, d)
		}
		shape[d] = int(s)
		start += int(begin[d]) * strides[d]
	}
	if err := b.setShape(out, shape); err != nil {
		return nil, err
	}
	return stridedOp(in, out, start, shape, strides), nil
}

// layoutOperands fetches the first input and the output of an operator
// that rearranges elements, of a type it moves and rank at most
// maxLayoutRank.
func (b *builder) layoutOperands() (in, out *Tensor, err error) {
	if in, err = b.input(0); err != nil {
		return nil, nil, err
	}
	if out, err = b.output(0); err != nil {
		return nil, nil, err
	}
	if err = b.expectType(in, movableTypes...); err != nil {
		return nil, nil, err
	}
	if err = b.expectType(out, in.Type); err != nil {
		return nil, nil, err
	}
	if len(in.Shape) > maxLayoutRank {
		return nil, nil, b.unsupportedf("%v has rank %d, above %d", in, len(in.Shape), maxLayoutRank)
	}
	return in, out, nil
}

// elementStrides is the distance in elements between neighbours along
// each dimension of a row-major shape.
func elementStrides(shape []int) []int {
	strides := make([]int, len(shape))
	for d := range shape {
		strides[d] = numElements(shape[d+1:])
	}
	return strides
}

// buildTranspose prepares TRANSPOSE: output dimension i is input dimension
// perm[i], for a constant permutation perm of 0 … rank-1.
func buildTranspose(b *builder) (*op, error) {
	in, out, err := b.layoutOperands()
	if err != nil {
		return nil, err
	}
	permIn, err := b.input(1)
	if err != nil {
		return nil, err
	}
	perm, err := b.constIndices(permIn)
	if err != nil {
		return nil, err
	}
	rank := len(in.Shape)
	if len(perm) != rank {
		return nil, b.errorf("permutation %v must hold %d values, the rank of %v", perm, rank, in)
	}
	inStrides := elementStrides(in.Shape)
	shape, strides := make([]int, rank), make([]int, rank)
	seen := make([]bool, rank)
	for i, p := range perm {
		if p < 0 || p >= int64(rank) || seen[p] { // TFLite takes no negative dimensions either
			return nil, b.errorf("%v is not a permutation of %d dimensions", perm, rank)
		}
		seen[p] = true
		shape[i], strides[i] = in.Shape[p], inStrides[p]
	}
	if err := b.setShape(out, shape); err != nil {
		return nil, err
	}
	return stridedOp(in, out, 0, shape, strides), nil
}

// buildDepthToSpace prepares DEPTH_TO_SPACE: each pixel's channels, in
// blocks, spread over a block×block patch of the output.
func buildDepthToSpace(b *builder) (*op, error) {
	o, ok := b.op.Options.(*tflite.DepthToSpaceOptions)
	if !ok {
		return nil, b.errorf("missing DepthToSpaceOptions")
	}
	in, out, err := b.blockOperands(o.BlockSize)
	if err != nil {
		return nil, err
	}
	bs := int(o.BlockSize)
	n, h, w, c := in.Shape[0], in.Shape[1], in.Shape[2], in.Shape[3]
	if c%(bs*bs) != 0 {
		return nil, b.errorf("%v: %d channels do not divide into %d×%d blocks", in, c, bs, bs)
	}
	if int64(h)*int64(bs) > maxExtent || int64(w)*int64(bs) > maxExtent {
		return nil, b.errorf("%v: block size %d makes the output too large", in, bs)
	}
	oc := c / (bs * bs)
	if err := b.setShape(out, []int{n, h * bs, w * bs, oc}); err != nil {
		return nil, err
	}
	// The output walked as [n, h, by, w, bx, c].
	dims := []int{n, h, bs, w, bs, oc}
	strides := []int{h * w * c, w * c, bs * oc, c, oc, 1}
	return stridedOp(in, out, 0, dims, strides), nil
}

// buildSpaceToDepth prepares SPACE_TO_DEPTH: each block×block patch of the
// input stacked into the channels of one output pixel.
func buildSpaceToDepth(b *builder) (*op, error) {
	o, ok := b.op.Options.(*tflite.SpaceToDepthOptions)
	if !ok {
		return nil, b.errorf("missing SpaceToDepthOptions")
	}
	in, out, err := b.blockOperands(o.BlockSize)
	if err != nil {
		return nil, err
	}
	bs := int(o.BlockSize)
	n, h, w, c := in.Shape[0], in.Shape[1], in.Shape[2], in.Shape[3]
	if h%bs != 0 || w%bs != 0 {
		return nil, b.errorf("%v: height %d and width %d must be multiples of the block size %d", in, h, w, bs)
	}
	if err := b.setShape(out, []int{n, h / bs, w / bs, c * bs * bs}); err != nil {
		return nil, err
	}
	// The output walked as [n, oh, ow, by, bx, c].
	dims := []int{n, h / bs, w / bs, bs, bs, c}
	strides := []int{h * w * c, bs * w * c, bs * c, w * c, c, 1}
	return stridedOp(in, out, 0, dims, strides), nil
}

// blockOperands fetches the rank-4 input and the output of DEPTH_TO_SPACE
// or SPACE_TO_DEPTH, and checks the block size.
func (b *builder) blockOperands(blockSize int32) (in, out *Tensor, err error) {
	if in, out, err = b.layoutOperands(); err != nil {
		return nil, nil, err
	}
	if err = b.expectType(in, tflite.TypeFloat32, tflite.TypeUint8, tflite.TypeInt8, tflite.TypeInt32, tflite.TypeInt64); err != nil {
		return nil, nil, err
	}
	if err = b.expectRank(in, 4); err != nil {
		return nil, nil, err
	}
	if blockSize < 1 || blockSize > 1<<15 {
		return nil, nil, b.errorf("block size %d", blockSize)
	}
	return in, out, nil
}

// stridedOp prepares a kernels.Strided copy from in to out, moving
// elements as unsigned integers of their width.
func stridedOp(in, out *Tensor, start int, dims, strides []int) *op {
	dims, strides = kernels.Compact(dims, strides)
	switch in.Type.Size() {
	case 1:
		return stridedOf[uint8](in, out, start, dims, strides)
	case 2:
		return stridedOf[uint16](in, out, start, dims, strides)
	case 4:
		return stridedOf[uint32](in, out, start, dims, strides)
	}
	return stridedOf[uint64](in, out, start, dims, strides)
}

func stridedOf[T any](in, out *Tensor, start int, dims, strides []int) *op {
	return &op{run: func() { kernels.Strided(viewAs[T](in), start, dims, strides, viewAs[T](out)) }}
}

// buildStridedSlice prepares STRIDED_SLICE with constant begin, end and
// strides, as TensorFlow defines its masks: begin_mask and end_mask take
// the whole range of a dimension, one ellipsis stands for the dimensions
// the other specs leave out, new_axis_mask inserts a dimension of 1,
// shrink_axis_mask takes one element and drops the dimension, and offset
// makes each end relative to its begin. Out-of-range begins and ends clamp
// to the dimension; a shrunk index out of range is an error.
func buildStridedSlice(b *builder) (*op, error) {
	var o tflite.StridedSliceOptions
	if opts, ok := b.op.Options.(*tflite.StridedSliceOptions); ok {
		o = *opts
	}
	in, out, err := b.layoutOperands()
	if err != nil {
		return nil, err
	}
	var spec [3][]int64 // begin, end, strides
	for k := range spec {
		t, err := b.input(k + 1)
		if err != nil {
			return nil, err
		}
		if spec[k], err = b.constIndices(t); err != nil {
			return nil, err
		}
	}
	begin, end, strides := spec[0], spec[1], spec[2]
	n := len(begin)
	if len(end) != n || len(strides) != n || n > 31 {
		return nil, b.errorf("begin %v, end %v and strides %v must hold as many values, at most 31", begin, end, strides)
	}
	dense, final, err := b.denseSlice(&o, in.Shape, begin, end, strides)
	if err != nil {
		return nil, err
	}
	inStrides := elementStrides(in.Shape)
	start := 0
	var dims, steps []int
	for d, s := range dense {
		start += s.start * inStrides[d]
		if !s.shrink {
			dims, steps = append(dims, s.count), append(steps, s.stride*inStrides[d])
		}
	}
	var shape []int
	for _, d := range final {
		switch {
		case d == newAxis:
			shape = append(shape, 1)
		case !dense[d].shrink:
			shape = append(shape, dense[d].count)
		}
	}
	if shape == nil {
		shape = []int{}
	}
	if err := b.setShape(out, shape); err != nil {
		return nil, err
	}
	return stridedOp(in, out, start, dims, steps), nil
}

// sliceDim is one input dimension of a STRIDED_SLICE: the first index
// taken, how many and the step between them; shrink drops the dimension
// (one element).
type sliceDim struct {
	start, count, stride int
	shrink               bool
}

// newAxis marks a dimension a STRIDED_SLICE inserts.
const newAxis = -1

// denseSlice expands the sparse specs of a STRIDED_SLICE (one per begin
// value) to one per input dimension, and lists the output's dimensions as
// input dimensions or newAxis, shrunk ones included.
func (b *builder) denseSlice(o *tflite.StridedSliceOptions, shape []int, begin, end, strides []int64) ([]sliceDim, []int, error) {
	n, rank := len(begin), len(shape)
	bit := func(mask int32, i int) bool { return mask&(1<<i) != 0 }
	ellipsis, newAfter := -1, 0
	for i := range n {
		switch {
		case bit(o.EllipsisMask, i) && ellipsis >= 0:
			return nil, nil, b.errorf("ellipsis mask %#x has more than one bit", o.EllipsisMask)
		case bit(o.EllipsisMask, i):
			ellipsis = i
		case ellipsis >= 0 && bit(o.NewAxisMask, i):
			newAfter++
		}
	}
	dense := make([]sliceDim, rank)
	var final []int
	full := 0
	whole := func(next int) {
		for ; full < next; full++ {
			dense[full] = sliceDim{count: shape[full], stride: 1}
			final = append(final, full)
		}
	}
	for i := range n {
		switch {
		case i == ellipsis:
			whole(min(rank-(n-i)+1+newAfter, rank))
		case bit(o.NewAxisMask, i):
			final = append(final, newAxis)
		default:
			if full >= rank {
				return nil, nil, b.errorf("begin %v has more dimensions than the input's %v", begin, shape)
			}
			d, err := b.sliceDim(shape[full], begin[i], end[i], strides[i], bit(o.BeginMask, i), bit(o.EndMask, i), bit(o.ShrinkAxisMask, i), o.Offset)
			if err != nil {
				return nil, nil, b.errorf("dimension %d: %v", full, err)
			}
			dense[full] = d
			final = append(final, full)
			full++
		}
	}
	whole(rank) // the implicit ellipsis at the end
	return dense, final, nil
}

// sliceDim resolves one dimension of extent dim of a STRIDED_SLICE.
func (b *builder) sliceDim(dim int, begin, end, stride int64, beginMasked, endMasked, shrink, offset bool) (sliceDim, error) {
	if stride == 0 {
		return sliceDim{}, fmt.Errorf("stride 0")
	}
	const far = 1 << 40 // beyond any extent: clamps like infinity, adds without overflow
	size := int64(dim)
	// A step of the whole extent or more takes at most the first element.
	step := max(size, 1)
	begin, end, stride = max(min(begin, far), -far), max(min(end, far), -far), max(min(stride, step), -step)
	if shrink {
		x := begin
		if x < 0 {
			x += size
		}
		if x < 0 || x >= size {
			return sliceDim{}, fmt.Errorf("index %d out of range for extent %d", begin, dim)
		}
		return sliceDim{start: int(x), count: 1, stride: 1, shrink: true}, nil
	}
	if offset {
		end += begin
	}
	lo, hi := int64(0), size // clamp range of a forward walk
	if stride < 0 {
		lo, hi = -1, size-1
	}
	resolve := func(x int64, masked bool, first bool) int64 {
		if masked {
			if (stride > 0) == first {
				return lo
			}
			return hi
		}
		if x < 0 {
			x += size
		}
		return max(lo, min(x, hi))
	}
	start, stop := resolve(begin, beginMasked, true), resolve(end, endMasked, false)
	count := int64(0)
	if stride > 0 && stop > start {
		count = (stop - start + stride - 1) / stride
	} else if stride < 0 && start > stop {
		count = (start - stop - stride - 1) / -stride
	}
	return sliceDim{start: int(start), count: int(count), stride: int(stride)}, nil
}
