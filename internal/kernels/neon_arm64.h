// Encodings of the Advanced SIMD instructions that Go's arm64 assembler
// does not know, written once here for every *_arm64.s file of the package.
// Each macro takes register numbers (d for Vd, n for Vn, m for Vm) and, for
// the by-element forms, a lane index, and emits the instruction as a WORD.
// The base words come from the Arm ARM; TestNeonEncodings assembles every
// macro with the GNU assembler (aarch64-linux-gnu-as) over a spread of
// registers, lanes and shifts and compares the words, and the kernels'
// bit-exact tests under qemu exercise them. To read the
// assembled words back:
//
//	GOARCH=arm64 go test -c -o /tmp/k.test ./internal/kernels
//	go tool objdump -s 'kernels\.(gemm|requant|sumRows|dw).*(Neon|Dot)' /tmp/k.test |
//	  awk '{print $3}' | grep -E '^[0-9a-f]{8}$' |
//	  sed -E 's/(..)(..)(..)(..)/0x\4,0x\3,0x\2,0x\1/' |
//	  llvm-mc -disassemble -triple=aarch64 -mattr=+dotprod

// SDOT Vd.4S, Vn.16B, Vm.4B[i]: each int32 lane of d gains the dot product
// of its four signed bytes of n with the four signed bytes i of m.
#define SDOT_LANE(d, n, m, i) WORD $(0x4F80E000 | (((i)&1)<<21) | (((i)>>1)<<11) | ((m)<<16) | ((n)<<5) | (d))

// UDOT Vd.4S, Vn.16B, Vm.4B[i]: SDOT_LANE for unsigned bytes.
#define UDOT_LANE(d, n, m, i) WORD $(0x6F80E000 | (((i)&1)<<21) | (((i)>>1)<<11) | ((m)<<16) | ((n)<<5) | (d))

// SDOT Vd.4S, Vn.16B, Vm.16B: lane j of d gains the dot product of bytes
// 4j..4j+3 of n and m, signed.
#define SDOT_VEC(d, n, m) WORD $(0x4E809400 | ((m)<<16) | ((n)<<5) | (d))

// UDOT Vd.4S, Vn.16B, Vm.16B: SDOT_VEC for unsigned bytes.
#define UDOT_VEC(d, n, m) WORD $(0x6E809400 | ((m)<<16) | ((n)<<5) | (d))

// SMLAL Vd.4S, Vn.4H, Vm.H[i]: d += the low four int16 of n times int16
// lane i of m, widened to int32 (m must be V0..V15).
#define SMLAL_LANE(d, n, m, i) WORD $(0x0F402000 | (((i)>>2)<<11) | ((((i)>>1)&1)<<21) | (((i)&1)<<20) | ((m)<<16) | ((n)<<5) | (d))

// SMLAL2 Vd.4S, Vn.8H, Vm.H[i]: SMLAL_LANE for the high four int16 of n.
#define SMLAL2_LANE(d, n, m, i) WORD $(0x4F402000 | (((i)>>2)<<11) | ((((i)>>1)&1)<<21) | (((i)&1)<<20) | ((m)<<16) | ((n)<<5) | (d))

// SXTL Vd.8H, Vn.8B (SSHLL #0): the low eight signed bytes of n, widened.
#define SXTL_8H(d, n) WORD $(0x0F08A400 | ((n)<<5) | (d))

// SXTL2 Vd.8H, Vn.16B: the high eight signed bytes of n, widened.
#define SXTL2_8H(d, n) WORD $(0x4F08A400 | ((n)<<5) | (d))

// SXTL Vd.4S, Vn.4H: the low four int16 of n, widened.
#define SXTL_4S(d, n) WORD $(0x0F10A400 | ((n)<<5) | (d))

// SXTL2 Vd.4S, Vn.8H: the high four int16 of n, widened.
#define SXTL2_4S(d, n) WORD $(0x4F10A400 | ((n)<<5) | (d))

// MLA Vd.4S, Vn.4S, Vm.4S: d += n·m, wrapping.
#define MLA_4S(d, n, m) WORD $(0x4EA09400 | ((m)<<16) | ((n)<<5) | (d))

// SQRDMULH Vd.4S, Vn.4S, Vm.4S: the high half of 2·n·m, rounded half up,
// saturated: gemmlowp's SaturatingRoundingDoublingHighMul.
#define SQRDMULH_4S(d, n, m) WORD $(0x6EA0B400 | ((m)<<16) | ((n)<<5) | (d))

