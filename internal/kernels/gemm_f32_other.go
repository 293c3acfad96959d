//go:build purego || !(amd64 || arm64)

package kernels

// f32ISAOf returns f32Reference: this build has no float assembly.
func f32ISAOf(string) f32ISA { return f32Reference }

// gemmF32Width is never called: f32ISAOf admits no assembly in this build.
func gemmF32Width(f32ISA) int { panic(noF32Assembly) }

// runSIMD is never called, as gemmF32Width.
func (k *PointwiseF32) runSIMD([]float32, []float32, int) { panic(noF32Assembly) }

// pixelSIMD is never called, as gemmF32Width.
func (k *DepthwiseF32) pixelSIMD([]float32, []float32, *dwF32Taps, []float32) { panic(noF32Assembly) }

// noF32Assembly is the panic of the float kernels this build lacks.
const noF32Assembly = "kernels: no float assembly kernels in this build"
