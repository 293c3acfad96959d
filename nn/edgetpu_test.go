//go:build edgetpu && cgo

package nn

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
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

// edgeTPUOpOf returns the model's one edgetpu-custom-op.
func edgeTPUOpOf(t *testing.T, m *tflite.Model) *tflite.Operator {
	for i := range m.Subgraphs[0].Operators {
		o := &m.Subgraphs[0].Operators[i]
		if isEdgeTPU(m.OperatorCodes[o.OpcodeIndex]) {
			return o
		}
	}
	t.Fatal("no edgetpu-custom-op")
	return nil
}

// cpuRest is the model without its Edge TPU operator: the operator's
// outputs become the inputs, so that percept's CPU kernels can be run
// alone on what the Edge TPU produced.
func cpuRest(m *tflite.Model, tpu *tflite.Operator) *tflite.Model {
	rest := *m
	rest.Subgraphs = slices.Clone(m.Subgraphs)
	sg := &rest.Subgraphs[0]
	sg.Operators = slices.DeleteFunc(slices.Clone(sg.Operators), func(o tflite.Operator) bool {
		return isEdgeTPU(m.OperatorCodes[o.OpcodeIndex])
	})
	sg.Inputs = slices.Clone(tpu.Outputs)
	return &rest
}

func TestEdgeTPUModels(t *testing.T) {
	for _, layout := range edgetputest.Layouts {
		lib := edgetputest.Library(t, layout)
		t.Setenv(edgetpu.LibraryEnv, lib)
		for _, name := range edgeTPUModels {
			t.Run(string(layout)+"/"+filepath.Base(name), func(t *testing.T) {
				m, err := tflite.Open(testmodels.Path(t, name))
				require.NoError(t, err)
				defer m.Close()
				_, err = New(m, nil)
				require.ErrorIs(t, err, ErrUnsupported, "without Options.EdgeTPU")

				// The fake checks the tensors against the model's real
				// program, as libedgetpu does.
				tpu := edgeTPUOpOf(t, m)
				require.Len(t, tpu.Inputs, 1)
				ins, outs, err := edgetputest.Program(tpu.CustomOptions)
				require.NoError(t, err)
				t.Setenv(edgetputest.LayersEnv, edgetputest.LayersSpec(ins, outs))
				it, err := New(m, &Options{EdgeTPU: "usb"})
				require.NoError(t, err)
				defer it.Close()
				in := it.Input(0)
				require.Equal(t, int(tpu.Inputs[0]), in.Index, "the Edge TPU reads the model's input")
				var rest *Interpreter
				if len(it.ops) > 1 {
					rest, err = New(cpuRest(m, tpu), nil)
					require.NoError(t, err)
					defer rest.Close()
				}
				rng := rand.New(rand.NewPCG(uint64(len(name)), uint64(len(layout))))
				for range 3 {
					for j := range in.Bytes() {
						in.Bytes()[j] = byte(rng.Uint32())
					}
					sent := slices.Clone(in.Bytes())
					require.NoError(t, it.Invoke())
					require.Equal(t, sent, in.Bytes(), "the input is left as it was")
					var sizes []int
					for _, o := range tpu.Outputs {
						sizes = append(sizes, len(it.Tensor(int(o)).Bytes()))
					}
					want := edgetputest.Outputs(tpu.CustomOptions, [][]byte{sent}, sizes)
					for k, o := range tpu.Outputs {
						require.Equal(t, want[k], it.Tensor(int(o)).Bytes(), "Edge TPU output %d, tensor %d", k, o)
					}
					if rest == nil {
						continue
					}
					// The CPU operators after the Edge TPU's, run alone on
					// its outputs, give the same bytes.
					for k := range tpu.Outputs {
						copy(rest.Input(k).Bytes(), want[k])
					}
					require.NoError(t, rest.Invoke())
					for k, out := range it.Outputs() {
						require.Equal(t, rest.Output(k).Bytes(), out.Bytes(), "output %d %s", k, out.Name)
					}
				}
			})
		}
	}
}

