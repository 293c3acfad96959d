//go:build arm64 && !purego

package kernels

// WidenHalves converts src to float32 into dst, which must be at least as
// long, and returns dst[:len(src)]. With Advanced SIMD (whose FCVTL widens
// halves without the FP16 extension) it converts 16 halves an instruction
// group, bit-identical to Half.Float32.
func WidenHalves(dst []float32, src []Half) []float32 {
	dst = dst[:len(src)]
	whole := len(src) &^ 15
	if hasNeon && whole > 0 {
		widenHalvesNeon(&dst[0], &src[0], whole)
	}
	widenHalvesGo(dst[whole:], src[whole:])
	return dst
}

// widenHalvesNeon widens n halves (a positive multiple of 16) from src into
// dst.
//
//go:noescape
func widenHalvesNeon(dst *float32, src *Half, n int)

// narrowFloats rounds src to halves into dst, which must be at least as
// long, as HalfFromFloat32 does: with Advanced SIMD, 16 floats at a time
// with FCVTN and FCVTN2 (base Advanced SIMD, like FCVTL).
func narrowFloats(dst []Half, src []float32) {
	dst = dst[:len(src)]
	whole := len(src) &^ 15
	if hasNeon && whole > 0 {
		narrowFloatsNeon(&dst[0], &src[0], whole)
	}
	narrowFloatsGo(dst[whole:], src[whole:])
}

// narrowFloatsNeon narrows n floats (a positive multiple of 16) from src
// into dst.
//
//go:noescape
func narrowFloatsNeon(dst *Half, src *float32, n int)
