package kernels

// FullyConnectedQ computes output units [u0, u1) for every batch row of a
// quantized fully connected layer, following TFLite's reference integer
// kernels: in is [batches, inDepth], filter [outDepth, inDepth], out
// [batches, outDepth]; each output is Σ (in + InputOffset)·(filter +
// FilterOffset) over inDepth, plus bias[u] (bias may be nil), requantized
// with unit u's multiplier, offset by OutputOffset and clamped to
// [ActMin, ActMax]. Callers guarantee that the slices match the sizes.
func FullyConnectedQ[T int8 | uint8](r *Requant, batches, inDepth, outDepth int, in []T, filter []T, bias []int32, out []T, u0, u1 int) {
	for u := u0; u < u1; u++ {
		w := filter[u*inDepth : (u+1)*inDepth]
		for b := range batches {
			acc := dotQ(in[b*inDepth:(b+1)*inDepth], w, r.InputOffset, r.FilterOffset)
			out[b*outDepth+u] = T(requantize(acc, u, bias, r))
		}
	}
}

// FullyConnectedF32 computes output units [u0, u1) for every batch row of a
// float fully connected layer: Σ in·filter over inDepth, each term added in
// order with a float32 fused multiply-add from +0, plus bias[u] (bias may be
// nil), clamped to act as clampF32 does. Layouts are as for
// FullyConnectedQ. With W = Half units' filter rows are widened into
// scratch, which must hold inDepth floats, and runs faster holding four
// times that (four units at a time); for float32 scratch is unused and may
// be nil.
func FullyConnectedF32[W float32 | Half](act FloatRange, batches, inDepth, outDepth int, in []float32, filter []W, bias []float32, out []float32, u0, u1 int, scratch []float32) {
	switch filter := any(filter).(type) {
	case []float32:
		fullyConnectedF32Units(act, batches, inDepth, outDepth, in, filter[u0*inDepth:u1*inDepth], bias, out, u0, u1)
	case []Half:
		block := 1
		if inDepth > 0 {
			block = max(1, min(4, len(scratch)/inDepth))
		}
		for u := u0; u < u1; u += block {
			n := min(block, u1-u)
			w := WidenHalves(scratch, filter[u*inDepth:(u+n)*inDepth])
			fullyConnectedF32Units(act, batches, inDepth, outDepth, in, w, bias, out, u, u+n)
		}
	}
}

// fullyConnectedF32Units computes units [u0, u1) of FullyConnectedF32, whose
// filter rows w holds from unit u0 on, four units at a time where it can.
func fullyConnectedF32Units(act FloatRange, batches, inDepth, outDepth int, in, w, bias, out []float32, u0, u1 int) {
	for b := range batches {
		x := in[b*inDepth : (b+1)*inDepth]
		o := out[b*outDepth : (b+1)*outDepth]
		u := u0
		for ; u+4 <= u1; u += 4 {
			var acc [4]float32
			dotF32x4(&acc, x, w, (u-u0)*inDepth, inDepth)
			for j, a := range acc {
				o[u+j] = activateF32(a, u+j, bias, act)
			}
		}
		for ; u < u1; u++ {
			o[u] = activateF32(dotF32(0, x, w[(u-u0)*inDepth:(u-u0+1)*inDepth]), u, bias, act)
		}
	}
}
