package kernels

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// randSmallDepthGeometry draws a convolution ConvSmallDepthQ computes: 1 to
// 4 input channels, 1 to 9 blocks of 8 output channels (more than one
// kernel call's four), kernels 1 to 5 wide and high (odd and even row
// spans), strides 1 to 3, dilation 1 or 2 in height, SAME and VALID.
func randSmallDepthGeometry(rng *rand.Rand) convGeometry {
	for {
		kh, kw := 1+rng.IntN(5), 1+rng.IntN(5)
		p := ConvGeometry{
			StrideH: 1 + rng.IntN(3), StrideW: 1 + rng.IntN(3),
			DilationH: 1 + rng.IntN(2), DilationW: 1, DepthMultiplier: 1,
		}
		in := Shape4{N: 1 + rng.IntN(2), H: 1 + rng.IntN(20), W: 1 + rng.IntN(20), C: 1 + rng.IntN(4)}
		same := rng.IntN(2) == 0
		var outH, outW int
		outH, p.PadTop = OutputSize(in.H, kh, p.StrideH, p.DilationH, same)
		outW, p.PadLeft = OutputSize(in.W, kw, p.StrideW, p.DilationW, same)
		filter := Shape4{N: 8 * (1 + rng.IntN(9)), H: kh, W: kw, C: in.C}
		if outH < 1 || outW < 1 || pointwise(&p, filter) {
			continue
		}
		return convGeometry{p: p, in: in, filter: filter, out: Shape4{N: in.N, H: outH, W: outW, C: filter.N}}
	}
}

// smallDepthISAs returns the ConvSmallDepthQ kernels this build and CPU
// run: on amd64 those of the targets that have them, elsewhere both (the
// Go twins).
func smallDepthISAs() []smallDepthISA {
	if runtime.GOARCH != "amd64" {
		return []smallDepthISA{smallDepthAVX2, smallDepthVNNI}
	}
	var isas []smallDepthISA
	for _, t := range Targets() {
		if isa := lookupTarget(t).smallDepth; isa != 0 && !slices.Contains(isas, isa) {
			isas = append(isas, isa)
		}
	}
	return isas
}

// testConvSmallDepthQ checks ConvSmallDepthQ against ConvQ on random
// layers, whole and in pieces of rows, with inputs and weights often at
// their type's extremes, for each kernel set; and its kernels against their
// Go twins on every output's gathered window.
func testConvSmallDepthQ[T int8 | uint8](t *testing.T, seed uint64) {
	lo, hi := typeRange[T]()
	rng := rand.New(rand.NewPCG(seed, 3))
	for iter := range 300 {
		g := randSmallDepthGeometry(rng)
		l := randConvLayer[T](rng, g.out.C)
		if lo == 0 && rng.IntN(2) == 0 {
			l.fZero = 128 // uint8 weights minus 128 fit int8: the VNNI kernels run
		}
		in := randValues[T](rng, g.in.Size())
		filter := randValues[T](rng, g.filter.Size())
		for _, v := range [][]T{in, filter} {
			if rng.IntN(3) == 0 {
				for i := range v {
					v[i] = T([]int32{lo, hi}[rng.IntN(2)])
				}
			}
		}
		filterSize := g.filter.Size() / g.filter.N
		realOut, _ := naiveConvF64(g, l.dequantizeInput(convWiden(in)),
			l.dequantizeFilter(convWiden(filter), func(i int) int { return i / filterSize }), l.realBias(g.out.C))
		l.calibrate(rng, g.out.C, realOut)
		require.True(t, smallDepthFits(&g.p, g.filter, l.r.FilterOffset))
		rows := g.out.N * g.out.H
		want := make([]T, g.out.Size())
		ConvQ(&g.p, &l.r, g.in, in, g.filter, filter, l.bias, g.out, want, 0, rows)

		for _, isa := range smallDepthISAs() {
			k := newConvSmallDepthQ(isa, &g.p, &l.r, g.in, g.filter, g.out, filter, l.bias)
			scratch := make([]T, k.ScratchLen())
			// Sentinels past the end: the kernels store nothing beyond
			// the channels of the last pixel.
			buf := make([]T, len(want)+64)
			for i := len(want); i < len(buf); i++ {
				buf[i] = T(0x5A)
			}
			got := buf[:len(want)]
			k.Run(in, got, 0, rows, scratch)
			require.Equal(t, want, got, "isa %d (vnni %v), iteration %d: %+v", isa, k.vnni, iter, g)
			for _, v := range buf[len(want):] {
				require.Equal(t, T(0x5A), v, "isa %d stored past the output, iteration %d", isa, iter)
			}
			pieces := make([]T, len(want))
			for _, s := range convSplits(rng, rows) {
				k.Run(in, pieces, s[0], s[1], scratch)
			}
			require.Equal(t, want, pieces, "isa %d in pieces, iteration %d", isa, iter)

			// The kernels and their Go twin on every gathered window.
			window := g.filter.H * k.span
			windows := make([]T, g.out.N*g.out.H*g.out.W*window+k.readSpan()-k.span)
			for row := range rows {
				for ox := range g.out.W {
					k.gather(in, row/g.out.H, row%g.out.H, ox, windows[(row*g.out.W+ox)*window:][:window])
				}
			}
			asm, twin := make([]T, len(want)), make([]T, len(want))
			for i, ch := range k.chunks {
				call := qconvSmallDepthCall{
					a: bytePtr(windows), pixelStep: window, rowStride: k.span,
					rows: g.filter.H, quads: k.pairs / 2, pair: k.pairs % 2, pixels: rows * g.out.W,
					table: &ch.table[0], outStride: g.out.C, mask: ch.mask,
					outOffset: l.r.OutputOffset, actMin: l.r.ActMin, actMax: l.r.ActMax,
				}
				if k.vnni {
					call.quads, call.pair, call.w = k.quads, 0, (*int16)(unsafe.Pointer(&ch.wq[0]))
					call.out = bytePtr(asm[i*64:])
					qconvSmallDepthVNNIKernel(k.signed, ch.blocks, &call)
					call.out = bytePtr(twin[i*64:])
					qconvSmallDepthVNNIGo(k.signed, ch.blocks, &call)
					continue
				}
				call.w = &ch.w[0]
				call.out = bytePtr(asm[i*32:])
				qconvSmallDepthKernel(k.signed, ch.blocks, &call)
				call.out = bytePtr(twin[i*32:])
				qconvSmallDepthGo(k.signed, ch.blocks, &call)
			}
			require.Equal(t, want, asm, "isa %d kernel on gathered windows, iteration %d", isa, iter)
			require.Equal(t, want, twin, "isa %d Go twin on gathered windows, iteration %d", isa, iter)
		}
	}
}

