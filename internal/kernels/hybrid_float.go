package kernels

import "math"

// The exact float path of the hybrid layers, for targets with float GEMM
// and depthwise kernels but no int8 micro-kernels that compute raw dot
// products (arm64's neon target; the depthwise convolutions of every SIMD
// target): the quantized input less its zero point, q − z within ±255, and
// the int8 weights are summed as float32 by the float kernels. Each
// product is within ±255·127 and every partial sum of at most
// maxExactTerms of them stays below 2^24, so each sum is the exact integer
// in any order; the epilogue then rescales it as hybridOut does. The
// outputs are bit-identical to the integer loops'.

// maxExactTerms is the most products of a quantized input less its zero
// point (within ±255) and an int8 weight (within ±127) whose sum stays
// below 2^24, exact in float32 at every step.
const maxExactTerms = (1 << 24) / (255 * 127)

// hybridFloat reports whether a hybrid GEMM over depth terms on target t
// runs the exact float path: t has float GEMM kernels, no raw int8 dot
// products, and depth is at most maxExactTerms.
func hybridFloat(t *target, depth int) bool {
	return t.f32gemm != nil && hybridConfig(t) == nil && depth <= maxExactTerms
}

// wholeRange is the clamp range of no activation.
var wholeRange = FloatRange{Min: float32(math.Inf(-1)), Max: float32(math.Inf(1))}

// widenInt8 returns the int8 weights as float32.
func widenInt8(filter []int8) []float32 {
	w := make([]float32, len(filter))
	for i, v := range filter {
		w[i] = float32(v)
	}
	return w
}

// perChannel returns n per-channel copies of scales (one, or n) and a
// bias of n (zeros when bias is nil).
func perChannel(n int, scales, bias []float32) (s, b []float32) {
	s, b = make([]float32, n), make([]float32, n)
	for i := range s {
		s[i] = scales[min(i, len(scales)-1)]
	}
	copy(b, bias)
	return s, b
}

// quantizeLevels is the quantization of a float path: each unit (batch
// image or row) of n floats of in quantized asymmetrically (symmetrically
// when symmetric is set) into levels less the zero point.
func quantizeLevels(h *Hybrid, in, levels []float32, n int, symmetric bool) {
	for u := range h.scale {
		x, dst := in[u*n:(u+1)*n], levels[u*n:(u+1)*n]
		if symmetric {
			q := h.q[:n]
			h.scale[u], h.zeroPoint[u] = QuantizeSymmetricF32(x, q), 0
			for i, v := range q {
				dst[i] = float32(v)
			}
			continue
		}
		a := asymmetricParams(h.simd, x)
		h.scale[u], h.zeroPoint[u] = a.scale, a.zeroPoint
		hybridLevels(h.simd, &a, x, dst)
	}
}

// rescaleRows rescales output rows [lo, hi) of exact sums in place, each
// row span floats of pixels of len(scales) channels, rowsPerUnit rows
// sharing one input scale.
func (h *Hybrid) rescaleRows(worker int, out []float32, lo, hi, span, rowsPerUnit int, scales, bias []float32, act *FloatRange) {
	c := len(scales)
	scaled := h.scratch[worker].scaled[:c]
	unit := -1
	for row := lo; row < hi; row++ {
		if u := row / rowsPerUnit; u != unit {
			unit = u
			for oc, w := range scales {
				scaled[oc] = h.scale[u] * w
			}
		}
		o := out[row*span : (row+1)*span]
		for i := 0; i < len(o); i += c {
			hybridRescale(h.simd, o[i:i+c], scaled, bias, act)
		}
	}
}

// newConvHybridFloat is NewConvHybrid's exact float path.
func newConvHybridFloat(t *target, workers int, p *ConvGeometry, act FloatRange, inShape, fShape, outShape Shape4, filter []int8, scales, bias []float32) *Hybrid {
	s, b := perChannel(outShape.C, scales, bias)
	w := widenInt8(filter)
	imageLen := inShape.H * inShape.W * inShape.C
	levels := make([]float32, inShape.N*imageLen)
	h := &Hybrid{
		minSplit: t.minSplitMACs(), scale: make([]float32, inShape.N), zeroPoint: make([]int32, inShape.N),
		simd: hybridSIMD(t), scratch: newHybridScratch(workers, outShape.C),
		quantize: func(h *Hybrid, in []float32) { quantizeLevels(h, in, levels, imageLen, false) },
	}
	if pointwise(p, fShape) {
		pixels := inShape.H * inShape.W
		h.rows = inShape.N * pixels
		k := NewPointwiseF32(t.name, wholeRange, fShape.C, fShape.N, w, nil)
		h.run = func(h *Hybrid, worker int, out []float32, lo, hi int) {
			k.Run(levels, out, lo, hi)
			h.rescaleRows(worker, out, lo, hi, outShape.C, pixels, s, b, &act)
		}
		return h
	}
	h.rows = outShape.N * outShape.H
	k := NewConvGemmF32(t.name, p, wholeRange, inShape, fShape, outShape, w, nil)
	cols := perWorker[float32](workers, k.ScratchLen())
	h.run = func(h *Hybrid, worker int, out []float32, lo, hi int) {
		k.Run(levels, out, lo, hi, cols[worker])
		h.rescaleRows(worker, out, lo, hi, outShape.W*outShape.C, outShape.H, s, b, &act)
	}
	return h
}

// newFullyConnectedHybridFloat is NewFullyConnectedHybrid's exact float
// path.
func newFullyConnectedHybridFloat(t *target, workers int, act FloatRange, batches, inDepth, outDepth int, filter []int8, scales, bias []float32, symmetric bool) *Hybrid {
	s, b := perChannel(outDepth, scales, bias)
	k := NewPointwiseF32(t.name, wholeRange, inDepth, outDepth, widenInt8(filter), nil)
	levels := make([]float32, batches*inDepth)
	return &Hybrid{
		rows: batches, minSplit: t.minSplitMACs(),
		q: make([]int8, inDepth), scale: make([]float32, batches), zeroPoint: make([]int32, batches),
		simd: hybridSIMD(t), scratch: newHybridScratch(workers, outDepth),
		quantize: func(h *Hybrid, in []float32) { quantizeLevels(h, in, levels, inDepth, symmetric) },
		run: func(h *Hybrid, worker int, out []float32, lo, hi int) {
			k.Run(levels, out, lo, hi)
			h.rescaleRows(worker, out, lo, hi, outDepth, 1, s, b, &act)
		},
	}
}
