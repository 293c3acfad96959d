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
// zero point for quantized PAD, PADV2's constant otherwise).
func Pad[T any](in Shape4, src []T, before, after [4]int, value T, dst []T) {
	out := Shape4{
		N: in.N + before[0] + after[0],
		H: in.H + before[1] + after[1],
		W: in.W + before[2] + after[2],
		C: in.C + before[3] + after[3],
	}
	for i := range dst[:out.Size()] {
		dst[i] = value
	}
	for n := range in.N {
		for y := range in.H {
			for x := range in.W {
				s := ((n*in.H+y)*in.W + x) * in.C
				d := (((n+before[0])*out.H+y+before[1])*out.W+x+before[2])*out.C + before[3]
				copy(dst[d:d+in.C], src[s:s+in.C])
			}
		}
	}
}