func TestConvSmallDepthQUint8(t *testing.T) { testConvSmallDepthQ[uint8](t, 21) }
func TestConvSmallDepthQInt8(t *testing.T)  { testConvSmallDepthQ[int8](t, 22) }

func TestConvSmallDepthQAllocatesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	g := randSmallDepthGeometry(rng)
	l := randConvLayer[int8](rng, g.out.C)
	l.calibrate(rng, g.out.C, make([]float64, g.out.Size()))
	in, filter := randValues[int8](rng, g.in.Size()), randValues[int8](rng, g.filter.Size())
	for _, isa := range smallDepthISAs() {
		k := newConvSmallDepthQ(isa, &g.p, &l.r, g.in, g.filter, g.out, filter, l.bias)
		scratch, out := make([]int8, k.ScratchLen()), make([]int8, g.out.Size())
		require.Zero(t, testing.AllocsPerRun(5, func() { k.Run(in, out, 0, g.out.N*g.out.H, scratch) }), isa)
	}
}

// BenchmarkConvSmallDepthQ times stems: MobileNet v1's 224×224 RGB to 8
// channels and SSD-MobileNet v1's 300×300 RGB to 32, 3×3 stride 2, through
// ConvSmallDepthQ on each target that has it and through each target's
// ConvGemmQ.
func BenchmarkConvSmallDepthQ(b *testing.B) {
	for _, c := range []struct {
		name      string
		size, out int
	}{{"224x224x3to8", 224, 8}, {"300x300x3to32", 300, 32}} {
		rng := rand.New(rand.NewPCG(9, 2))
		in := Shape4{N: 1, H: c.size, W: c.size, C: 3}
		outH, pad := OutputSize(in.H, 3, 2, 1, true)
		p := &ConvGeometry{StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1, PadTop: pad, PadLeft: pad, DepthMultiplier: 1}
		out := Shape4{N: 1, H: outH, W: outH, C: c.out}
		filter := Shape4{N: c.out, H: 3, W: 3, C: 3}
		l := randConvLayer[uint8](rng, out.C)
		l.fZero = 128 // as uint8 models' filters have, about: the VNNI kernels run
		l.calibrate(rng, out.C, nil)
		inData, filterData := randValues[uint8](rng, in.Size()), randValues[uint8](rng, filter.Size())
		outData := make([]uint8, out.Size())
		macs := float64(out.Size() * filter.H * filter.W * filter.C)
		for _, target := range Targets() {
			if lookupTarget(target).smallDepth == 0 {
				continue
			}
			k := NewConvSmallDepthQ(target, p, &l.r, in, filter, out, filterData, l.bias)
			scratch := make([]uint8, k.ScratchLen())
			b.Run(c.name+"/smalldepth_"+target, func(b *testing.B) {
				for b.Loop() {
					k.Run(inData, outData, 0, out.H, scratch)
				}
				reportGMACs(b, macs)
			})
		}
		for _, target := range Targets() {
			k := NewConvGemmQ(target, p, &l.r, in, filter, out, filterData, l.bias)
			scratch := make([]uint8, k.ScratchLen())
			b.Run(c.name+"/gemm_"+target, func(b *testing.B) {
				for b.Loop() {
					k.Run(inData, outData, 0, out.H, scratch)
				}
				reportGMACs(b, macs)
			})
		}
	}
}
