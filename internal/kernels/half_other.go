//go:build purego || !arm64

package kernels

// WidenHalves converts src to float32 into dst, which must be at least as
// long, and returns dst[:len(src)].
func WidenHalves(dst []float32, src []Half) []float32 { return widenHalvesGo(dst, src) }

// narrowFloats rounds src to halves into dst, which must be at least as
// long, as HalfFromFloat32 does.
func narrowFloats(dst []Half, src []float32) { narrowFloatsGo(dst, src) }
