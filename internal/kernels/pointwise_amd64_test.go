//go:build amd64 && !purego

package kernels

import "testing"

// TestAVXVNNIKernelsThroughEVEX checks the AVX-VNNI target's packing and
// kernels on a CPU that has AVX-512 VNNI but not AVX-VNNI, by running the
// kernels' EVEX twins (asmgen writes both from one description; the VEX
// bytes are checked against the GNU assembler in asmgen's own test). On a
// CPU with AVX-VNNI the target is in Targets() and the ordinary tests cover
// the VEX kernels themselves.
func TestAVXVNNIKernelsThroughEVEX(t *testing.T) {
	if hasAVXVNNI {
		t.Skip("this CPU has AVX-VNNI: the Targets() tests run the VEX kernels")
	}
	if !hasAVX512VNNI {
		t.Skip("this CPU has neither AVX-VNNI nor AVX-512 VNNI")
	}
	hasAVXVNNI, avxVNNIThroughEVEX = true, true
	defer func() { hasAVXVNNI, avxVNNIThroughEVEX = false, false }()
	targets := []string{AVXVNNI}
	testPointwiseQRandom[uint8](t, 31, targets)
	testPointwiseQRandom[int8](t, 32, targets)
}
