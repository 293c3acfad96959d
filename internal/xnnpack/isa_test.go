//go:build xnnpack

package xnnpack

import (
	"os"
	"os/exec"
	"runtime"
	"testing"

	"github.com/klauspost/cpuid/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/tflite"
)

// isaChildEnv makes the test binary run TestAVX2HidesAVX512's child: XNNPACK
// chooses its kernels once per process, so limiting it needs a process of
// its own.
const isaChildEnv = "PERCEPT_XNNPACK_ISA_CHILD"

// TestAVX2HidesAVX512 runs, in a process of its own, a comparison with
// XNNPACK limited to AVX2: XNNPACK must then see no AVX-512, still compute
// the same layers, and refuse to switch back in the same process.
func TestAVX2HidesAVX512(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("AVX2 is an x86 instruction set")
	}
	if os.Getenv(isaChildEnv) == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestAVX2HidesAVX512$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), isaChildEnv+"=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Contains(t, string(out), "--- PASS: TestAVX2HidesAVX512")
		return
	}
	m, err := tflite.Parse(assets.ClassifierModel)
	require.NoError(t, err)
	res, err := Compare(m, &Options{Kernels: []string{"generic"}, Runs: 1, ISA: AVX2})
	require.NoError(t, err)
	assert.Equal(t, AVX2, res.ISA)
	assert.False(t, res.XNNPACKAVX512, "XNNPACK still sees AVX-512")
	assert.False(t, seesAVX512())
	for _, l := range res.Layers {
		assert.LessOrEqual(t, l.MaxDiff, 1.0, "operator %d", l.Index)
	}
	_, err = Compare(m, &Options{Kernels: []string{"generic"}, Runs: 1})
	assert.ErrorContains(t, err, "cannot switch")
	_, err = NewNetwork(m, 1, ISA("sse2"))
	assert.ErrorContains(t, err, `unknown instruction set "sse2"`)
}

// TestNativeSeesAVX512 checks that without a limit XNNPACK sees what the CPU
// has.
func TestNativeSeesAVX512(t *testing.T) {
	if os.Getenv(isaChildEnv) != "" {
		t.Skip("the child process of TestAVX2HidesAVX512")
	}
	require.NoError(t, initialize(Native))
	assert.Equal(t, cpuid.CPU.Supports(cpuid.AVX512F), seesAVX512())
}
