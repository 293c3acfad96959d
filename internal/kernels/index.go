package kernels

// Ordered are the element types ARG_MAX and ARG_MIN compare (BOOL as
// uint8).
type Ordered interface {
	~int8 | ~uint8 | ~int16 | ~int32 | ~int64 | ~float32
}

// Index are the element types of a tensor of indices.
type Index interface{ ~int32 | ~int64 }

// ArgMax is ARG_MAX: src viewed as [outer, axis, inner], dst [outer, inner]
// gets, for each outer and inner position, the index along the axis of the
// largest element. As TFLite's reference, ties go to the lowest index and a
// NaN is never taken for a larger value (nor replaced, at index 0).
func ArgMax[T Ordered, O Index](src []T, outer, axis, inner int, dst []O) {
	var zero T
	if _, isFloat := any(zero).(float32); inner == 1 && !isFloat {
		// Integers have no NaN: find the largest value without branches
		// (max), then its first position, which a predictable branch finds.
		for o := range outer {
			row := src[o*axis : (o+1)*axis]
			best := row[0]
			for _, v := range row[1:] {
				best = max(best, v)
			}
			at := 0
			for row[at] != best {
				at++
			}
			dst[o] = O(at)
		}
		return
	}
	if inner == 1 {
		for o := range outer {
			row := src[o*axis : (o+1)*axis]
			best, at := row[0], 0
			for i, v := range row[1:] {
				if v > best {
					best, at = v, i+1
				}
			}
			dst[o] = O(at)
		}
		return
	}
	for o := range outer {
		base := o * axis * inner
		out := dst[o*inner : (o+1)*inner]
		for k := range inner {
			best, at := src[base+k], 0
			for i := 1; i < axis; i++ {
				if v := src[base+i*inner+k]; v > best {
					best, at = v, i
				}
			}
			out[k] = O(at)
		}
	}
}

// ArgMin is ARG_MIN, laid out as ArgMax: the index of the smallest element,
// ties to the lowest index.
func ArgMin[T Ordered, O Index](src []T, outer, axis, inner int, dst []O) {
	for o := range outer {
		base := o * axis * inner
		out := dst[o*inner : (o+1)*inner]
		for k := range inner {
			best, at := src[base+k], 0
			for i := 1; i < axis; i++ {
				if v := src[base+i*inner+k]; v < best {
					best, at = v, i
				}
			}
			out[k] = O(at)
		}
	}
}

// GatherND is GATHER_ND on raw bytes: params has the dimensions dims, each
// of the rows of indices (len(dims) coordinates each) names one slice of
// params by its first len(dims) coordinates, and the slices, of slice bytes
// each, are copied in order to dst. strides[j] is the byte distance between
// neighbours along dimension j. When a coordinate lies outside its
// dimension it copies nothing and returns the number of that row (see
// BadRowND); else it returns -1.
func GatherND[I Index](params []byte, dims, strides []int, indices []I, rows, slice int, dst []byte) int {
	if bad := BadRowND(dims, indices, rows); bad >= 0 {
		return bad
	}
	nd := len(dims)
	for r := range rows {
		from := 0
		for j, x := range indices[r*nd : (r+1)*nd] {
			from += int(x) * strides[j]
		}
		copy(dst[r*slice:(r+1)*slice], params[from:from+slice])
	}
	return -1
}

// BadRowND returns the first of the rows of indices, len(dims) coordinates
// each, with a coordinate outside [0, dims[j]), or -1.
func BadRowND[I Index](dims []int, indices []I, rows int) int {
	nd := len(dims)
	for r := range rows {
		for j, x := range indices[r*nd : (r+1)*nd] {
			if x < 0 || int64(x) >= int64(dims[j]) {
				return r
			}
		}
	}
	return -1
}

// Gather is GATHER on raw bytes: params viewed as [batches, outer, axis,
// inner] with inner in bytes, indices as [batches, coords], dst as
// [batches, outer, coords, inner] gets, in each batch, the rows along the
// axis that batch's indices name. When an index lies outside [0, axis) it
// copies nothing and returns that index's position in indices; else -1.
func Gather[I Index](params []byte, batches, outer, axis, inner int, indices []I, coords int, dst []byte) int {
	if bad := BadIndex(indices[:batches*coords], axis); bad >= 0 {
		return bad
	}
	o := 0
	for b := range batches {
		ix := indices[b*coords : (b+1)*coords]
		for s := range outer {
			base := (b*outer + s) * axis * inner
			for _, x := range ix {
				from := base + int(x)*inner
				o += copy(dst[o:o+inner], params[from:from+inner])
			}
		}
	}
	return -1
}

// BadIndex returns the position of the first of indices outside [0, n),
// or -1.
func BadIndex[I Index](indices []I, n int) int {
	for k, x := range indices {
		if x < 0 || int64(x) >= int64(n) {
			return k
		}
	}
	return -1
}
