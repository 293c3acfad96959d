package nn

import "github.com/percept-robotics/percept/tflite"

// buildReshape relabels its input with a new shape, sharing its memory.
// The new shape comes from the shape input, else from the options, else
// from the output's declared shape; one dimension may be -1.
func buildReshape(b *builder) (*op, error) {
	in, err := b.input(0)
	if err != nil {
		return nil, err
	}
	out, err := b.output(0)
	if err != nil {
		return nil, err
	}
	var want []int
	switch shapeIn := b.optionalInput(1); {
	case shapeIn != nil && shapeIn.constant && shapeIn.Type == tflite.TypeInt32 && len(shapeIn.Shape) == 1:
		for _, d := range shapeIn.Int32s() {
			want = append(want, int(d))
		}
	case shapeIn != nil && !shapeIn.constant && len(out.Shape) > 0:
		want = out.Shape // a computed shape tensor: trust the static output shape
	default:
		if o, ok := b.op.Options.(*tflite.ReshapeOptions); ok && len(o.NewShape) > 0 {
			for _, d := range o.NewShape {
				want = append(want, int(d))
			}
		} else {
			want = out.Shape
		}
	}
	shape, err := b.resolveShape(want, in.NumElements())
	if err != nil {
		return nil, err
	}
	if err := b.sameBytes(in, out, shape); err != nil {
		return nil, err
	}
	b.alias(out, in)
	return nil, nil
}

// buildSqueeze drops dimensions of size 1 (those listed, or all).
func buildSqueeze(b *builder) (*op, error) {
	in, err := b.input(0)
	if err != nil {
		return nil, err
	}
	out, err := b.output(0)
	if err != nil {
		return nil, err
	}
	drop := make([]bool, len(in.Shape))
	if o, ok := b.op.Options.(*tflite.SqueezeOptions); ok && len(o.SqueezeDims) > 0 {
		for _, d := range o.SqueezeDims {
			axis := int(d)
			if axis < 0 {
				axis += len(in.Shape)
			}
			if axis < 0 || axis >= len(in.Shape) || in.Shape[axis] != 1 {
				return nil, b.errorf("cannot squeeze dimension %d of %v", d, in)
			}
			drop[axis] = true
		}
	} else {
		for i, d := range in.Shape {
			drop[i] = d == 1
		}
	}
	shape := []int{}
	for i, d := range in.Shape {
		if !drop[i] {
			shape = append(shape, d)
		}
	}
	if err := b.sameBytes(in, out, shape); err != nil {
		return nil, err
	}
	b.alias(out, in)
	return nil, nil
}

// resolveShape fills in a -1 dimension so that the shape holds n elements.
func (b *builder) resolveShape(want []int, n int) ([]int, error) {
	shape := append([]int{}, want...)
	unknown, known := -1, 1
	for i, d := range shape {
		switch {
		case d == -1 && unknown < 0:
			unknown = i
		case d < 0:
			return nil, b.errorf("invalid shape %v", want)
		default:
			known *= d
		}
	}
	if unknown >= 0 {
		if known == 0 || n%known != 0 {
			return nil, b.errorf("cannot reshape %d elements to %v", n, want)
		}
		shape[unknown] = n / known
	}
	if numElements(shape) != n {
		return nil, b.errorf("cannot reshape %d elements to %v", n, want)
	}
	return shape, nil
}

// sameBytes checks that out, given shape, holds in's data unchanged.
func (b *builder) sameBytes(in, out *Tensor, shape []int) error {
	if in.Type != out.Type {
		return b.errorf("%v and %v differ in type", in, out)
	}
	if numElements(shape) != in.NumElements() {
		return b.errorf("%v cannot hold the data of %v", out, in)
	}
	return b.setShape(out, shape)
}