// SSHL Vd.4S, Vn.4S, Vm.4S: n shifted by the signed low byte of m, left
// (wrapping, 0 from 32) when positive, arithmetic right (truncating, sign
// fill from −32) when negative.
#define SSHL_4S(d, n, m) WORD $(0x4EA04400 | ((m)<<16) | ((n)<<5) | (d))

// SSHR Vd.4S, Vn.4S, #s: arithmetic right shift by s in [1, 32].
#define SSHR_4S(d, n, s) WORD $(0x4F000400 | ((64-(s))<<16) | ((n)<<5) | (d))

// CMGT Vd.4S, Vn.4S, Vm.4S: all ones where n > m (signed), else zero.
#define CMGT_4S(d, n, m) WORD $(0x4EA03400 | ((m)<<16) | ((n)<<5) | (d))

// SMAX Vd.4S, Vn.4S, Vm.4S: the signed maximum.
#define SMAX_4S(d, n, m) WORD $(0x4EA06400 | ((m)<<16) | ((n)<<5) | (d))

// SMIN Vd.4S, Vn.4S, Vm.4S: the signed minimum.
#define SMIN_4S(d, n, m) WORD $(0x4EA06C00 | ((m)<<16) | ((n)<<5) | (d))

// NEG Vd.4S, Vn.4S: −n, wrapping.
#define NEG_4S(d, n) WORD $(0x6EA0B800 | ((n)<<5) | (d))

// ADD Vd.4S, Vn.4S, Vm.4S and SUB Vd.4S, Vn.4S, Vm.4S, wrapping; AND
// Vd.16B, Vn.16B, Vm.16B. Go knows these as VADD, VSUB and VAND, but only
// with register names, which macros cannot build from numbers.
#define ADD_4S(d, n, m) WORD $(0x4EA08400 | ((m)<<16) | ((n)<<5) | (d))
#define SUB_4S(d, n, m) WORD $(0x6EA08400 | ((m)<<16) | ((n)<<5) | (d))
#define AND_16B(d, n, m) WORD $(0x4E201C00 | ((m)<<16) | ((n)<<5) | (d))

// USRA Vd.4S, Vn.4S, #s: d += n >> s, the shift logical (s in [1, 32]);
// with s = 31, d gains one where n is negative. Go spells it VUSRA, but
// only with register names.
#define USRA_4S(d, n, s) WORD $(0x6F001400 | ((64-(s))<<16) | ((n)<<5) | (d))

// SMLAL Vd.4S, Vn.4H, Vm.4H: d += the low four int16 of n times those of
// m, widened to int32; SMLAL2 Vd.4S, Vn.8H, Vm.8H the high four.
#define SMLAL_VEC(d, n, m) WORD $(0x0E608000 | ((m)<<16) | ((n)<<5) | (d))
#define SMLAL2_VEC(d, n, m) WORD $(0x4E608000 | ((m)<<16) | ((n)<<5) | (d))

// UZP1 Vd.8H, Vn.8H, Vm.8H: the even int16 of n, then those of m (the low
// halves of int32 lanes: a narrowing of n:m); UZP1 Vd.16B likewise for
// bytes of int16 lanes.
#define UZP1_8H(d, n, m) WORD $(0x4E401800 | ((m)<<16) | ((n)<<5) | (d))
#define UZP1_16B(d, n, m) WORD $(0x4E001800 | ((m)<<16) | ((n)<<5) | (d))

// The half-precision forms, for the fp16 target, and the float32 vector
// arithmetic its kernels fuse.

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

// UXTL Vd.8H, Vn.8B and UXTL2 Vd.8H, Vn.16B: the low or high eight bytes
// of n zero-extended to halfwords.
#define UXTL_8H(d, n) WORD $(0x2F08A400 | ((n)<<5) | (d))
#define UXTL2_8H(d, n) WORD $(0x6F08A400 | ((n)<<5) | (d))

