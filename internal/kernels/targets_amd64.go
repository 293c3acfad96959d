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

// simdTargets lists the assembly targets this CPU runs, best first, with
// their kernels. The AVX2 float kernels need FMA as well.
var simdTargets = func() []*target {
	f32gemm, f32dw := &f32gemmAVX2, &f32dwAVX2
	if !hasFMA {
		f32gemm, f32dw = nil, nil
	}
	var ts []*target
	if hasAVX512VNNI {
		ts = append(ts, &target{name: AVX512VNNI, qgemm: &qgemm6x64c4VNNI, qdw: &qdwAVX512VNNI, f32gemm: &f32gemmAVX512, f32dw: &f32dwAVX512, smallDepth: smallDepthVNNI, resize: resizeAVX512})
	}
	if hasAVXVNNI {
		ts = append(ts, &target{name: AVXVNNI, qgemm: &qgemm4x16c4AVXVNNI, qdw: &qdwAVX2, f32gemm: f32gemm, f32dw: f32dw, smallDepth: smallDepthAVX2, resize: resizeAVX2})
	}
	if hasAVX512 {
		ts = append(ts, &target{name: AVX512, qgemm: &qgemm6x64AVX512, qdw: &qdwAVX512, f32gemm: &f32gemmAVX512, f32dw: &f32dwAVX512, smallDepth: smallDepthAVX2, resize: resizeAVX512})
	}
	if hasAVX2 {
		ts = append(ts, &target{name: AVX2, qgemm: &qgemm4x16AVX2, qdw: &qdwAVX2, f32gemm: f32gemm, f32dw: f32dw, smallDepth: smallDepthAVX2, resize: resizeAVX2})
	}
	return ts
}()
