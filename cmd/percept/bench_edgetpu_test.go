//go:build edgetpu && cgo

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/percept-robotics/percept/delegate/edgetpu"
	"github.com/percept-robotics/percept/delegate/edgetpu/edgetputest"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/tflite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// edgeTPUTwins are the shared Edge TPU models and the CPU models they were
// compiled from.
var edgeTPUTwins = []struct{ dir, tpu, cpu string }{
	{"classification", "mobilenet_v1_0.25_128_quant_edgetpu.tflite", "mobilenet_v1_0.25_128_quant.tflite"},
	{"classification", "mobilenet_v2_1.0_224_quant_edgetpu.tflite", "mobilenet_v2_1.0_224_quant.tflite"},
	{"detection", "mobilenet_ssd_v2_coco_quant_postprocess_edgetpu.tflite", "mobilenet_ssd_v2_coco_quant_postprocess.tflite"},
}

// fakeLayers gives the fake libedgetpu the input and output layers of the
// Edge TPU program in the model at path, so that it checks the tensors
// percept hands over against them as libedgetpu does.
func fakeLayers(t *testing.T, path string) {
	t.Helper()
	m, err := tflite.Open(path)
	require.NoError(t, err)
	defer m.Close()
	for _, op := range m.Subgraphs[0].Operators {
		if m.OperatorCodes[op.OpcodeIndex].CustomCode == edgetpu.CustomOp {
			ins, outs, err := edgetputest.Program(op.CustomOptions)
			require.NoError(t, err)
			t.Setenv(edgetputest.LayersEnv, edgetputest.LayersSpec(ins, outs))
			return
		}
	}
	t.Fatalf("%s has no %s", path, edgetpu.CustomOp)
}

// benchLines parses the JSON lines of percept bench -json.
func benchLines(t *testing.T, stdout string) []benchResult {
	t.Helper()
	var out []benchResult
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var r benchResult
		require.NoError(t, json.Unmarshal([]byte(line), &r), line)
		out = append(out, r)
	}
	return out
}

// TestBenchEdgeTPU times the shared Edge TPU models on the fake libedgetpu,
// in both registration layouts, beside their CPU twins: one row per
// (model, threads) labelled edgetpu:usb+TARGET, TARGET the best CPU
// target; every timed inference and the warm-up reach the device's kernel
// (a device that fails after n+1 invocations lets bench finish, after n it
// fails bench); no allocation per inference; -svg draws the rows.
func TestBenchEdgeTPU(t *testing.T) {
	best := defaultTarget(t)
	const n = 5
	for _, layout := range edgetputest.Layouts {
		t.Run(string(layout), func(t *testing.T) {
			t.Setenv(edgetpu.LibraryEnv, edgetputest.Library(t, layout))
			for i, c := range edgeTPUTwins {
				tpu := testmodels.Path(t, c.dir, c.tpu)
				cpu := testmodels.Path(t, c.dir, c.cpu)
				fakeLayers(t, tpu)
				t.Setenv(edgetputest.FailAfterEnv, strconv.Itoa(n+1))
				args := []string{"bench", "-edgetpu", "usb", "-model", tpu, "-threads", "1,2", "-n", strconv.Itoa(n), "-json"}
				withCPU := layout == edgetputest.TF25 // the CPU twins once
				if withCPU {
					args = append(args, "-model", cpu)
				}
				svg := filepath.Join(t.TempDir(), "bench.svg")
				if i == 0 {
					args = append(args, "-svg", svg)
				}
				r := runCLI(t, args...)
				require.Equal(t, 0, r.code, r.stderr)
				rows := benchLines(t, r.stdout)
				if slices.ContainsFunc(rows, func(row benchResult) bool { return row.AllocsPerInference > 0.4 }) {
					// On a loaded machine the runtime may start OS threads
					// for the fake device's cgo calls that outlast their
					// processor, and count their allocations in the window
					// (see nn's TestInvokeMallocsNothing): once more.
					r = runCLI(t, args...)
					require.Equal(t, 0, r.code, r.stderr)
					rows = benchLines(t, r.stdout)
				}
				want := 2
				if withCPU {
					want = 4
					assert.Equal(t, "percept bench: -edgetpu usb: the model was not compiled for the Edge TPU (no edgetpu-custom-op): it runs on the CPU\n", r.stderr)
				} else {
					assert.Empty(t, r.stderr)
				}
				require.Len(t, rows, want)
				for k, row := range rows {
					assert.Equal(t, 1+k%2, row.Threads)
					assert.Equal(t, n, row.Runs)
					assert.Positive(t, row.MinMs)
					assert.LessOrEqual(t, row.MinMs, row.MedianMs)
					assert.LessOrEqual(t, row.MedianMs, row.P90Ms)
					assert.LessOrEqual(t, row.AllocsPerInference, 0.4, "no allocation per inference (a stray one from the runtime aside)")
					assert.Positive(t, row.ArenaBytes)
					if k < 2 {
						assert.Equal(t, strings.TrimSuffix(c.tpu, ".tflite"), row.Model)
						assert.Equal(t, "edgetpu:usb+"+best, row.Kernels)
						assert.Equal(t, "usb", row.EdgeTPU)
						assert.Zero(t, row.GMACs, "the Edge TPU's work is not counted")
					} else {
						assert.Equal(t, strings.TrimSuffix(c.cpu, ".tflite"), row.Model)
						assert.Equal(t, best, row.Kernels)
						assert.Empty(t, row.EdgeTPU)
						assert.Positive(t, row.GMACs)
					}
				}
				if i == 0 {
					b, err := os.ReadFile(svg)
					require.NoError(t, err)
					assert.Contains(t, string(b), "mobilenet_v1_0.25_128_quant_edgetpu · edgetpu:usb+"+best+" · 2 thr")
					assert.Contains(t, string(b), `fill="`+edgeTPUColor+`"`)
				}

				t.Setenv(edgetputest.FailAfterEnv, strconv.Itoa(n))
				assertOneLineFailure(t, runCLI(t, "bench", "-edgetpu", "usb", "-model", tpu, "-threads", "1", "-n", strconv.Itoa(n)), 1,
					"Edge TPU error: Failed to execute request.")
			}
		})
	}
}

