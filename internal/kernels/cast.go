package kernels

import (
	"math"
	"unsafe"
)

// Integer are the integer element types CAST converts between.
type Integer interface {
	~int8 | ~uint8 | ~int16 | ~int32 | ~int64
}

// CastInt is CAST from an integer type: to a narrower integer it keeps the
// low bits (two's complement wrap-around), to float32 it rounds to nearest
// even, as C++'s static_cast in TFLite's kernel.
func CastInt[S Integer, D Integer | ~float32](src []S, dst []D) {
	for i, v := range src {
		dst[i] = D(v)
	}
}

// CastFloat is CAST from float32 to an integer type: it truncates toward
// zero. Where C++ leaves the conversion undefined, percept fixes what
// TFLite does on ARM: a value beyond int32 saturates to its limits (int64's
// for an int64 destination) and NaN becomes 0; a narrower destination then
// keeps the low bits of that int32, as compilers do on both x86 and ARM.
func CastFloat[D Integer](src []float32, dst []D) {
	var zero D
	wide := unsafe.Sizeof(zero) == 8
	for i, v := range src {
		if wide {
			dst[i] = D(truncToInt64(v))
		} else {
			dst[i] = D(truncToInt32(v))
		}
	}
}

// truncToInt64 converts v to int64 as truncToInt32 does to int32: toward
// zero, saturating at int64's limits, NaN to 0.
func truncToInt64(v float32) int64 {
	switch {
	case v != v:
		return 0
	case v >= math.MaxInt64:
		return math.MaxInt64
	case v <= math.MinInt64:
		return math.MinInt64
	}
	return int64(v)
}

// CastToBool is CAST to BOOL: 1 for a nonzero element (NaN included), 0
// for zero.
func CastToBool[S Integer | ~float32](src []S, dst []uint8) {
	for i, v := range src {
		if v != 0 {
			dst[i] = 1
		} else {
			dst[i] = 0
		}
	}
}

// CastFromBool is CAST from BOOL (any nonzero byte is true) to 1 or 0.
func CastFromBool[D Integer | ~float32](src []uint8, dst []D) {
	for i, v := range src {
		if v != 0 {
			dst[i] = 1
		} else {
			dst[i] = 0
		}
	}
}
