//go:build arm && !purego

package kernels

import "golang.org/x/sys/cpu"

// hasNeon reports Advanced SIMD, read once at start-up from the kernel's
// HWCAP; hot code never queries the CPU.
var hasNeon = cpu.ARM.HasNEON

// simdTargets lists the assembly targets this CPU runs, with their
// kernels: the float layers run the portable Go kernels.
var simdTargets = func() []*target {
	if hasNeon {
		return []*target{{name: Neon, qgemm: &qgemm4x8Neon, qdw: &qdwNeon}}
	}
	return nil
}()
