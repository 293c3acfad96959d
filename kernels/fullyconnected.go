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
// float fully connected layer: Σ in·filter over inDepth, plus bias[u] (bias
// may be nil), clamped to act. Layouts are as for FullyConnectedQ. With
// W = Half each unit's filter row is widened into scratch, which must hold
// inDepth floats; for float32 scratch is unused and may be nil.
func FullyConnectedF32[W float32 | Half](act FloatRange, batches, inDepth, outDepth int, in []float32, filter []W, bias []float32, out []float32, u0, u1 int, scratch []float32) {
	floats, isFloat32 := any(filter).([]float32)
	halves, _ := any(filter).([]Half)
	for u := u0; u < u1; u++ {
		var w []float32
		if isFloat32 {
			w = floats[u*inDepth : (u+1)*inDepth]
		} else {
			w = WidenHalves(scratch, halves[u*inDepth:(u+1)*inDepth])
		}
		for b := range batches {
			out[b*outDepth+u] = activateF32(dotF32(0, in[b*inDepth:(b+1)*inDepth], w), u, bias, act)
		}
	}
}
