package kernels

import (
	"fmt"
	"slices"
	"strings"
)

// Kernel targets. Generic is the target of the portable Go kernels, which
// every build has; the others run assembly on CPUs with the named
// instruction sets, and exist only where their architecture's file lists
// them in simdTargets.
const (
	Generic = "generic"

	// x86-64.
	AVX512VNNI = "avx512vnni" // AVX-512 F, BW, VL and VNNI
	AVX512     = "avx512"     // AVX-512 F, BW and VL, no VNNI
	AVXVNNI    = "avxvnni"    // AVX2 with the VEX-encoded AVX-VNNI
	AVX2       = "avx2"       // AVX2 and FMA

	// 64-bit and 32-bit ARM.
	Neon    = "neon"    // Advanced SIMD
	DotProd = "dotprod" // ARMv8.2 SDOT/UDOT
	FP16    = "fp16"    // dot-product plus half-precision arithmetic
)

// target is a kernel target's table: for each family of prepared kernels,
// the micro-kernels it runs on this CPU, nil for the portable Go path.
// Each architecture fills its targets once, in simdTargets (targets_<arch>.go),
// from the CPU's features; the prepared kernels read nothing else, so adding
// a target is a table entry there plus its micro-kernels.
type target struct {
	name string
	// lossy targets trade accuracy for speed: their results are not
	// bit-identical to the generic target's, so they run only when named.
	lossy bool

	qgemm   *qgemmConfig   // int8 GEMM: 1×1 and im2col convolutions, fully connected
	qdw     *qdwConfig     // int8 depthwise convolution
	f32gemm *f32gemmConfig // float GEMM: 1×1 and im2col convolutions, fully connected
	f32dw   *f32dwConfig   // float depthwise convolution
	// smallDepth runs convolutions of inputs with few channels (stems)
	// through ConvSmallDepthQ's kernels where smallDepthFits (0: never).
	smallDepth smallDepthISA
	// f16 computes the float layers in half precision (see PointwiseF16),
	// with the float32 kernels above where a filter does not fit halves.
	f16 bool
	// resize is the instruction set of ResizeBilinear's uint8 row kernel
	// (0: the Go loops).
	resize resizeISA
}

// generic is the table of the portable Go kernels.
var generic = &target{name: Generic}

// minSplitMACs is the least work, in multiply-accumulates, worth splitting
// across threads on target t. Handing a share to a spinning worker and
// waiting for it costs well under a microsecond, so the SIMD targets split
// from about 100 000 (0.5 µs of a 1×1 convolution at 200 GMAC/s, 6 µs of
// a depthwise one at 17): on SSD-MobileNet v1 and MobileNet v2 with two
// threads, splitting from 2 000 000 (20 µs) left every depthwise layer
// below 28×28 serial, and splitting from 50 000 gained nothing more. The
// portable kernels (about 1.5 GMAC/s) split from 30 000, 20 µs.
func (t *target) minSplitMACs() int64 {
	if t == generic {
		return 30_000
	}
	return 100_000
}

// Targets lists the kernel targets this build can run on this CPU, best
// first.
func Targets() []string {
	names := make([]string, 0, len(simdTargets)+1)
	for _, t := range simdTargets {
		names = append(names, t.name)
	}
	return append(names, Generic)
}

// lookupTarget returns the table of the named target, or generic's when
// this build or CPU cannot run it.
func lookupTarget(name string) *target {
	for _, t := range simdTargets {
		if t.name == name {
			return t
		}
	}
	return generic
}

// Lossy reports whether target trades accuracy for speed: its results are
// not bit-identical to the generic target's (fp16 computes float layers in
// half precision), so it runs only when named. A target this build or CPU
// cannot run is not lossy: it runs the generic kernels.
func Lossy(target string) bool { return lookupTarget(target).lossy }

// ResolveTarget returns the kernel target to use: name when given, else the
// best target available that is not Lossy. A target this build or CPU
// cannot run is an error.
func ResolveTarget(name string) (string, error) {
	if name == "" {
		i := slices.IndexFunc(simdTargets, func(t *target) bool { return !t.lossy })
		if i < 0 {
			return Generic, nil
		}
		return simdTargets[i].name, nil
	}
	available := Targets()
	if !slices.Contains(available, name) {
		return "", fmt.Errorf("kernels: target %q is not available here (have %s)", name, strings.Join(available, ", "))
	}
	return name, nil
}
