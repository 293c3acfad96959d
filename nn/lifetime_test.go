package nn

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/tflitetest"
	"github.com/percept-robotics/percept/tflite"
)

// fullyConnectedModel is one float FULLY_CONNECTED layer of 64 rows of 256
// inputs onto 256 units, 4.2 M multiply-accumulates: enough for two
// threads to share it on every target. Its weights stay in the model's
// memory on the generic target.
func fullyConnectedModel() []byte {
	const rows, depth = 64, 256
	m := tflitetest.NewModel()
	w := make([]float32, depth*depth)
	for i := range w {
		w[i] = float32(i%17-8) / 64
	}
	bias := make([]float32, depth)
	for i := range bias {
		bias[i] = float32(i) / 256
	}
	in := m.Tensor("in", tflite.TypeFloat32, []int32{rows, depth}, nil, nil)
	weights := m.Tensor("weights", tflite.TypeFloat32, []int32{depth, depth}, tflitetest.Floats(w...), nil)
	b := m.Tensor("bias", tflite.TypeFloat32, []int32{depth}, tflitetest.Floats(bias...), nil)
	out := m.Tensor("out", tflite.TypeFloat32, []int32{rows, depth}, nil, nil)
	m.Op(tflite.OpFullyConnected, 1, []int32{in, weights, b}, []int32{out}, tflitetest.OptionsFullyConnected, tflitetest.Table{int8(tflite.ActNone)})
	m.Inputs, m.Outputs = []int32{in}, []int32{out}
	return m.Encode()
}

// fillInput writes a fixed pattern into every input.
func fillInput(it *Interpreter) {
	for _, in := range it.Inputs() {
		for i, b := 0, in.Bytes(); i < len(b); i++ {
			b[i] = byte(i * 7)
		}
	}
}

// outputs copies every output.
func outputs(it *Interpreter) [][]byte {
	var out [][]byte
	for _, o := range it.Outputs() {
		out = append(out, bytes.Clone(o.Bytes()))
	}
	return out
}

// constantTensor returns a constant tensor of it.
func constantTensor(t *testing.T, it *Interpreter) *Tensor {
	t.Helper()
	for i := 0; it.Tensor(i) != nil; i++ {
		if it.Tensor(i).IsConstant() {
			return it.Tensor(i)
		}
	}
	t.Fatal("no constant tensor")
	return nil
}

func TestCloseThenUse(t *testing.T) {
	for _, threads := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d threads", threads), func(t *testing.T) {
			m, _ := tflitetest.OpenFile(t, fullyConnectedModel())
			it, err := New(m, &Options{Threads: threads})
			require.NoError(t, err)
			fillInput(it)
			require.NoError(t, it.Invoke())
			want := outputs(it)
			weights := constantTensor(t, it)
			require.NotEmpty(t, weights.Bytes())

			require.NoError(t, it.Close())
			err = it.Invoke()
			require.ErrorIs(t, err, ErrClosed)
			assert.Equal(t, "nn: interpreter already closed", err.Error())
			require.ErrorIs(t, it.InvokeContext(context.Background()), ErrClosed)
			require.ErrorIs(t, it.InvokeContext(context.Background()), tflite.ErrClosed, "one sentinel for both packages")
			require.NoError(t, it.Close(), "a second Close")
			require.ErrorIs(t, it.Invoke(), ErrClosed)

			assert.Nil(t, weights.Bytes(), "constant data was the model's")
			assert.Equal(t, want, outputs(it), "the last results stay (the arena is the interpreter's)")
			assert.Equal(t, threads, it.Threads())
			assert.NotEmpty(t, it.Input(0).Shape, "metadata stays")
		})
	}
}

// TestCloseWhileInvoking closes interpreters while other goroutines invoke
// them in a loop (run under -race): Close waits for the Invoke in flight,
// every later Invoke returns ErrClosed and nothing panics.
func TestCloseWhileInvoking(t *testing.T) {
	for _, threads := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d threads", threads), func(t *testing.T) {
			m, _ := tflitetest.OpenFile(t, fullyConnectedModel())
			it, err := New(m, &Options{Threads: threads})
			require.NoError(t, err)
			fillInput(it)
			started := make(chan struct{})
			var wg sync.WaitGroup
			results := make([][]error, 3)
			for g := range results {
				wg.Go(func() {
					for k := 0; ; k++ {
						err := it.Invoke()
						results[g] = append(results[g], err)
						if k == 0 && g == 0 {
							close(started)
						}
						if err != nil {
							return
						}
					}
				})
			}
			<-started // at least one Invoke has completed: the others overlap Close
			var closers sync.WaitGroup
			for range 2 {
				closers.Go(func() { assert.NoError(t, it.Close()) })
			}
			closers.Wait()
			require.ErrorIs(t, it.Invoke(), ErrClosed)
			wg.Wait()
			for g, errs := range results {
				require.NotEmpty(t, errs)
				for _, err := range errs[:len(errs)-1] {
					require.NoError(t, err, "goroutine %d before Close", g)
				}
				require.ErrorIs(t, errs[len(errs)-1], ErrClosed, "goroutine %d ends on ErrClosed", g)
			}
		})
	}
}

