//go:build !edgetpu || !cgo

package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/percept-robotics/percept/delegate/edgetpu"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBenchEdgeTPUNotBuilt: in a build without Edge TPU support, bench
// -edgetpu fails at once on one line that says so (exit 1, nothing
// timed), whatever the models; with -fallback it times the CPU model
// instead and says why on stderr.
func TestBenchEdgeTPUNotBuilt(t *testing.T) {
	want := "percept bench: -edgetpu usb: " + edgetpu.ErrNotBuilt.Error()
	for _, args := range [][]string{
		{"bench", "-edgetpu", "usb"},
		{"bench", "-edgetpu", "pci:/dev/apex_0", "-model", filepath.Join(t.TempDir(), "model_edgetpu.tflite"), "-threads", "1"},
	} {
		r := runCLI(t, args...)
		assertOneLineFailure(t, r, 1, strings.Replace(want, "usb", args[2], 1))
		assert.Empty(t, r.stdout, "nothing timed")
	}

	tpu := testmodels.Path(t, "classification", "mobilenet_v1_0.25_128_quant_edgetpu.tflite")
	cpu := testmodels.Path(t, "classification", "mobilenet_v1_0.25_128_quant.tflite")
	r := runCLI(t, "bench", "-edgetpu", "usb", "-model", tpu, "-fallback", cpu, "-threads", "1,2", "-n", "2", "-json")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "percept bench: the Edge TPU cannot be used (nn: op 0 edgetpu-custom-op: "+edgetpu.ErrNotBuilt.Error()+
		"): running "+cpu+" on the CPU instead\n", r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 2, r.stdout)
	for _, line := range lines {
		assert.Contains(t, line, `{"model":"mobilenet_v1_0.25_128_quant","kernels":"`+defaultTarget(t)+`","threads":`)
	}
}
