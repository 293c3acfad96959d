package nn_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// TestThreadCountDoesNotChangeResults runs every real model with 1, 2 and 3
// threads and requires bit-identical outputs.
func TestThreadCountDoesNotChangeResults(t *testing.T) {
	models := referenceModels
	if testing.Short() {
		models = []referenceModel{smallModel} // the race detector's run
	}
	for _, rm := range models {
		t.Run(rm.ref, func(t *testing.T) {
			var want [][]byte
			for _, threads := range []int{1, 2, 3} {
				it := loadInterpreter(t, rm, threads)
				require.NoError(t, it.Invoke())
				for k, out := range it.Outputs() {
					if threads == 1 {
						want = append(want, bytes.Clone(out.Bytes()))
						continue
					}
					assert.Equal(t, want[k], out.Bytes(), "output %d with %d threads", k, threads)
				}
			}
		})
	}
	if testing.Short() {
		return
	}
	for _, pm := range photoModels {
		t.Run(pm.name, func(t *testing.T) {
			pm.skipOnEmulatedCPU(t)
			var want [][]byte
			for _, threads := range []int{1, 2, 3} {
				it := loadPhotoInterpreter(t, pm, threads, "")
				require.NoError(t, it.Invoke())
				for k, out := range it.Outputs() {
					if threads == 1 {
						want = append(want, bytes.Clone(out.Bytes()))
						continue
					}
					assert.Equal(t, want[k], out.Bytes(), "output %d with %d threads", k, threads)
				}
			}
		})
	}
}

// TestTargetsAgree runs every real model on every kernel target this CPU
// offers and requires outputs bit-identical to the portable kernels', except
// for the float models on a lossy target (fp16), whose outputs must lie
// close to them (halfPrecisionClose).
func TestTargetsAgree(t *testing.T) {
	models := referenceModels
	if testing.Short() {
		models = []referenceModel{smallModel}
	}
	for _, rm := range models {
		t.Run(rm.ref, func(t *testing.T) {
			ref := loadInterpreterFor(t, rm, 1, kernels.Generic)
			require.NoError(t, ref.Invoke())
			for _, target := range kernels.Targets() {
				it := loadInterpreterFor(t, rm, 2, target)
				require.Equal(t, target, it.Kernels())
				require.NoError(t, it.Invoke())
				if kernels.Lossy(target) && rm.kind == "float" {
					halfPrecisionClose(t, ref, it, target, strings.HasPrefix(rm.file, "classification/"))
					continue
				}
				for k, out := range it.Outputs() {
					assert.Equal(t, ref.Output(k).Bytes(), out.Bytes(), "output %d on %s", k, target)
				}
			}
		})
	}
	if testing.Short() {
		return
	}
	// The models without reference tensors, on a photo: quantized models
	// whose float arithmetic (CAST, SQRT, DIV in MoveNet) stays float32 on
	// every target, so bit-identical there too.
	for _, pm := range photoModels {
		t.Run(pm.name, func(t *testing.T) {
			pm.skipOnEmulatedCPU(t)
			ref := loadPhotoInterpreter(t, pm, 1, kernels.Generic)
			require.NoError(t, ref.Invoke())
			for _, target := range kernels.Targets() {
				it := loadPhotoInterpreter(t, pm, 2, target)
				require.NoError(t, it.Invoke())
				for k, out := range it.Outputs() {
					assert.Equal(t, ref.Output(k).Bytes(), out.Bytes(), "output %d on %s", k, target)
				}
			}
		})
	}
}

// halfPrecisionRelError bounds a float model's outputs computed in half
// precision: every output within this fraction of the largest magnitude of
// the float32 output it belongs to. Half precision keeps 11 significant
// bits, a relative step of 2⁻¹¹ ≈ 5e-4 per rounding, and the roundings of
// a network's many layers add up: measured on the inputs loaded here, 7e-4
// on MobileNet v1's probabilities, up to 6.5e-3 on BlazeFace's boxes and
// scores, and 2.6e-2 on the hand landmarks' world coordinates (small values
// at the end of a long fully connected layer). A wrong lane, tap or chunk
// errs by far more.
const halfPrecisionRelError = 0.05

// halfPrecisionClose requires the outputs of it (a lossy target) within
// halfPrecisionRelError of ref's, and a classifier's top class unchanged.
func halfPrecisionClose(t *testing.T, ref, it *nn.Interpreter, target string, classifier bool) {
	t.Helper()
	for k, out := range it.Outputs() {
		want, got := ref.Output(k).Float32s(), out.Float32s()
		require.Len(t, got, len(want))
		var scale, worst float64
		wantF64, gotF64 := make([]float64, len(want)), make([]float64, len(got))
		for i := range want {
			wantF64[i], gotF64[i] = float64(want[i]), float64(got[i])
			scale = max(scale, math.Abs(wantF64[i]))
			worst = max(worst, math.Abs(gotF64[i]-wantF64[i]))
		}
		t.Logf("%s output %d: max |Δ| %.3g, largest |output| %.3g, relative %.3g", target, k, worst, scale, worst/scale)
		assert.LessOrEqual(t, worst, halfPrecisionRelError*scale, "output %d on %s", k, target)
		if classifier {
			assert.Equal(t, argmax(wantF64), argmax(gotF64), "top class on %s", target)
		}
	}
}

