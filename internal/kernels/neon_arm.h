// Encodings of the 32-bit ARM Advanced SIMD (NEON) instructions the arm
// kernels use. Go's arm assembler has no NEON mnemonics, so each instruction
// is a WORD computed here, once, from its register numbers: q is a Q
// register 0-15, d a D register 0-31 (Qn is D2n and D2n+1), r a core
// register 0-12. Each macro's comment gives the instruction in GNU syntax;
// TestNeonArmEncodings expands every instruction macro with the C
// preprocessor and compares the word with arm-linux-gnueabihf-as's.

// Register fields. A D register's number is split into four low bits and a
// fifth high bit at a position that depends on the operand.
#define FD(d) ((((d)&15)<<12) | (((d)>>4)<<22))
#define FN(d) ((((d)&15)<<16) | (((d)>>4)<<7))
#define FM(d) (((d)&15) | (((d)>>4)<<5))
#define QD(q) FD(2*(q))
#define QN(q) FN(2*(q))
#define QM(q) FM(2*(q))
#define RN(r) ((r)<<16)

// Post-increment forms of the element loads and stores: by the bytes
// transferred ("!"), by a register, or none.
#define POST_SIZE 13
#define POST_NONE 15

// Three registers of the same size, Q form: q, qn, qm.
#define NEON3Q(op, q, qn, qm) WORD $((op) | QD(q) | QN(qn) | QM(qm))

// veor qd, qn, qm
#define VEOR(qd, qn, qm) NEON3Q(0xF3000150, qd, qn, qm)
// vand qd, qn, qm
#define VAND(qd, qn, qm) NEON3Q(0xF2000150, qd, qn, qm)
// vadd.i32 qd, qn, qm
#define VADD_I32(qd, qn, qm) NEON3Q(0xF2200840, qd, qn, qm)
// vsub.i32 qd, qn, qm
#define VSUB_I32(qd, qn, qm) NEON3Q(0xF3200840, qd, qn, qm)
// vqrdmulh.s32 qd, qn, qm
#define VQRDMULH_S32(qd, qn, qm) NEON3Q(0xF3200B40, qd, qn, qm)
// vcgt.s32 qd, qn, qm
#define VCGT_S32(qd, qn, qm) NEON3Q(0xF2200340, qd, qn, qm)
// vmax.s32 qd, qn, qm
#define VMAX_S32(qd, qn, qm) NEON3Q(0xF2200640, qd, qn, qm)
// vmin.s32 qd, qn, qm
#define VMIN_S32(qd, qn, qm) NEON3Q(0xF2200650, qd, qn, qm)
// vshl.s32 qd, qm, qn: each lane of qm shifted left by the signed low byte
// of qn's lane (right, arithmetically, when negative).
#define VSHL_S32(qd, qm, qn) NEON3Q(0xF2200440, qd, qn, qm)

// vneg.s32 qd, qm
#define VNEG_S32(qd, qm) WORD $(0xF3B903C0 | QD(qd) | QM(qm))
// vshr.s32 qd, qm, #n (1 ≤ n ≤ 32)
#define VSHR_S32(qd, qm, n) WORD $(0xF2800050 | ((64-(n))<<16) | QD(qd) | QM(qm))
// vdup.32 qd, r
#define VDUP_32(qd, r) WORD $(0xEEA00B10 | FN(2*(qd)) | ((r)<<12))

// vmovl.u8 qd, dm
#define VMOVL_U8(qd, dm) WORD $(0xF3880A10 | QD(qd) | FM(dm))
// vmovl.s8 qd, dm
#define VMOVL_S8(qd, dm) WORD $(0xF2880A10 | QD(qd) | FM(dm))
// vmovn.i32 dd, qm
#define VMOVN_I32(dd, qm) WORD $(0xF3B60200 | FD(dd) | QM(qm))
// vmovn.i16 dd, qm
#define VMOVN_I16(dd, qm) WORD $(0xF3B20200 | FD(dd) | QM(qm))

// vmlal.s16 qd, dn, dm
#define VMLAL_S16(qd, dn, dm) WORD $(0xF2900800 | QD(qd) | FN(dn) | FM(dm))
// vmlal.s16 qd, dn, dm[x] (dm ≤ 7, x ≤ 3)
#define VMLAL_S16_LANE(qd, dn, dm, x) WORD $(0xF2900240 | QD(qd) | FN(dn) | (dm) | (((x)&1)<<3) | (((x)>>1)<<5))

// vld1.32 {dd[x]}, [rn]! (x ≤ 1)
#define VLD1_LANE32_POST(dd, x, rn) WORD $(0xF4A0080D | FD(dd) | RN(rn) | ((x)<<7))
// vld1.8 {dd}, [rn], post (post: a register, or POST_NONE)
#define VLD1_8(dd, rn, post) WORD $(0xF4200700 | FD(dd) | RN(rn) | (post))
// vld1.32 {dd, dd+1}, [rn], post
#define VLD1_32X2(dd, rn, post) WORD $(0xF4200A80 | FD(dd) | RN(rn) | (post))
// vld1.32 {dd-dd+3}, [rn], post
#define VLD1_32X4(dd, rn, post) WORD $(0xF4200280 | FD(dd) | RN(rn) | (post))
// vld1.16 {dd-dd+3}, [rn], post
#define VLD1_16X4(dd, rn, post) WORD $(0xF4200240 | FD(dd) | RN(rn) | (post))
// vst1.32 {dd-dd+3}, [rn], post
#define VST1_32X4(dd, rn, post) WORD $(0xF4000280 | FD(dd) | RN(rn) | (post))
// vst1.8 {dd}, [rn], post
#define VST1_8(dd, rn, post) WORD $(0xF4000700 | FD(dd) | RN(rn) | (post))

// Requantization of four int32 lanes x, shared by the kernels, as
// MultiplyByQuantizedMultiplier computes it. Table rows (four lanes of
// int32 each) are read at rt, which each load advances by the register rs.
// t1..t4 are scratch Q registers.

// RQ_BIAS_MULT adds the bias row to x and loads the multiplier row into t2.
#define RQ_BIAS_MULT(x, rt, rs, t1, t2) \
	VLD1_32X2(2*(t1), rt, rs); \
	VADD_I32(x, x, t1); \
	VLD1_32X2(2*(t2), rt, rs)

// RQ_SCALE reads the left shift, right shift and round mask rows, in that
// order, and scales x by the multiplier in t2: x·2^left (wrapping, 0 for a
// shift of 32), the saturating rounding doubling high multiply, then the
// division by 2^right rounding half away from zero, whose threshold
// mask>>1, plus one for negative x, the remainder x&mask must exceed to
// round up. A right shift of 32 makes the mask −1 and x>>32 its sign, as in
// Go.
#define RQ_SCALE(x, rt, rs, t1, t2, t3, t4) \
	VLD1_32X2(2*(t1), rt, rs); \
	VSHL_S32(x, x, t1); \
	VQRDMULH_S32(x, x, t2); \
	VLD1_32X2(2*(t1), rt, rs); \
	VLD1_32X2(2*(t2), rt, rs); \
	VAND(t3, x, t2); \
	VSHR_S32(t2, t2, 1); \
	VSHR_S32(t4, x, 31); \
	VSUB_I32(t2, t2, t4); \
	VCGT_S32(t3, t3, t2); \
	VNEG_S32(t1, t1); \
	VSHL_S32(x, x, t1); \
	VSUB_I32(x, x, t3)
