//go:build arm && !purego

package kernels

import "golang.org/x/sys/cpu"

// hasNeon reports Advanced SIMD, read once at start-up from the kernel's
// HWCAP; hot code never queries the CPU.
var hasNeon = cpu.ARM.HasNEON

// simdTargets lists the assembly targets this CPU runs, best first.
var simdTargets = func() []string {
	if hasNeon {
		return []string{Neon}
	}
	return nil
}()
