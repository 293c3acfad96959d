package kernels

import "fmt"

// Concat is CONCATENATION by plain copying, for float tensors and for
// quantized tensors that all share the output's quantization (pass raw
// bytes as T = byte with sizes in bytes to move any element type). The
// tensors are viewed as outer slices along the axis: input k contributes
// inner[k] contiguous elements (its extent along the axis times the size of
// the dimensions after it) to each of the outer slices of dst.
func Concat[T any](outer int, inputs [][]T, inner []int, dst []T) {
	o := 0
	for s := range outer {
		for k, in := range inputs {
			n := inner[k]
			o += copy(dst[o:o+n], in[s*n:(s+1)*n])
		}
	}
}

// ConcatParams holds, for each input of a quantized CONCATENATION, whether
// it can be copied (same quantization as the output) or the float scale and
// bias that requantize it (TFLite's ConcatenationWithScaling).
type ConcatParams struct {
	copyAsIs []bool
	scale    []float32
	bias     []float32
	outZero  int32
}

// NewConcatParams prepares a quantized CONCATENATION of inputs quantized as
// ins into a tensor quantized as out.
func NewConcatParams(ins []Affine, out Affine) (*ConcatParams, error) {
	if !validScale(out.Scale) {
		return nil, fmt.Errorf("kernels: concatenation: output scale %g must be positive and finite", out.Scale)
	}
	p := &ConcatParams{
		copyAsIs: make([]bool, len(ins)),
		scale:    make([]float32, len(ins)),
		bias:     make([]float32, len(ins)),
		outZero:  out.ZeroPoint,
	}
	inverseOutScale := 1 / out.Scale
	for k, in := range ins {
		if !validScale(in.Scale) {
			return nil, fmt.Errorf("kernels: concatenation: input %d scale %g must be positive and finite", k, in.Scale)
		}
		p.copyAsIs[k] = in == out
		p.scale[k] = in.Scale * inverseOutScale
		p.bias[k] = float32(-in.ZeroPoint) * p.scale[k]
	}
	return p, nil
}

// ConcatRequant is TFLite's ConcatenationWithScaling: inputs laid out as for
// Concat; an input quantized differently from the output is mapped by
// round(q·scale + bias) + out zero point, rounding half away from zero, and
// clamped to T's range.
func ConcatRequant[T int8 | uint8](p *ConcatParams, outer int, inputs [][]T, inner []int, dst []T) {
	o := 0
	for s := range outer {
		for k, in := range inputs {
			n := inner[k]
			part := in[s*n : (s+1)*n]
			if p.copyAsIs[k] {
				copy(dst[o:o+n], part)
			} else {
				requantizeConcatInput(p, k, part, dst[o:o+n])
			}
			o += n
		}
	}
}

// requantizeConcatInput maps src, values of input k, into dst as
// ConcatRequant does.
func requantizeConcatInput[T int8 | uint8](p *ConcatParams, k int, src, dst []T) {
	lo, hi := typeRange[T]()
	dst = dst[:len(src)]
	for i, v := range src {
		r := int64(roundToInt32(float32(float32(v)*p.scale[k])+p.bias[k])) + int64(p.outZero)
		dst[i] = T(min(max(r, int64(lo)), int64(hi)))
	}
}

// ConcatTables tabulates, for each input of p that is not copied as it is,
// ConcatRequant's mapping of its 256 values (nil for inputs copied as they
// are), for ConcatLookup.
func ConcatTables[T int8 | uint8](p *ConcatParams) []*Table8 {
	tables := make([]*Table8, len(p.copyAsIs))
	for k, asIs := range p.copyAsIs {
		if !asIs {
			tables[k] = Tabulate8(func(src, dst []T) { requantizeConcatInput(p, k, src, dst) })
		}
	}
	return tables
}

// ConcatLookup is ConcatRequant with the tables of ConcatTables, for the
// elements [e0, e1) of dst only, so that disjoint element ranges may run
// concurrently: one load per requantized element, the same bytes.
func ConcatLookup[T int8 | uint8](tables []*Table8, outer int, inputs [][]T, inner []int, dst []T, e0, e1 int) {
	total := 0
	for _, n := range inner {
		total += n
	}
	if total == 0 {
		return
	}
	for s := e0 / total; s < outer && s*total < e1; s++ {
		o := s * total
		for k, n := range inner {
			lo, hi := max(o, e0), min(o+n, e1)
			if lo < hi {
				part := inputs[k][s*n+lo-o : s*n+hi-o]
				if tables[k] == nil {
					copy(dst[lo:hi], part)
				} else {
					Lookup8(tables[k], part, dst[lo:hi])
				}
			}
			o += n
		}
	}
}
