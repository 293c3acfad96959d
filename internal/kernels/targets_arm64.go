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

// simdTargets lists the assembly targets this CPU runs, best first, with
// their kernels. Every target runs the same depthwise and float kernels;
// fp16, a superset of dotprod, runs its int8 kernels and computes float
// layers in half precision.
var simdTargets = func() []*target {
	var ts []*target
	if hasFP16 {
		ts = append(ts, &target{name: FP16, lossy: true, qgemm: &qgemm4x16c4Dot, qdw: &qdwNeon, f32gemm: &f32gemmNeon, f32dw: &f32dwNeon, f16: true, resize: resizeNeon})
	}
	if hasDotProd {
		ts = append(ts, &target{name: DotProd, qgemm: &qgemm4x16c4Dot, qdw: &qdwNeon, f32gemm: &f32gemmNeon, f32dw: &f32dwNeon, resize: resizeNeon})
	}
	if hasNeon {
		ts = append(ts, &target{name: Neon, qgemm: &qgemm4x16Neon, qdw: &qdwNeon, f32gemm: &f32gemmNeon, f32dw: &f32dwNeon, resize: resizeNeon})
	}
	return ts
}()
