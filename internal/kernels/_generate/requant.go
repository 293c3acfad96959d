package main

import "fmt"

// requantRegs names what requant8 reads: the accumulator register, the
// table (its base register, the offset of the 8 lanes' column and the
// bytes between its rows: bias, multiplier, left shift, right shift,
// rounding mask), the registers holding 2^30 in each qword, the output
// offset and the clamp, three temporaries, and the DATA symbol holding
// 0x80000000 in every dword (+0) and the low-byte gathering shuffle (+32).
type requantRegs struct {
	acc                              int
	table                            string
	off, rowStride                   int
	round, outOffset, actMin, actMax int
	temps                            [3]int
	consts                           string
}

// requant8 writes the requantization of the 8 int32 sums in Y(acc) and the
// store of their 8 bytes at addr: the arithmetic of qgemmRequantAVX2, the
// rounding doubling high multiply as (x·m + 2^30) >> 31 in int64 with its
// single overflow saturated, then the rounding right shift, ties away from
// zero.
func requant8(f *file, r requantRegs, addr string) {
	y, x := fmt.Sprintf("Y%d", r.acc), fmt.Sprintf("X%d", r.acc)
	t0, t1, t2 := fmt.Sprintf("Y%d", r.temps[0]), fmt.Sprintf("Y%d", r.temps[1]), fmt.Sprintf("Y%d", r.temps[2])
	row := func(i int) string { return fmt.Sprintf("%d(%s)", r.off+i*r.rowStride, r.table) }
	f.ins("VPADDD %s, %s, %s", row(0), y, y)
	f.ins("VPSLLVD %s, %s, %s", row(2), y, y)
	f.ins("VMOVDQU %s, %s", row(1), t0)
	f.ins("VPMULDQ %s, %s, %s", t0, y, t1)
	f.ins("VPSRLQ $32, %s, %s", y, t2)
	f.ins("VPSRLQ $32, %s, %s", t0, t0)
	f.ins("VPMULDQ %s, %s, %s", t0, t2, t2)
	f.ins("VPADDQ Y%d, %s, %s", r.round, t1, t1)
	f.ins("VPADDQ Y%d, %s, %s", r.round, t2, t2)
	f.ins("VPSRLQ $31, %s, %s", t1, t1)
	f.ins("VPSLLQ $1, %s, %s", t2, t2)
	f.ins("VPBLENDD $0xAA, %s, %s, %s", t2, t1, y)
	f.ins("VPCMPEQD %s+0(SB), %s, %s", r.consts, y, t1)
	f.ins("VPADDD %s, %s, %s", t1, y, y)
	f.ins("VMOVDQU %s, %s", row(4), t0)
	f.ins("VPAND %s, %s, %s", t0, y, t1)
	f.ins("VPSRAD $1, %s, %s", t0, t0)
	f.ins("VPSRAD $31, %s, %s", y, t2)
	f.ins("VPSUBD %s, %s, %s", t2, t0, t0)
	f.ins("VPSRAVD %s, %s, %s", row(3), y, y)
	f.ins("VPCMPGTD %s, %s, %s", t0, t1, t2)
	f.ins("VPSUBD %s, %s, %s", t2, y, y)
	f.ins("VPADDD Y%d, %s, %s", r.outOffset, y, y)
	f.ins("VPMAXSD Y%d, %s, %s", r.actMin, y, y)
	f.ins("VPMINSD Y%d, %s, %s", r.actMax, y, y)
	f.ins("VPSHUFB %s+32(SB), %s, %s", r.consts, y, y)
	f.ins("VEXTRACTI128 $1, %s, %s", y, fmt.Sprintf("X%d", r.temps[0]))
	f.ins("VPUNPCKLDQ X%d, %s, %s", r.temps[0], x, x)
	f.ins("VMOVQ %s, %s", x, addr)
}

// requantConsts writes the DATA symbol name requant8 reads its constants
// from.
func requantConsts(f *file, name string) {
	for i := range 4 {
		f.raw(fmt.Sprintf("DATA %s+%d(SB)/8, $0x8000000080000000", name, 8*i))
	}
	for i := range 4 {
		f.raw(fmt.Sprintf("DATA %s+%d(SB)/8, $0x0C0804000C080400", name, 32+8*i))
	}
	f.raw(fmt.Sprintf("GLOBL %s(SB), RODATA|NOPTR, $64", name))
}
