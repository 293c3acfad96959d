//go:build !purego && (amd64 || arm64 || arm)

package kernels

import "unsafe"

// What the assembly kernels of every architecture share: the layout of the
// per-channel requantization tables and raw pointers into 8-bit data.

// The rows of a packed group's requantization table, [requantRows][channels
// of the group]int32.
const (
	rowBias       = iota // bias + ia·Σw + K·ia·iw
	rowMultiplier        // Requant.Multiplier
	rowLeftShift         // Shift clamped to [0, 32]
	rowRightShift        // −Shift clamped to [0, 32]
	rowRoundMask         // 2^rightShift − 1 in wrapping int32
	requantRows
)

// fillRequantColumn writes output channel oc's column of a requantization
// table ([group][requantRows][width]int32) of r's constants, with
// channelBias as its bias.
func fillRequantColumn(table []int32, width, oc int, r *Requant, channelBias int32) {
	col := table[oc/width*requantRows*width+oc%width:]
	// Shifts of 32 or more act alike, in Go and in the vector shifts.
	left, right := min(max(r.Shift[oc], 0), 32), min(max(-r.Shift[oc], 0), 32)
	col[rowBias*width] = channelBias
	col[rowMultiplier*width] = r.Multiplier[oc]
	col[rowLeftShift*width] = int32(left)
	col[rowRightShift*width] = int32(right)
	col[rowRoundMask*width] = int32(1)<<right - 1
}

// bytePtr returns the address of s[0] as a byte pointer; s is not empty.
func bytePtr[T int8 | uint8](s []T) *byte { return (*byte)(unsafe.Pointer(&s[0])) }

// safeEnd returns the end of the pixels of an input of length n that the
// micro-kernels, which read whole groups of four bytes, up to three bytes
// past a pixel, may read without passing the end of the input.
func (k *PointwiseQ[T]) safeEnd(n int) int {
	padded := 4 * k.kq
	if n < padded {
		return 0
	}
	return (n-padded)/k.inDepth + 1
}

// foldedBias returns the constant term the packed kernels start output
// channel oc from: its bias (0 without one) plus InputOffset·Σ(w +
// FilterOffset) over its weights, given that sum. These are the zero-point
// terms that do not depend on the pixel, in wrapping int32 arithmetic.
func (k *PointwiseQ[T]) foldedBias(oc int, offsetWeightSum int32) int32 {
	b := k.r.InputOffset * offsetWeightSum
	if k.bias != nil {
		b += k.bias[oc]
	}
	return b
}
