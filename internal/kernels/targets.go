package kernels

import (
	"fmt"
	"os"
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

// Targets lists the kernel targets this build can run on this CPU, best
// first.
func Targets() []string { return append(slices.Clone(simdTargets), Generic) }

// Lossy reports whether target trades accuracy for speed: its results are
// not bit-identical to the generic target's (fp16 computes float layers in
// half precision), so it runs only when named.
func Lossy(target string) bool { return target == FP16 }

// ResolveTarget returns the kernel target to use: name when given, else the
// PERCEPT_KERNELS environment variable, else the best target available that
// is not Lossy. A target this build or CPU cannot run is an error.
func ResolveTarget(name string) (string, error) {
	if name == "" {
		name = os.Getenv("PERCEPT_KERNELS")
	}
	available := Targets()
	if name == "" {
		i := slices.IndexFunc(available, func(t string) bool { return !Lossy(t) })
		return available[i], nil // Generic is not lossy
	}
	if !slices.Contains(available, name) {
		return "", fmt.Errorf("kernels: target %q is not available here (have %s)", name, strings.Join(available, ", "))
	}
	return name, nil
}
