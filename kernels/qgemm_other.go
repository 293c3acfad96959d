//go:build purego || !amd64

package kernels

// simdTargets is empty: this build has no assembly kernels.
var simdTargets []string

// packingOf returns packNone: every target of this build is portable Go.
func packingOf(string) packing { return packNone }

// The micro-kernels below are never called: packingOf admits no packed
// target in this build.

func dotSix(bool, *byte, int, *byte, int, *int32) { panic(noAssembly) }

func dotOne(bool, *byte, *byte, int, *int32) { panic(noAssembly) }

func requantAVX512(*int32, *int32, *int32, int, int32, int32, int32, int32, int, *byte, int) {
	panic(noAssembly)
}

func sumRowsAVX512(*byte, int, int, int, int32, *int32) { panic(noAssembly) }

func dotAVX2Four(bool, *byte, int, *int16, int, *int32) { panic(noAssembly) }

func dotAVX2One(bool, *byte, *int16, int, *int32) { panic(noAssembly) }

func requantAVX2(*int32, *int32, int32, int32, int32, *byte) { panic(noAssembly) }

// noAssembly is the panic of the micro-kernels this build lacks.
const noAssembly = "kernels: no assembly kernels in this build"
