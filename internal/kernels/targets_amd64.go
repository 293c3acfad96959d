//go:build amd64 && !purego

package kernels

import "github.com/klauspost/cpuid/v2"

// The CPU features of the targets, read once at start-up; hot code never
// queries the CPU.
var (
	hasAVX512     = cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512VL)
	hasAVX512VNNI = hasAVX512 && cpuid.CPU.Supports(cpuid.AVX512VNNI)
	hasAVX2       = cpuid.CPU.Supports(cpuid.AVX2)
	hasFMA        = cpuid.CPU.Supports(cpuid.FMA3)
	hasAVXVNNI    = hasAVX2 && cpuid.CPU.Supports(cpuid.AVXVNNI)
)

// simdTargets lists the assembly targets this CPU runs, best first.
var simdTargets = func() []string {
	var names []string
	if hasAVX512VNNI {
		names = append(names, AVX512VNNI)
	}
	if hasAVXVNNI {
		names = append(names, AVXVNNI)
	}
	if hasAVX512 {
		names = append(names, AVX512)
	}
	if hasAVX2 {
		names = append(names, AVX2)
	}
	return names
}()
