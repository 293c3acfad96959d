//go:build purego || !(amd64 || arm64 || arm)

package kernels

// dwISAOf returns dwNone: every target of this build runs DepthwiseQ with
// the reference.
func dwISAOf(string) dwISA { return dwNone }

// simdChannels is never called: dwISAOf admits no assembly in this build.
func (k *DepthwiseQ[T]) simdChannels() int { panic(noAssembly) }

// interiorSIMD is never called, as simdChannels.
func (k *DepthwiseQ[T]) interiorSIMD([]T, []T, *dwGeometry) int { panic(noAssembly) }

// edgeSIMD is never called, as simdChannels.
func (k *DepthwiseQ[T]) edgeSIMD([]T, []T, *dwEdge, *int32) { panic(noAssembly) }

// noAssembly is the panic of the kernels this build lacks.
const noAssembly = "kernels: no assembly kernels in this build"