func TestEdgeTPUFailures(t *testing.T) {
	t.Setenv(edgetpu.LibraryEnv, edgetputest.Library(t, edgetputest.TF25))
	m, err := tflite.Open(testmodels.Path(t, edgeTPUModels[2]))
	require.NoError(t, err)
	defer m.Close()

	t.Setenv(edgetputest.DevicesEnv, "none")
	_, err = New(m, &Options{EdgeTPU: "usb"})
	require.ErrorIs(t, err, edgetpu.ErrNoDevice)
	assert.ErrorContains(t, err, "op 0 edgetpu-custom-op")
	t.Setenv(edgetputest.DevicesEnv, "pci:/dev/apex_0")
	_, err = New(m, &Options{EdgeTPU: "pci:/dev/apex_1"})
	require.ErrorIs(t, err, edgetpu.ErrNoDevice)

	// A program whose input layer differs from the model's tensor: the
	// library refuses it at prepare, and says why.
	t.Setenv(edgetputest.LayersEnv, "3:90000/3:7668,3:174447")
	_, err = New(m, &Options{EdgeTPU: "pci"})
	require.ErrorIs(t, err, edgetpu.ErrDevice)
	assert.ErrorContains(t, err, "Input 0: expected 90000 bytes, got 270000")
	t.Setenv(edgetputest.LayersEnv, "")

	t.Setenv(edgetputest.FailAfterEnv, "2")
	log := filepath.Join(t.TempDir(), "log")
	t.Setenv(edgetputest.LogEnv, log)
	for _, profile := range []bool{false, true} {
		it, err := New(m, &Options{EdgeTPU: "pci", EdgeTPUOptions: map[string]string{"Performance": "High"}, Profile: profile})
		require.NoError(t, err)
		require.NoError(t, it.Invoke())
		require.NoError(t, it.Invoke())
		err = it.Invoke()
		require.ErrorIs(t, err, edgetpu.ErrDevice)
		assert.ErrorContains(t, err, "nn: op 0 edgetpu-custom-op: edgetpu: Edge TPU error: Failed to execute request.")
		assert.Equal(t, int64(1), it.EdgeTPUFailures())
		require.Error(t, it.Invoke(), "still failing")
		assert.Equal(t, int64(2), it.EdgeTPUFailures())
		require.NoError(t, it.Close())
	}
	b, err := os.ReadFile(log)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	assert.Equal(t, "create pci  Performance=High -> /dev/apex_0", lines[0])
	assert.Equal(t, []string{"free kernel", "free delegate (live kernels 0)"}, lines[len(lines)-2:], "Close frees the kernel, then the delegate")
}

// statmRSS is the resident set size in bytes.
func statmRSS(t testing.TB) int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skip("no /proc/self/statm")
	}
	pages, err := strconv.ParseInt(strings.Fields(string(b))[1], 10, 64)
	require.NoError(t, err)
	return pages * int64(os.Getpagesize())
}

func TestEdgeTPUNoLeak(t *testing.T) {
	t.Setenv(edgetpu.LibraryEnv, edgetputest.Library(t, edgetputest.TF216))
	m, err := tflite.Open(testmodels.Path(t, edgeTPUModels[0]))
	require.NoError(t, err)
	defer m.Close()
	it, err := New(m, &Options{EdgeTPU: "usb:0"})
	require.NoError(t, err)
	defer it.Close()
	require.NoError(t, it.Invoke())
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
	}), "allocations per Invoke")
	n := 10000
	if testing.Short() {
		n = 1000
	}
	runtime.GC()
	before := statmRSS(t)
	for range n {
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	after := statmRSS(t)
	t.Logf("RSS %d KiB before %d invocations of %s, %d KiB after", before>>10, n, filepath.Base(edgeTPUModels[0]), after>>10)
	if !raceEnabled {
		assert.Less(t, after-before, int64(1<<20), "RSS grew by %d bytes", after-before)
	}
}
