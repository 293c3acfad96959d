package kernels

import "fmt"

// PadShape returns the shape of in padded by before[d] and after[d]
// elements along each NHWC dimension d, or an error for a negative padding.
func PadShape(in Shape4, before, after [4]int) (Shape4, error) {
	for d := range before {
		if before[d] < 0 || after[d] < 0 {
			return Shape4{}, fmt.Errorf("kernels: pad: negative padding %d, %d on dimension %d", before[d], after[d], d)
		}
	}
	return Shape4{
		N: in.N + before[0] + after[0],
		H: in.H + before[1] + after[1],
		W: in.W + before[2] + after[2],
		C: in.C + before[3] + after[3],
	}, nil
}

// Pad is PAD and PADV2 for any element type: dst, of shape
// PadShape(in, before, after), holds src surrounded by value (the output
// zero point for quantized PAD, PADV2's constant otherwise). It writes
// each element of dst once, in order: rows of padding whole, and within a
// row of the input its pixels with their channel padding (a whole row of
// pixels at once when only the spatial dimensions are padded).
func Pad[T any](in Shape4, src []T, before, after [4]int, value T, dst []T) {
	out := Shape4{
		N: in.N + before[0] + after[0],
		H: in.H + before[1] + after[1],
		W: in.W + before[2] + after[2],
		C: in.C + before[3] + after[3],
	}
	dst = dst[:out.Size()]
	fill := func(d []T) {
		for i := range d {
			d[i] = value
		}
	}
	row := out.W * out.C
	d, s := 0, 0
	for n := range out.N {
		for y := range out.H {
			if n < before[0] || n >= before[0]+in.N || y < before[1] || y >= before[1]+in.H {
				fill(dst[d : d+row])
				d += row
				continue
			}
			fill(dst[d : d+before[2]*out.C])
			d += before[2] * out.C
			if before[3] == 0 && after[3] == 0 {
				d += copy(dst[d:d+in.W*in.C], src[s:s+in.W*in.C])
				s += in.W * in.C
			} else {
				for range in.W {
					fill(dst[d : d+before[3]])
					d += before[3]
					d += copy(dst[d:d+in.C], src[s:s+in.C])
					s += in.C
					fill(dst[d : d+after[3]])
					d += after[3]
				}
			}
			fill(dst[d : d+after[2]*out.C])
			d += after[2] * out.C
		}
	}
}
