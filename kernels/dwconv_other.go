//go:build purego || !amd64

package kernels

// dwISAOf returns dwNone: every target of this build runs DepthwiseQ with
// the reference.
func dwISAOf(string) dwISA { return dwNone }

// The kernels below are never called: dwISAOf admits no assembly in this
// build.

func dw3x3AVX512(bool, *byte, *dwGeometry, *int32, *int32, *byte, uint16) { panic(noAssembly) }

func dw3x3AVX2(bool, *byte, *dwGeometry, *int32, *int32, *byte) { panic(noAssembly) }

func dwEdgeAVX512(bool, *byte, *dwEdge, *int32, *int32, *byte) { panic(noAssembly) }

func dwEdgeAVX2(bool, *byte, *dwEdge, *int32, *int32, *byte) { panic(noAssembly) }
