// Encodings of the half-precision Advanced SIMD instructions that Go's
// arm64 assembler does not know, written once here for the fp16 kernels.
// Each macro takes register numbers (d for Vd, n for Vn, m for Vm) and, for
// the by-element form, a lane index, and emits the instruction as a WORD.
// TestFP16Encodings assembles the same instructions with the GNU assembler
// (aarch64-linux-gnu-as) and compares the words.

// FCVTL Vd.4S, Vn.4H: the low four halves of n, widened exactly.
#define FCVTL_4S(d, n) WORD $(0x0E217800 | ((n)<<5) | (d))

// FCVTL2 Vd.4S, Vn.8H: the high four halves of n, widened exactly.
#define FCVTL2_4S(d, n) WORD $(0x4E217800 | ((n)<<5) | (d))

// FCVTN Vd.4H, Vn.4S: the four floats of n, rounded to halves (to nearest,
// ties to even) into the low half of d, whose high half is zeroed.
#define FCVTN_4H(d, n) WORD $(0x0E216800 | ((n)<<5) | (d))

// FCVTN2 Vd.8H, Vn.4S: FCVTN_4H into the high half of d, keeping the low.
#define FCVTN2_8H(d, n) WORD $(0x4E216800 | ((n)<<5) | (d))

// FMLA Vd.8H, Vn.8H, Vm.H[i]: each half lane of d gains n·m[i], fused
// (one rounding, to half). m must be V0..V15.
#define FMLA_8H_LANE(d, n, m, i) WORD $(0x4F001000 | (((i)>>2)<<11) | ((((i)>>1)&1)<<21) | (((i)&1)<<20) | ((m)<<16) | ((n)<<5) | (d))

// FMLA Vd.8H, Vn.8H, Vm.8H: each half lane of d gains n·m, fused.
#define FMLA_8H(d, n, m) WORD $(0x4E400C00 | ((m)<<16) | ((n)<<5) | (d))

// FADD Vd.4S, Vn.4S, Vm.4S: d = n + m, four floats.
#define FADD_4S(d, n, m) WORD $(0x4E20D400 | ((m)<<16) | ((n)<<5) | (d))

// FMAX Vd.4S, Vn.4S, Vm.4S: the larger of n and m per lane, NaN if either
// is NaN, +0 from zeros of both signs (Go's max).
#define FMAX_4S(d, n, m) WORD $(0x4E20F400 | ((m)<<16) | ((n)<<5) | (d))

// FMIN Vd.4S, Vn.4S, Vm.4S: the smaller of n and m per lane, NaN if either
// is NaN, −0 from zeros of both signs (Go's min).
#define FMIN_4S(d, n, m) WORD $(0x4EA0F400 | ((m)<<16) | ((n)<<5) | (d))
