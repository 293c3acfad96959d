package kernels

import "math"

// Half is an IEEE 754 binary16 value stored as its bits, the layout of
// TFLite's FLOAT16 tensors.
type Half uint16

// Float32 widens h exactly; a signaling NaN comes out quiet.
func (h Half) Float32() float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f && mant != 0: // NaN: quiet, payload kept, as FCVTL and VCVTPH2PS make it
		return math.Float32frombits(sign | 0x7fc00000 | mant<<13)
	case exp == 0x1f: // infinity
		return math.Float32frombits(sign | 0x7f800000)
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
	case mant == 0: // signed zero
		return math.Float32frombits(sign)
	}
	// Subnormal half: normalise into a float32 normal.
	e := uint32(113)
	for mant&0x400 == 0 {
		mant <<= 1
		e--
	}
	return math.Float32frombits(sign | e<<23 | (mant&0x3ff)<<13)
}

// HalfFromFloat32 narrows f to the nearest binary16 value, ties to even,
// overflowing to infinity; a NaN comes out quiet with the top of its
// payload, as FCVTN and VCVTPS2PH make it.
func HalfFromFloat32(f float32) Half {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant != 0 {
			return Half(sign | 0x7e00 | uint16(mant>>13))
		}
		return Half(sign | 0x7c00)
	}
	e := exp - 127 + 15
	if e >= 0x1f {
		return Half(sign | 0x7c00)
	}
	if e <= 0 {
		if e < -10 {
			return Half(sign)
		}
		// Subnormal: shift the implicit-one mantissa into place, round to even.
		m := mant | 0x800000
		s := uint32(14 - e)
		r := m >> s
		rem := m & (1<<s - 1)
		half := uint32(1) << (s - 1)
		if rem > half || (rem == half && r&1 == 1) {
			r++
		}
		return Half(sign | uint16(r))
	}
	r := uint32(e)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && r&1 == 1) {
		r++ // may carry into the exponent, up to infinity: correct
	}
	return Half(sign | uint16(r))
}

// widenHalvesGo is WidenHalves in Go: each architecture's file calls it
// for what its assembly does not convert.
func widenHalvesGo(dst []float32, src []Half) []float32 {
	dst = dst[:len(src)]
	for i, h := range src {
		dst[i] = h.Float32()
	}
	return dst
}

// narrowFloatsGo is narrowFloats in Go: each architecture's file calls it
// for what its assembly does not convert.
func narrowFloatsGo(dst []Half, src []float32) {
	dst = dst[:len(src)]
	for i, f := range src {
		dst[i] = HalfFromFloat32(f)
	}
}