// countingContext cancels itself when its Err is asked for the after-th
// time, so a test can cancel in the middle of an invocation
// deterministically (InvokeContext polls Err once per operator).
type countingContext struct {
	context.Context
	cancel context.CancelFunc
	polls  int
	after  int
}

func (c *countingContext) Err() error {
	c.polls++
	if c.polls == c.after {
		c.cancel()
	}
	return c.Context.Err()
}

// smallModel is the quickest real model, for -short runs.
var smallModel = referenceModels[3] // MobileNet v1 0.25 128×128

func TestInvokeContextStopsBetweenOperators(t *testing.T) {
	it := loadInterpreter(t, smallModel, 1) // 31 operators

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, it.InvokeContext(cancelled), context.Canceled)

	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	assert.ErrorIs(t, it.InvokeContext(expired), context.DeadlineExceeded)

	// Cancel after the tenth operator: the invocation returns early, and
	// the next full invocation still gives the right answer.
	require.NoError(t, it.Invoke())
	want := bytes.Clone(it.Output(0).Bytes())
	ctx, cancel3 := context.WithCancel(context.Background())
	cc := &countingContext{Context: ctx, cancel: cancel3, after: 10}
	err := it.InvokeContext(cc)
	assert.True(t, errors.Is(err, context.Canceled), "got %v", err)
	assert.Equal(t, 10, cc.polls, "stopped at the tenth operator")
	require.NoError(t, it.Invoke())
	assert.Equal(t, want, it.Output(0).Bytes())
}

func TestProfile(t *testing.T) {
	m, err := tflite.Open(testmodels.Path(t, referenceModels[0].file))
	require.NoError(t, err)
	defer m.Close()
	it, err := nn.New(m, &nn.Options{Threads: 2, Profile: true})
	require.NoError(t, err)
	defer it.Close()
	for range 2 {
		require.NoError(t, it.Invoke())
	}
	prof := it.Profile()
	require.NotEmpty(t, prof)
	share, macs := 0.0, int64(0)
	for _, p := range prof {
		share += p.Share
		macs += p.MACs
		assert.NotEmpty(t, p.Op)
	}
	assert.InDelta(t, 1, share, 1e-9, "shares add up to the whole")
	assert.Equal(t, it.MACs(), macs)
	var buf strings.Builder
	require.NoError(t, nn.WriteProfile(&buf, prof))
	assert.Contains(t, buf.String(), "CONV_2D")
	assert.Contains(t, buf.String(), "TFLite_Detection_PostProcess")
	if !testing.Short() { // the race detector's run allocates
		allocs := testing.AllocsPerRun(2, func() { _ = it.Invoke() })
		assert.Zero(t, allocs, "profiling allocates nothing per invocation")
	}
	it.ResetProfile()
	assert.Zero(t, it.Profile()[0].Time)
}

func TestMemoryPlanSSD(t *testing.T) {
	it := loadInterpreter(t, referenceModels[0], 1)
	mem := it.Memory()
	t.Logf("SSD-MobileNet v1: arena %d bytes, lower bound %d, all intermediate tensors %d", mem.ArenaBytes, mem.LowerBoundBytes, mem.TensorBytes)
	assert.LessOrEqual(t, float64(mem.ArenaBytes), 1.25*float64(mem.LowerBoundBytes))
	assert.GreaterOrEqual(t, mem.ArenaBytes, mem.LowerBoundBytes)
}

// TestThreadsBeyondGOMAXPROCS runs an interpreter of 3 threads while
// GOMAXPROCS changes under it between invocations (1, 2, 3, then back to
// 1): an operator then splits into at most GOMAXPROCS shares, and the
// workers left without one park. Results must match one thread's, and
// no invocation may hang.
func TestThreadsBeyondGOMAXPROCS(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	ref := loadInterpreter(t, smallModel, 1)
	require.NoError(t, ref.Invoke())
	it := loadInterpreter(t, smallModel, 3)
	for _, procs := range []int{1, 2, 3, 1, 3, 2} {
		runtime.GOMAXPROCS(procs)
		for range 5 {
			require.NoError(t, it.Invoke())
		}
		for k, out := range it.Outputs() {
			require.Equal(t, ref.Output(k).Bytes(), out.Bytes(), "output %d with GOMAXPROCS %d", k, procs)
		}
	}
	require.NoError(t, it.Close())
}
