package kernels

import "math"

// AddRows is a quantized ADD or SUB of two operands of one shape, prepared
// for a kernel target: on x86 SIMD targets it runs AVX2 arithmetic that is
// bit-exact with AddQ and SubQ (see addLanes); elsewhere AddRows8 computes
// each element as they do, and a table (TabulateBinary8) is faster.
type AddRows struct {
	p        *AddParams
	subtract bool
	simd     bool
	swap     bool // input 2 is the half input (see addLanes)
	lanes    addLanes
}

// addLanes is AddParams as the row kernels read it: 16 rows of 8 dwords
// (addq_amd64.s lists them). The kernels compute TFLite's quantized ADD
// with 32-bit lanes and two 64-bit products, exactly:
//
// Input rescaling. For an input x = v − zero (|x| ≤ 255 when the zero
// point lies in the 8-bit range) and multiplier m < 2^31, the rounding
// doubling high multiply of x·2^20 by m is ⌊(x·m·2^20 + 2^30)/2^31⌋
// (gemmlowp's nudge-and-truncate is this floor), and as x·m·2^20 is a
// multiple of 2^20 it equals P = ⌊(x·m + 2^10)/2^11⌋. With m = mulHi·2^11
// + mulLo (mulLo < 2^11), P = x·mulHi + ⌊(x·mulLo + 2^10)/2^11⌋: two
// products that fit int32 (|x·mulHi| < 2^28, |x·mulLo| < 2^19).
//
// Rounding right shift by n (ties away from zero) of a value P is
// ⌊(P + 2^(n−1) − [P < 0])/2^n⌋ for n ≥ 1 and P itself for n = 0. For
// n ≥ 1, [P < 0] may be replaced by [x < 0]: x < 0 gives P ≤ 0, and P = 0
// shifts to 0 either way. The kernels fold the zero point into the
// constants (addLo = −zero·mulLo + 2^10, addHi = −zero·mulHi + 2^(n−1) −
// 1) and compute [x ≥ 0] as v > zero − 1 (never true for n = 0: the
// compare is against MinInt32 there and the −1 is cancelled).
//
// The half input. NewAddParams rescales both inputs to twice the larger
// input scale, so the input of the larger scale has multiplier 2^30 and
// shift 0 (its ratio is exactly 1/2): P = x·2^19, no rounding. The kernels
// take that input as x << 19 and the other one as above; the sign of each
// (−1 for the subtrahend of SUB) is applied to its term.
//
// Output. The sum r of the rescaled inputs has |r| < 2^29. Its rounding
// doubling high multiply by the output multiplier is ⌊(r·m + 2^30)/2^31⌋,
// computed in int64 with the output shift's 2^(n−1) folded in as
// 2^(n−1)·2^31; [r < 0] stands for the product's sign as above (a logical
// shift of r by 31, or by 32 to give 0 when n = 0). Then the shift, the
// zero point, and the clamp: saturating packs to 8 bits and the activation
// range in bytes, which lies in the 8-bit range.
type addLanes [16][8]int32

// The rows of addLanes: the other input's constants (mulHi, mulLo, addLo,
// addHi, zero, shift) from row 0, then these.
const (
	addLaneSign     = 6 // the other input's: 1, or −1 for SUB's subtrahend
	addLaneHalfSign = 7
	addLaneHalfOff  = 8 // the half input's −zero, times its sign
	addLaneOutMult  = 9
	addLaneOutRound = 10 // 4 qwords
	addLaneNegShift = 11 // 31, or 32 when the output shift is 0
	addLaneOutShift = 12
	addLaneOutZero  = 13
	addLaneActMin   = 14 // 32 bytes
	addLaneActMax   = 15 // 32 bytes
)

// NewAddRows prepares the quantized ADD (or SUB when subtract is set) of p
// on operands of type T for the named kernel target.
func NewAddRows[T int8 | uint8](target string, p *AddParams, subtract bool) *AddRows {
	k := &AddRows{p: p, subtract: subtract}
	lo, hi := typeRange[T]()
	if addRowsSIMD(lookupTarget(target)) && p.fitsLanes(lo, hi) {
		k.simd = true
		k.swap = !p.halfInput1()
		k.lanes = p.lanes(subtract)
	}
	return k
}

