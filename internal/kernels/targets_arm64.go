//go:build arm64 && !purego

package kernels

import "github.com/klauspost/cpuid/v2"

// The CPU features of the ARM targets, read once at start-up (from the
// kernel's HWCAP on Linux); hot code never queries the CPU.
var (
	hasNeon    = cpuid.CPU.Supports(cpuid.ASIMD)
	hasDotProd = hasNeon && cpuid.CPU.Supports(cpuid.ASIMDDP)
	hasFP16    = hasDotProd && cpuid.CPU.Supports(cpuid.FPHP, cpuid.ASIMDHP)
)

// simdTargets lists the assembly targets this CPU runs, best first.
var simdTargets = func() []string {
	var names []string
	if hasFP16 {
		names = append(names, FP16)
	}
	if hasDotProd {
		names = append(names, DotProd)
	}
	if hasNeon {
		names = append(names, Neon)
	}
	return names
}()