// UADDW Vd.4S, Vn.4S, Vm.4H and UADDW2 (Vm.8H's high half): d = n plus the
// zero-extended halfwords of m; SADDW and SADDW2 sign-extend them.
#define UADDW_4S(d, n, m) WORD $(0x2E601000 | ((m)<<16) | ((n)<<5) | (d))
#define UADDW2_4S(d, n, m) WORD $(0x6E601000 | ((m)<<16) | ((n)<<5) | (d))
#define SADDW_4S(d, n, m) WORD $(0x0E601000 | ((m)<<16) | ((n)<<5) | (d))
#define SADDW2_4S(d, n, m) WORD $(0x4E601000 | ((m)<<16) | ((n)<<5) | (d))

// FSUB, FMUL, FDIV Vd.4S, Vn.4S, Vm.4S: d = n − m, n·m, n/m, four floats.
#define FSUB_4S(d, n, m) WORD $(0x4EA0D400 | ((m)<<16) | ((n)<<5) | (d))
#define FMUL_4S(d, n, m) WORD $(0x6E20DC00 | ((m)<<16) | ((n)<<5) | (d))
#define FDIV_4S(d, n, m) WORD $(0x6E20FC00 | ((m)<<16) | ((n)<<5) | (d))

// FCMGT Vd.4S, Vn.4S, Vm.4S: all ones where n > m (false for NaN).
#define FCMGT_4S(d, n, m) WORD $(0x6EA0E400 | ((m)<<16) | ((n)<<5) | (d))

// BIT Vd.16B, Vn.16B, Vm.16B: the bits of n into d where m is set.
#define BIT_16B(d, n, m) WORD $(0x6EA01C00 | ((m)<<16) | ((n)<<5) | (d))

// FMINNM and FMAXNM Vd.4S, Vn.4S, Vm.4S: the smaller or larger of n and m
// per lane, the number when one is a quiet NaN; FMINNMV and FMAXNMV Sd,
// Vn.4S: the same across the four lanes of n.
#define FMINNM_4S(d, n, m) WORD $(0x4EA0C400 | ((m)<<16) | ((n)<<5) | (d))
#define FMAXNM_4S(d, n, m) WORD $(0x4E20C400 | ((m)<<16) | ((n)<<5) | (d))
#define FMINNMV_S(d, n) WORD $(0x6EB0C800 | ((n)<<5) | (d))
#define FMAXNMV_S(d, n) WORD $(0x6E30C800 | ((n)<<5) | (d))

// FRINTZ Vd.4S, Vn.4S: each float rounded toward zero, as a float.
#define FRINTZ_4S(d, n) WORD $(0x4EA19800 | ((n)<<5) | (d))

// FCVTZS and FCVTZU Vd.4S, Vn.4S: float32 to int32 or uint32 toward zero;
// FCVTAS: to int32, to nearest with ties away from zero. All saturate and
// take NaN to 0.
#define FCVTZS_4S(d, n) WORD $(0x4EA1B800 | ((n)<<5) | (d))
#define FCVTZU_4S(d, n) WORD $(0x6EA1B800 | ((n)<<5) | (d))
#define FCVTAS_4S(d, n) WORD $(0x4E21C800 | ((n)<<5) | (d))

// SCVTF Vd.4S, Vn.4S: int32 to float32, to nearest.
#define SCVTF_4S(d, n) WORD $(0x4E21D800 | ((n)<<5) | (d))

// SQXTN Vd.4H, Vn.4S, SQXTN2 Vd.8H, Vn.4S (into the high half of d) and
// SQXTN Vd.8B, Vn.8H: narrow to half the width, saturating signed; UQXTN
// Vd.4H, Vn.4S and UQXTN Vd.8B, Vn.8H: saturating unsigned.
#define SQXTN_4H(d, n) WORD $(0x0E614800 | ((n)<<5) | (d))
#define SQXTN2_8H(d, n) WORD $(0x4E614800 | ((n)<<5) | (d))
#define SQXTN_8B(d, n) WORD $(0x0E214800 | ((n)<<5) | (d))
#define UQXTN_4H(d, n) WORD $(0x2E614800 | ((n)<<5) | (d))
#define UQXTN_8B(d, n) WORD $(0x2E214800 | ((n)<<5) | (d))

// SQADD Vd.8H, Vn.8H, Vm.8H: d = n + m per int16 lane, saturating.
#define SQADD_8H(d, n, m) WORD $(0x4E600C00 | ((m)<<16) | ((n)<<5) | (d))

// ADDV Sd, Vn.4S: the sum of the four int32 lanes of n (wrapping).
#define ADDV_S(d, n) WORD $(0x4EB1B800 | ((n)<<5) | (d))
