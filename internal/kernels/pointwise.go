package kernels

// PointwiseQ is a 1×1, stride-1 quantized convolution (equivalently a fully
// connected layer applied to each pixel) with weights packed once, at
// construction, for one kernel target.
//
// The VNNI target multiplies unsigned by signed bytes, so it stores every
// weight as w XOR 0x80 (w − 128 for uint8 weights, w + 128 for int8), and
// int8 activations meet those unsigned weights while uint8 activations meet
// signed ones. With K = inDepth, the reference sum then splits, in wrapping
// int32 arithmetic, into
//
//	Σ (a + ia)(w + iw) = D + (iw ± 128)·Σa + ia·Σw + K·ia·iw
//
// where D is the micro-kernel's dot product of activations and stored
// weights (+128 for uint8 data, −128 for int8). The last two terms and the
// bias are summed per output channel at construction; Σa once per pixel.
// Requantization runs 16 channels at a time from a per-group table of the
// channels' constants, taken from r at construction.
//
// The AVX2 target widens activations to int16 and stores w + iw as int16,
// so that Σ (a + ia)(w + iw) = D + ia·Σ(w + iw) needs no per-pixel term.
type PointwiseQ[T int8 | uint8] struct {
	r                 *Requant
	inDepth, outDepth int

	// The generic target computes from the caller's filter and bias.
	filter []T
	bias   []int32

	signedActs bool // int8 activations
	kq         int  // groups of four input bytes, the last zero-padded

	// The SIMD targets compute from weights packed for their
	// micro-kernels, in the form this architecture's file defines.
	pointwiseSIMD
}

// NewPointwiseQ packs filter [outDepth][inDepth] (row-major, as TFLite
// stores 1×1 conv filters [OutC,1,1,InC] and FC weights [Out,In]) and bias
// (may be nil) for target (a name from Targets()); r holds the offsets,
// per-channel multipliers and clamp range exactly as for ConvQ. A target
// without packed kernels (Generic, or a name this build or CPU cannot run)
// computes with the portable reference and keeps filter and bias, which the
// caller must not modify, and reads r at every Run; the SIMD targets copy
// what they need. The AVX2 target also computes with the reference when
// weights plus FilterOffset would not fit int16, which no 8-bit zero point
// causes. inDepth must be positive and the slices must match the sizes.
func NewPointwiseQ[T int8 | uint8](target string, r *Requant, inDepth, outDepth int, filter []T, bias []int32) *PointwiseQ[T] {
	k := &PointwiseQ[T]{r: r, inDepth: inDepth, outDepth: outDepth, filter: filter, bias: bias}
	_, k.signedActs = any(filter).([]int8)
	k.kq = (inDepth + 3) / 4
	k.pack(target)
	return k
}

// Run computes output pixels [p0, p1): out[p*outDepth+oc] from
// in[p*inDepth : (p+1)*inDepth]. It allocates nothing; distinct pixel ranges
// may run concurrently.
func (k *PointwiseQ[T]) Run(in, out []T, p0, p1 int) {
	if k.runPacked(in, out, p0, p1) {
		return
	}
	kd, n := k.inDepth, k.outDepth
	for p := p0; p < p1; p++ {
		x, o := in[p*kd:(p+1)*kd], out[p*n:(p+1)*n]
		for oc := range o {
			acc := dotQ(x, k.filter[oc*kd:(oc+1)*kd], k.r.InputOffset, k.r.FilterOffset)
			o[oc] = T(requantize(acc, oc, k.bias, k.r))
		}
	}
}