// TestModelClosedBeforeInterpreter: closing the model first is safe: the
// interpreters keep the map and give bit-identical outputs until the last
// of them is closed, which unmaps the file.
func TestModelClosedBeforeInterpreter(t *testing.T) {
	m, path := tflitetest.OpenFile(t, fullyConnectedModel())
	one, err := New(m, &Options{Threads: 1})
	require.NoError(t, err)
	two, err := New(m, &Options{Threads: 2})
	require.NoError(t, err)
	fillInput(one)
	require.NoError(t, one.Invoke())
	want := outputs(one)

	require.NoError(t, m.Close())
	_, err = New(m, nil)
	require.ErrorIs(t, err, ErrClosed, "New on a closed model")
	_, err = m.ReadMetadata()
	require.ErrorIs(t, err, tflite.ErrClosed)
	require.True(t, tflitetest.Mapped(t, path), "the interpreters hold the map")

	fillInput(two)
	require.NoError(t, two.Invoke())
	assert.Equal(t, want, outputs(two), "after the model's Close")
	require.NoError(t, one.Invoke())
	assert.Equal(t, want, outputs(one), "after the model's Close")

	require.NoError(t, one.Close())
	require.True(t, tflitetest.Mapped(t, path), "two still holds the map")
	require.NoError(t, two.Invoke())
	assert.Equal(t, want, outputs(two))
	require.NoError(t, two.Close())
	assert.False(t, tflitetest.Mapped(t, path), "the last Close unmaps the file")
	assert.Nil(t, m.Bytes())
}

// TestGarbageCollectedInterpreterReleasesTheModel: an interpreter dropped
// without Close releases the model when collected (its cleanup does not
// keep it reachable), but not while one of its tensors is still in use.
func TestGarbageCollectedInterpreterReleasesTheModel(t *testing.T) {
	m, path := tflitetest.OpenFile(t, fullyConnectedModel())
	weights, want := func() (*Tensor, []byte) {
		it, err := New(m, &Options{Threads: 2})
		require.NoError(t, err)
		fillInput(it)
		require.NoError(t, it.Invoke())
		w := constantTensor(t, it)
		return w, bytes.Clone(w.Bytes())
	}()
	require.NoError(t, m.Close())
	collect := func() {
		// Cleanups run on their own goroutine after a collection.
		for range 20 {
			runtime.GC()
			runtime.Gosched()
		}
	}
	collect()
	require.True(t, tflitetest.Mapped(t, path), "a tensor of the interpreter is still in use")
	assert.Equal(t, want, weights.Bytes())
	runtime.KeepAlive(weights)
	for range 10 {
		if !tflitetest.Mapped(t, path) {
			break
		}
		collect()
	}
	assert.False(t, tflitetest.Mapped(t, path), "the collected interpreter released the model")
}

func TestNewOnClosedModel(t *testing.T) {
	m, err := tflite.Parse(assets.ClassifierModel)
	require.NoError(t, err)
	require.NoError(t, m.Close())
	it, err := New(m, &Options{Threads: 2})
	require.ErrorIs(t, err, ErrClosed)
	assert.Nil(t, it)
	assert.Equal(t, "nn: tflite: model already closed", err.Error())
}

// TestRealModelClosedBeforeInterpreter: MobileNet keeps giving the same
// outputs from a map whose model was closed, and the interpreter's Close
// unmaps it.
func TestRealModelClosedBeforeInterpreter(t *testing.T) {
	m, path := tflitetest.OpenFile(t, assets.ClassifierModel)
	it, err := New(m, &Options{Threads: 2})
	require.NoError(t, err)
	fillInput(it)
	require.NoError(t, it.Invoke())
	want := outputs(it)
	require.NoError(t, m.Close())
	clear(it.Output(0).Bytes())
	require.NoError(t, it.Invoke())
	assert.Equal(t, want, outputs(it))
	require.True(t, tflitetest.Mapped(t, path))
	require.NoError(t, it.Close())
	assert.False(t, tflitetest.Mapped(t, path))
}