// SIMD reports whether k runs assembly.
func (k *AddRows) SIMD() bool { return k.simd }

// AddRows8 sets dst[i] = a[i] + b[i] (or a[i] − b[i]) as AddQ (SubQ) does
// on operands of one shape; a and b are at least as long as dst.
func AddRows8[T int8 | uint8](k *AddRows, a, b, dst []T) {
	n := len(dst)
	a, b = a[:n], b[:n]
	done := 0
	if k.simd {
		if k.swap {
			done = addRowsSIMD8(&k.lanes, k.subtract, b, a, dst)
		} else {
			done = addRowsSIMD8(&k.lanes, k.subtract, a, b, dst)
		}
	}
	for i := done; i < n; i++ {
		dst[i] = T(k.p.addSub(int32(a[i]), int32(b[i]), k.subtract))
	}
}

// halfInput1 reports whether input 1 is rescaled by exactly 1/2 (see
// addLanes).
func (p *AddParams) halfInput1() bool { return p.in1Mult == 1<<30 && p.in1Shift == 0 }

// halfInput2 is halfInput1 for input 2.
func (p *AddParams) halfInput2() bool { return p.in2Mult == 1<<30 && p.in2Shift == 0 }

// fitsLanes reports whether the row kernels compute p exactly on 8-bit
// operands of range [lo, hi]: zero points and activation range in it, the
// multipliers and shifts NewAddParams makes, one of them the half input's.
func (p *AddParams) fitsLanes(lo, hi int32) bool {
	in := func(v int32) bool { return v >= lo && v <= hi }
	shift := func(s int) bool { return s <= 0 && s >= -31 }
	return in(-p.in1Offset) && in(-p.in2Offset) && in(p.actMin) && in(p.actMax) &&
		p.leftShift == 20 && p.in1Mult >= 0 && p.in2Mult >= 0 && p.outMult >= 0 &&
		shift(p.in1Shift) && shift(p.in2Shift) && shift(p.outShift) &&
		(p.halfInput1() || p.halfInput2())
}

// lanes lays p out as addLanes, input 1 as the half input when it is one.
func (p *AddParams) lanes(subtract bool) addLanes {
	var l addLanes
	fill := func(row int, v int32) {
		for i := range l[row] {
			l[row][i] = v
		}
	}
	bias := func(n int) int32 {
		if n == 0 {
			return 0
		}
		return 1 << (n - 1)
	}
	sign := int32(1)
	if subtract {
		sign = -1
	}
	halfOff, halfSign := p.in1Offset, int32(1)
	offset, mult, n, otherSign := p.in2Offset, p.in2Mult, -p.in2Shift, sign
	if !p.halfInput1() {
		halfOff, halfSign = p.in2Offset, sign
		offset, mult, n, otherSign = p.in1Offset, p.in1Mult, -p.in1Shift, 1
	}
	hi, lo := mult>>11, mult&(1<<11-1)
	fill(0, hi)
	fill(1, lo)
	fill(2, offset*lo+1<<10)
	fill(3, offset*hi+bias(n)-1)
	if n > 0 {
		fill(4, -offset-1)
	} else {
		fill(4, math.MinInt32)
	}
	l[5][0] = int32(n)
	fill(addLaneSign, otherSign)
	fill(addLaneHalfSign, halfSign)
	fill(addLaneHalfOff, halfOff*halfSign)
	n = -p.outShift
	fill(addLaneOutMult, p.outMult)
	round := int64(1)<<30 + int64(bias(n))<<31
	for i := 0; i < 8; i += 2 {
		l[addLaneOutRound][i], l[addLaneOutRound][i+1] = int32(uint32(round)), int32(round>>32)
	}
	l[addLaneNegShift][0] = 32
	if n > 0 {
		l[addLaneNegShift][0] = 31
	}
	l[addLaneOutShift][0] = int32(n)
	fill(addLaneOutZero, p.outOffset)
	fill(addLaneActMin, int32(uint32(uint8(p.actMin))*0x01010101))
	fill(addLaneActMax, int32(uint32(uint8(p.actMax))*0x01010101))
	return l
}
