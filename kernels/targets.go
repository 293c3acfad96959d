package kernels

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// Kernel targets. Generic is the target of the portable Go kernels, which
// every build has; the others run assembly on amd64 CPUs with the named
// instruction sets (AVX512VNNI needs AVX-512 F, BW, VL and VNNI).
const (
	Generic    = "generic"
	AVX512VNNI = "avx512vnni"
	AVX2       = "avx2"
)

// Targets lists the kernel targets this build can run on this CPU, best
// first.
func Targets() []string { return append(slices.Clone(simdTargets), Generic) }

// ResolveTarget returns the kernel target to use: name when given, else the
// PERCEPT_KERNELS environment variable, else the best target available. A
// target this build or CPU cannot run is an error.
func ResolveTarget(name string) (string, error) {
	if name == "" {
		name = os.Getenv("PERCEPT_KERNELS")
	}
	available := Targets()
	if name == "" {
		return available[0], nil
	}
	if !slices.Contains(available, name) {
		return "", fmt.Errorf("kernels: target %q is not available here (have %s)", name, strings.Join(available, ", "))
	}
	return name, nil
}
