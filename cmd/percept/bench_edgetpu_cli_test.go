package main

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBenchEdgeTPUUsage: -fallback needs -edgetpu and one -model, and
// -compare (percept's CPU layers) takes no -edgetpu; each is a usage
// error before any work.
func TestBenchEdgeTPUUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-fallback", "cpu.tflite"}, "-fallback cpu.tflite is the CPU model for when the Edge TPU cannot be used: it needs -edgetpu"},
		{[]string{"-edgetpu", "usb", "-fallback", "cpu.tflite"}, "-fallback cpu.tflite: give the one model compiled for the Edge TPU with -model"},
		{[]string{"-edgetpu", "usb", "-fallback", "cpu.tflite", "-model", "a.tflite", "-model", "b.tflite"}, "give the one model compiled for the Edge TPU"},
		{[]string{"-edgetpu", "usb", "-compare", "xnnpack", "-model", "a.tflite"}, "-compare xnnpack times percept's CPU layers: leave out -edgetpu"},
	} {
		assertOneLineFailure(t, runCLI(t, append([]string{"bench"}, c.args...)...), 2, c.want)
	}
}

// defaultTarget is the kernel target nn picks on this CPU, which bench
// -edgetpu runs the other operators on.
func defaultTarget(t *testing.T) string {
	t.Helper()
	target, err := kernels.ResolveTarget("")
	require.NoError(t, err)
	return target
}

// TestBenchEdgeTPURows: the table and the chart show Edge TPU rows beside
// CPU ones: the label as a target, no GMAC/s or share of a peak for the
// Edge TPU, its own bar colour; -json carries the device.
func TestBenchEdgeTPURows(t *testing.T) {
	best := defaultTarget(t)
	results := []benchResult{
		{Model: "ssd_edgetpu", Kernels: "edgetpu:usb+" + best, EdgeTPU: "usb", Threads: 1, Runs: 10, MedianMs: 7.2, P90Ms: 7.5, MinMs: 7.1, ArenaBytes: 4096},
		{Model: "ssd", Kernels: best, Threads: 1, Runs: 10, MedianMs: 11.5, P90Ms: 12, MinMs: 11, GMACs: 60, ArenaBytes: 8192},
	}
	var b bytes.Buffer
	printBench(&b, results, map[string]float64{best: 100})
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Len(t, lines, 5, b.String())
	assert.Equal(t, []string{"ssd_edgetpu", "edgetpu:usb+" + best, "1", "7.20", "7.50", "7.10", "138.9", "-", "-", "0.0", "4", "0"}, strings.Fields(lines[3]))
	assert.Equal(t, []string{"ssd", best, "1", "11.50", "12.00", "11.00", "87.0", "60.00", "60%", "0.0", "8", "0"}, strings.Fields(lines[4]))

	svg := string(benchSVG(results))
	assert.Contains(t, svg, ">ssd_edgetpu · edgetpu:usb+"+best+" · 1 thr</text>")
	assert.Contains(t, svg, `fill="`+edgeTPUColor+`"`)
	assert.Contains(t, svg, `fill="`+plotColors[slices.Index(kernels.Targets(), best)%len(plotColors)]+`"`)
	assert.Contains(t, svg, ">7.20</text>")

	line, err := json.Marshal(results[0])
	require.NoError(t, err)
	assert.Contains(t, string(line), `"kernels":"edgetpu:usb+`+best+`","edgetpu":"usb","threads":1`)
	line, err = json.Marshal(results[1])
	require.NoError(t, err)
	assert.NotContains(t, string(line), "edgetpu")
}