// TestBenchEdgeTPUTable: the table names the Edge TPU rows as targets
// beside the CPU ones, without a GMAC/s rate; -kernels names the CPU
// target of the other operators; -profile shows the Edge TPU's time as the
// one edgetpu-custom-op operator, beside SSD's post-process on the CPU.
func TestBenchEdgeTPUTable(t *testing.T) {
	t.Setenv(edgetpu.LibraryEnv, edgetputest.Library(t, edgetputest.TF216))
	ssd := testmodels.Path(t, "detection", "mobilenet_ssd_v2_coco_quant_postprocess_edgetpu.tflite")
	fakeLayers(t, ssd)
	r := runCLI(t, "bench", "-edgetpu", "usb:0", "-kernels", "generic", "-model", ssd, "-threads", "1", "-n", "3", "-profile")
	requireSuccess(t, r)
	assert.Contains(t, r.stdout, "\nmobilenet_ssd_v2_coco_quant_postprocess_edgetpu, kernels edgetpu:usb:0+generic, 1 threads:\n")
	var ops []string
	for _, line := range strings.Split(r.stdout, "\n") {
		f := strings.Fields(line)
		if len(f) > 2 {
			if _, err := strconv.Atoi(f[0]); err == nil {
				ops = append(ops, f[1])
			}
		}
	}
	assert.Equal(t, []string{edgetpu.CustomOp, "TFLite_Detection_PostProcess"}, ops, "profile:\n%s", r.stdout)
	row := tableLine(t, r.stdout, "mobilenet_ssd_v2_coco_quant_postprocess_edgetpu  edgetpu:usb:0+generic")
	f := strings.Fields(row)
	require.Len(t, f, 12, row)
	assert.Equal(t, []string{"1"}, f[2:3])
	assert.Equal(t, []string{"-", "-"}, f[7:9], "no GMAC/s and no share of the peak: %s", row)
}

// tableLine returns the one line of text that contains want.
func tableLine(t *testing.T, text, want string) string {
	t.Helper()
	var found []string
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(strings.Join(strings.Fields(line), "  "), want) {
			found = append(found, line)
		}
	}
	require.Len(t, found, 1, "one line with %q in:\n%s", want, text)
	return found[0]
}

// TestBenchEdgeTPUUnavailable: -edgetpu needs a -model (the embedded
// models are CPU models); with no device, no library, or a device
// that fails, bench fails on one line and times nothing; with -fallback,
// no device times the CPU model instead and says so once; a failing device
// is an error even then (the fallback is for an Edge TPU that cannot be
// used, not for one that fails).
func TestBenchEdgeTPUUnavailable(t *testing.T) {
	t.Setenv(edgetpu.LibraryEnv, edgetputest.Library(t, edgetputest.TF25))
	tpu := testmodels.Path(t, "classification", "mobilenet_v1_0.25_128_quant_edgetpu.tflite")
	cpu := testmodels.Path(t, "classification", "mobilenet_v1_0.25_128_quant.tflite")

	assertOneLineFailure(t, runCLI(t, "bench", "-edgetpu", "usb"), 2,
		"-edgetpu usb: name the model compiled for the Edge TPU with -model (the embedded models run on the CPU)")

	t.Setenv(edgetputest.DevicesEnv, "none")
	r := runCLI(t, "bench", "-edgetpu", "usb", "-model", tpu, "-n", "2")
	assertOneLineFailure(t, r, 1, "percept bench: mobilenet_v1_0.25_128_quant_edgetpu: nn: op 0 edgetpu-custom-op: edgetpu: no Edge TPU device could be opened")
	assert.Empty(t, r.stdout, "nothing timed")

	r = runCLI(t, "bench", "-edgetpu", "usb", "-model", tpu, "-fallback", cpu, "-threads", "1,2", "-n", "2", "-json")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, 1, strings.Count(r.stderr, "\n"), r.stderr)
	assert.Contains(t, r.stderr, "percept bench: the Edge TPU cannot be used (")
	assert.Contains(t, r.stderr, "running "+cpu+" on the CPU instead")
	rows := benchLines(t, r.stdout)
	require.Len(t, rows, 2)
	for _, row := range rows {
		assert.Equal(t, "mobilenet_v1_0.25_128_quant", row.Model)
		assert.Equal(t, defaultTarget(t), row.Kernels)
		assert.Empty(t, row.EdgeTPU)
	}

	t.Setenv(edgetputest.DevicesEnv, "usb:/sys/bus/usb/devices/2-1")
	t.Setenv(edgetputest.FailAfterEnv, "0")
	assertOneLineFailure(t, runCLI(t, "bench", "-edgetpu", "usb", "-model", tpu, "-fallback", cpu, "-n", "2"), 1,
		"Edge TPU error: Failed to execute request.")

	t.Setenv(edgetpu.LibraryEnv, filepath.Join(t.TempDir(), "libedgetpu.so.1"))
	assertOneLineFailure(t, runCLI(t, "bench", "-edgetpu", "usb", "-model", tpu, "-n", "2"), 1, "libedgetpu.so.1 not found or not usable")
}
