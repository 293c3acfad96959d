package kernels

// Split is the inverse of Concat, for SPLIT, SPLIT_V and UNPACK (and Concat
// itself is PACK): src is viewed as outer slices, each holding inner[k]
// contiguous elements of output k in turn. Pass raw bytes as T = byte with
// sizes in bytes to move any element type.
func Split[T any](outer int, src []T, inner []int, dsts [][]T) {
	i := 0
	for s := range outer {
		for k, dst := range dsts {
			n := inner[k]
			i += copy(dst[s*n:(s+1)*n], src[i:i+n])
		}
	}
}

// Strided is the copy behind SLICE, STRIDED_SLICE, TRANSPOSE,
// DEPTH_TO_SPACE and SPACE_TO_DEPTH: dst, in row-major order over the
// dimensions dims, gets dst[i₀…iₖ] = src[start + Σ iⱼ·strides[j]] (strides
// in elements, any sign). A last dimension of stride 1 is copied as runs.
// len(dst) must be the product of dims; dims may be empty (one element).
func Strided[T any](src []T, start int, dims, strides []int, dst []T) {
	if len(dst) == 0 {
		return
	}
	if len(dims) == 0 {
		dst[0] = src[start]
		return
	}
	var idx [MaxLayoutRank]int
	last := len(dims) - 1
	n, step := dims[last], strides[last]
	o, from := 0, start
	for o < len(dst) {
		if step == 1 {
			copy(dst[o:o+n], src[from:from+n])
		} else {
			for i := range n {
				dst[o+i] = src[from+i*step]
			}
		}
		o += n
		// Advance the odometer over the outer dimensions.
		for j := last - 1; j >= 0; j-- {
			idx[j]++
			from += strides[j]
			if idx[j] < dims[j] {
				break
			}
			from -= idx[j] * strides[j]
			idx[j] = 0
		}
	}
}

// MaxLayoutRank is the most dimensions Strided walks: TFLite's six of
// TRANSPOSE, and the six of DEPTH_TO_SPACE seen as a strided copy.
const MaxLayoutRank = 8

// Compact merges neighbouring dimensions of a strided copy that walk
// memory as one (the outer one's stride is the inner one's times its
// extent) and drops dimensions of extent 1, so that Strided moves longer
// runs. It returns the new dims and strides, at least one dimension unless
// there are none.
func Compact(dims, strides []int) ([]int, []int) {
	var d, s []int
	for j := range dims {
		if dims[j] == 1 {
			continue
		}
		if k := len(d) - 1; k >= 0 && s[k] == strides[j]*dims[j] {
			d[k] *= dims[j]
			s[k] = strides[j]
			continue
		}
		d, s = append(d, dims[j]), append(s, strides[j])
	}
	if len(d) == 0 && len(dims) > 0 {
		d, s = []int{1}, []int{1}
	}
	return d, s
}
