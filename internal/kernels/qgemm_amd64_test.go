//go:build amd64 && !purego

package kernels

import "testing"

// TestAVXVNNIKernelsThroughEVEX checks the AVX-VNNI target's packing and
// kernels on a CPU that has AVX-512 VNNI but not AVX-VNNI, by running the
// kernels' EVEX twins (_generate writes both from one description; the VEX
// bytes are checked against the GNU assembler in its own test). On a CPU
// with AVX-VNNI the target is in Targets() and the ordinary tests cover the
// VEX kernels themselves.
func TestAVXVNNIKernelsThroughEVEX(t *testing.T) {
	if !hasAVX512VNNI {
		t.Skip("this CPU has no AVX-512 VNNI")
	}
	cfg := qgemm4x16c4AVXVNNI
	cfg.kernel = kernelAVXVNNIEVEX
	configs := map[string]*qgemmConfig{"avxvnni-evex": &cfg}
	testPointwiseQRandom[uint8](t, 31, configs)
	testPointwiseQRandom[int8](t, 32, configs)
}
