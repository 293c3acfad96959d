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
