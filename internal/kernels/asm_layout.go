package kernels

// The assembly reads the offsets of the Go structs it is given and the
// constants it depends on from go_asm.h (dwEdge_rows, const_dwRowInOffset,
// FloatRange_Max...), which the go tool writes while it builds this
// package, so that no .s file spells a Go layout as a number. What
// go_asm.h cannot say is that two rows of a packed group's requantization
// table are neighbours: the NEON depthwise kernels (qdwconv_neon_arm64.h,
// qdwconv_3x3_neon_arm.s) walk a table with post-incremented loads, one row
// after the other, from the bias row at the table's start. This function,
// never called, fails to compile when the rows they walk stop being
// neighbours (each index must be 0).
func _() {
	var x [1]struct{}
	_ = x[dwRowBias]
	_ = x[dwRowMultiplier-dwRowBias-1]
	_ = x[dwRowLeftShift-dwRowMultiplier-2] // arm: past the odd-lane multiplier
	_ = x[dwRowRightShift-dwRowLeftShift-1]
	_ = x[dwRowRoundMask-dwRowRightShift-1]
	_ = x[dwRowOutOffset-dwRowRoundMask-2] // arm: past the threshold
	_ = x[dwRowActMin-dwRowOutOffset-1]
	_ = x[dwRowActMax-dwRowActMin-1]
	_ = x[dwRowInOffset-dwRowPlainBias-1]
}
