//go:build edgetpu && cgo

package edgetpu

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/percept-robotics/percept/delegate/edgetpu/edgetputest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testGraph is a graph as percept's interpreter hands it over: two Edge
// TPU nodes around a CPU node, the second with a signed input and two
// outputs, all tensors in one arena.
type testGraph struct {
	tensors []Tensor
	nodes   []Node
	arena   []byte
	data    [][]byte // per tensor, within arena
}

func newTestGraph() *testGraph {
	tg := &testGraph{
		tensors: []Tensor{
			{Name: "image", Type: UInt8, Shape: []int{1, 4, 4, 3}},
			{Name: "logits", Type: UInt8, Shape: []int{1, 10}, Scale: 0.1, ZeroPoint: 3},
			{Name: "cpu_out", Type: Float32, Shape: []int{1, 10}},
			{Name: "signed_in", Type: Int8, Shape: []int{1, 16}},
			{Name: "boxes", Type: UInt8, Shape: []int{1, 5}},
			{Name: "wide", Type: Int16, Shape: []int{1, 3}},
		},
	}
	tg.nodes = []Node{
		{CustomName: CustomOp, Inputs: []int{0}, Outputs: []int{1},
			CustomData: edgetputest.SpecData([]int{3}, []int{48}, []int{3}, []int{10})},
		{CustomName: "TFLite_Detection_PostProcess", Inputs: []int{1}, Outputs: []int{2}, CustomData: []byte("cpu")},
		{CustomName: CustomOp, Inputs: []int{3}, Outputs: []int{4, 5},
			CustomData: edgetputest.SpecData([]int{9}, []int{16}, []int{3, 7}, []int{5, 3})},
	}
	off := 0
	for i := range tg.tensors {
		off += (tg.tensors[i].Bytes() + 63) &^ 63
	}
	tg.arena = make([]byte, off)
	off = 0
	for i := range tg.tensors {
		n := tg.tensors[i].Bytes()
		tg.data = append(tg.data, tg.arena[off:off+n:off+n])
		off += (n + 63) &^ 63
	}
	return tg
}

// open makes the graph on the fake and gives every tensor its memory.
func (tg *testGraph) open(t testing.TB, cfg Config) *Graph {
	t.Helper()
	g, err := New(cfg, tg.tensors, tg.nodes)
	require.NoError(t, err)
	t.Cleanup(func() { g.Close() })
	for i := range tg.tensors {
		require.NoError(t, g.SetData(i, tg.data[i]))
	}
	return g
}

// check fills the inputs with random bytes, runs both Edge TPU nodes and
// compares every output byte with the fake's function.
func (tg *testGraph) check(t testing.TB, g *Graph, rng *rand.Rand) {
	t.Helper()
	for _, in := range []int{0, 3} {
		for j := range tg.data[in] {
			tg.data[in][j] = byte(rng.Uint32())
		}
	}
	signed := append([]byte(nil), tg.data[3]...)
	require.NoError(t, g.Invoke(0))
	require.NoError(t, g.Invoke(2))
	want := edgetputest.Outputs(tg.nodes[0].CustomData, [][]byte{tg.data[0]}, []int{10})
	require.Equal(t, want[0], tg.data[1], "node 0's output")
	want = edgetputest.Outputs(tg.nodes[2].CustomData, [][]byte{edgetputest.Flip(signed, 1)}, []int{5, 6})
	require.Equal(t, want[0], tg.data[4], "node 2's first output")
	require.Equal(t, want[1], tg.data[5], "node 2's second output")
	require.Equal(t, signed, tg.data[3], "the signed input must not be flipped in the caller's memory")
}

// fakeLog points the fake's log at a new file and returns a function that
// reads it.
func fakeLog(t *testing.T) func() []string {
	path := filepath.Join(t.TempDir(), "fake.log")
	t.Setenv(edgetputest.LogEnv, path)
	return func() []string {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		return strings.Split(strings.TrimSpace(string(b)), "\n")
	}
}

func TestDelegateRuns(t *testing.T) {
	for _, layout := range edgetputest.Layouts {
		t.Run(string(layout), func(t *testing.T) {
			lib := edgetputest.Library(t, layout)
			log := fakeLog(t)
			tg := newTestGraph()
			g := tg.open(t, Config{Device: "usb", Library: lib})
			assert.True(t, g.Delegated(0))
			assert.False(t, g.Delegated(1), "a CPU node stays with the host")
			assert.True(t, g.Delegated(2))
			want := "TF 2.5" // amd64 and arm64 read any layout through the TF 2.5 callback
			if runtime.GOARCH == "arm" && layout == edgetputest.TF216 {
				want = "TF 2.16" // 32-bit ARM passes the larger registration differently
			}
			assert.Equal(t, want, g.RegistrationLayout())
			rng := rand.New(rand.NewPCG(1, uint64(len(layout))))
			for range 20 {
				tg.check(t, g, rng)
			}
			assert.ErrorContains(t, g.Invoke(1), "node 1 does not run on the Edge TPU")
			require.NoError(t, g.Close())
			require.NoError(t, g.Close())
			assert.ErrorContains(t, g.Invoke(0), "closed")
			calls := []string{"create usb (null) -> " + edgetputest.DefaultDevicePath}
			if want == "TF 2.16" {
				// The TF 2.5 callback sees a foreign delegate pointer and
				// replaces nothing; Prepare runs again with the TF 2.16 one.
				calls = append(calls, "Prepare", "replace 0", "replace 2")
			}
			calls = append(calls, "Prepare", "replace 0", "init 0", "replace 2", "init 2",
				"prepare", "prepare", "free kernel", "free kernel", "free delegate (live kernels 0)")
			assert.Equal(t, calls, log(), "libedgetpu's call sequence, kernels freed before the delegate")
			version, err := Version(Config{Library: lib})
			require.NoError(t, err)
			assert.Contains(t, version, string(layout))
		})
	}
}

func TestDelegateDevices(t *testing.T) {
	lib := edgetputest.Library(t, edgetputest.TF25)
	devs, err := Devices(Config{Library: lib})
	require.NoError(t, err)
	assert.Equal(t, []Device{{Type: "usb", Path: edgetputest.DefaultDevicePath}}, devs)

	t.Setenv(edgetputest.DevicesEnv, "usb:/sys/a,pci:/dev/apex_0,usb:/sys/b")
	devs, err = Devices(Config{Library: lib})
	require.NoError(t, err)
	assert.Equal(t, []Device{{"usb", "/sys/a"}, {"pci", "/dev/apex_0"}, {"usb", "/sys/b"}}, devs)
	assert.Equal(t, "pci:/dev/apex_0", devs[1].String())

	log := fakeLog(t)
	tg := newTestGraph()
	for _, c := range []struct{ device, want string }{
		{"usb:1", "create usb /sys/b -> /sys/b"},
		{"pci", "create pci (null) -> /dev/apex_0"},
		{"pci:/dev/apex_0", "create pci /dev/apex_0 -> /dev/apex_0"},
	} {
		g := tg.open(t, Config{Device: c.device, Library: lib})
		tg.check(t, g, rand.New(rand.NewPCG(2, 3)))
		require.NoError(t, g.Close())
		assert.Equal(t, c.want, log()[0], c.device)
		require.NoError(t, os.Remove(os.Getenv(edgetputest.LogEnv)))
	}

	g := tg.open(t, Config{Device: "usb", Library: lib, Verbosity: 2, Options: map[string]string{"Performance": "Max", "Usb.AlwaysDfu": "False"}})
	require.NoError(t, g.Close())
	assert.Equal(t, []string{"verbosity 2", "create usb  Performance=Max Usb.AlwaysDfu=False -> /sys/a"}, log()[:2],
		"options passed through, with an empty name rather than NULL (libedgetpu CHECKs it)")
}

func TestDelegateNoDevice(t *testing.T) {
	lib := edgetputest.Library(t, edgetputest.TF25)
	tg := newTestGraph()
	t.Setenv(edgetputest.DevicesEnv, "none")
	_, err := New(Config{Device: "usb", Library: lib}, tg.tensors, tg.nodes)
	assert.ErrorIs(t, err, ErrNoDevice)
	assert.ErrorContains(t, err, "sees no Edge TPU")

	t.Setenv(edgetputest.DevicesEnv, "usb:/sys/a")
	_, err = New(Config{Device: "pci", Library: lib}, tg.tensors, tg.nodes)
	assert.ErrorIs(t, err, ErrNoDevice)
	assert.ErrorContains(t, err, "libedgetpu sees usb:/sys/a")
	_, err = New(Config{Device: "usb:1", Library: lib}, tg.tensors, tg.nodes)
	assert.ErrorIs(t, err, ErrNoDevice)
	assert.ErrorContains(t, err, "sees 1 usb device(s)")
}

func TestDelegateNoLibrary(t *testing.T) {
	tg := newTestGraph()
	_, err := New(Config{Device: "usb", Library: filepath.Join(t.TempDir(), "libedgetpu.so.1")}, tg.tensors, tg.nodes)
	assert.ErrorIs(t, err, ErrNoLibrary)
	assert.ErrorContains(t, err, "libedgetpu1-std")
	_, err = Devices(Config{Library: "libm.so.6"})
	assert.ErrorIs(t, err, ErrNoLibrary)
	assert.ErrorContains(t, err, "has no edgetpu_list_devices")
	t.Setenv(LibraryEnv, "/nonexistent/libedgetpu.so.1")
	_, err = Version(Config{})
	assert.ErrorIs(t, err, ErrNoLibrary)
	assert.ErrorContains(t, err, "/nonexistent/libedgetpu.so.1")
}

func TestDelegateFailingDevice(t *testing.T) {
	lib := edgetputest.Library(t, edgetputest.TF25)
	t.Setenv(edgetputest.FailAfterEnv, "3")
	tg := newTestGraph()
	g := tg.open(t, Config{Device: "usb", Library: lib})
	rng := rand.New(rand.NewPCG(4, 5))
	for range 3 {
		tg.check(t, g, rng)
	}
	err := g.Invoke(0)
	assert.ErrorIs(t, err, ErrDevice)
	assert.ErrorContains(t, err, "Failed to execute request. Could not submit: USB transfer error (fake, after 3 invocations)")
	t.Setenv(edgetputest.FailAfterEnv, "")
	require.NoError(t, g.Invoke(0), "the next invocation is a new request")
}

func TestDelegatePrepareErrors(t *testing.T) {
	lib := edgetputest.Library(t, edgetputest.TF216)
	for _, c := range []struct {
		name   string
		change func(tg *testGraph)
		want   []string
	}{
		{"input size", func(tg *testGraph) { tg.tensors[0].Shape = []int{1, 4, 4, 2} },
			[]string{"Input 0: expected 48 bytes, got 32"}},
		{"input type", func(tg *testGraph) { tg.tensors[0].Type = Int8 },
			[]string{"Input layer 0 has data type 3, the tensor 9"}},
		{"batch resize", func(tg *testGraph) { tg.tensors[1].Shape = []int{2, 10} },
			[]string{"asks to resize tensor 1 (logits); percept keeps the model's shapes", "Output 0: expected 10 bytes, got 20"}},
		{"input count", func(tg *testGraph) { tg.nodes[2].Inputs = []int{3, 0} },
			[]string{"Expected 1 inputs, got 2"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tg := newTestGraph()
			c.change(tg)
			_, err := New(Config{Device: "usb", Library: lib}, tg.tensors, tg.nodes)
			assert.ErrorIs(t, err, ErrDevice)
			for _, w := range c.want {
				assert.ErrorContains(t, err, w)
			}
		})
	}
}

func TestDelegateMemory(t *testing.T) {
	lib := edgetputest.Library(t, edgetputest.TF25)
	tg := newTestGraph()
	g, err := New(Config{Device: "usb", Library: lib}, tg.tensors, tg.nodes)
	require.NoError(t, err)
	defer g.Close()
	assert.ErrorContains(t, g.Invoke(0), "tensor 0 has no memory")
	assert.ErrorContains(t, g.SetData(0, make([]byte, 47)), "47 bytes given, want 48")
	assert.ErrorContains(t, g.SetData(6, nil), "tensor 6 out of range")
	// The custom data was copied: the caller's may change.
	for i := range tg.tensors {
		require.NoError(t, g.SetData(i, tg.data[i]))
	}
	want := append([]byte(nil), tg.nodes[0].CustomData...)
	clear(tg.nodes[0].CustomData)
	tg.nodes[0].CustomData = want
	tg.check(t, g, rand.New(rand.NewPCG(6, 7)))
}

// rss is the resident set size in bytes.
func rss(t testing.TB) int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skip("no /proc/self/statm")
	}
	pages, err := strconv.ParseInt(strings.Fields(string(b))[1], 10, 64)
	require.NoError(t, err)
	return pages * int64(os.Getpagesize())
}

func TestDelegateNoLeak(t *testing.T) {
	lib := edgetputest.Library(t, edgetputest.TF216)
	tg := newTestGraph()
	g := tg.open(t, Config{Device: "usb", Library: lib})
	rng := rand.New(rand.NewPCG(8, 9))
	tg.check(t, g, rng)
	allocs := testing.AllocsPerRun(100, func() {
		if err := g.Invoke(0); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs, "allocations per Invoke")
	n := 10000
	if testing.Short() {
		n = 2000
	}
	runtime.GC()
	before := rss(t)
	for range n {
		if err := g.Invoke(0); err != nil {
			t.Fatal(err)
		}
		if err := g.Invoke(2); err != nil {
			t.Fatal(err)
		}
	}
	tg.check(t, g, rng)
	runtime.GC()
	after := rss(t)
	t.Logf("RSS %d KiB before %d invocations, %d KiB after", before>>10, 2*n, after>>10)
	// The race detector's shadow memory and an emulator's own (qemu under
	// -short in scripts/test) make RSS no measure of the host's leaks.
	if !raceEnabled && !testing.Short() {
		assert.Less(t, after-before, int64(1<<20), "RSS grew by %d bytes", after-before)
	}

	// Graphs made and closed: the delegate and kernels go each time.
	before = rss(t)
	for range 500 {
		g := tg.open(t, Config{Device: "usb", Library: lib})
		if err := g.Invoke(2); err != nil {
			t.Fatal(err)
		}
		require.NoError(t, g.Close())
	}
	runtime.GC()
	after = rss(t)
	t.Logf("RSS %d KiB before 500 graphs, %d KiB after", before>>10, after>>10)
	if !raceEnabled && !testing.Short() {
		assert.Less(t, after-before, int64(2<<20), "RSS grew by %d bytes", after-before)
	}
}

func TestDelegateConcurrent(t *testing.T) {
	lib := edgetputest.Library(t, edgetputest.TF25)
	shared := newTestGraph()
	g := shared.open(t, Config{Device: "usb", Library: lib})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 4 {
		wg.Go(func() {
			// Each worker its own graph on the same device, checked
			// exactly, and all of them the shared one.
			tg := newTestGraph()
			own, err := New(Config{Device: "usb", Library: lib}, tg.tensors, tg.nodes)
			if err != nil {
				errs <- err
				return
			}
			defer own.Close()
			for i := range tg.tensors {
				if err := own.SetData(i, tg.data[i]); err != nil {
					errs <- err
					return
				}
			}
			rng := rand.New(rand.NewPCG(uint64(w), 10))
			for range 200 {
				tg.check(t, own, rng)
				if err := g.Invoke(0); err != nil {
					errs <- fmt.Errorf("shared graph: %w", err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestDelegateUnplugAborts shows what a supervisor must handle: libedgetpu
// ends the whole process when a USB Accelerator goes away mid-request
// (LOG(FATAL), so abort(), in its USB driver), which no error path can
// catch. The test runs itself again as a child whose device "is unplugged"
// at its third invocation: the Go runtime turns the SIGABRT raised in C
// into a crash with exit status 2 after the two good invocations.
func TestDelegateUnplugAborts(t *testing.T) {
	if os.Getenv("PERCEPT_TEST_UNPLUG_CHILD") == "1" {
		tg := newTestGraph()
		g := tg.open(t, Config{Device: "usb", Library: os.Getenv(LibraryEnv)})
		for i := range 3 {
			fmt.Fprintf(os.Stderr, "invocation %d\n", i)
			if err := g.Invoke(0); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	lib := edgetputest.Library(t, edgetputest.TF25)
	cmd := exec.Command(os.Args[0], "-test.run=^TestDelegateUnplugAborts$", "-test.count=1")
	cmd.Env = append(os.Environ(), "PERCEPT_TEST_UNPLUG_CHILD=1", LibraryEnv+"="+lib, edgetputest.AbortAfterEnv+"=2")
	out, err := cmd.CombinedOutput()
	if errors.Is(err, syscall.ENOEXEC) {
		t.Skipf("cannot run the test binary again as a child (emulated without binfmt): %v", err)
	}
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "the child must die: %s", out)
	assert.Equal(t, 2, exit.ExitCode(), "%s", out)
	assert.Contains(t, string(out), "invocation 2\nF usb_driver.cc:709] [1-1] bulk out for 150528 bytes failed. Abort.")
	assert.Contains(t, string(out), "SIGABRT: abort")
	assert.Contains(t, string(out), "signal arrived during cgo execution")
	assert.NotContains(t, string(out), "PASS")
}

// BenchmarkInvoke measures the host's cost of one Invoke: the cgo call, the
// copy of a signed input and the fake kernel on tiny tensors (node 0: 48
// bytes in, 10 out; node 2: 16 signed bytes in, 11 out).
func BenchmarkInvoke(b *testing.B) {
	lib := edgetputest.Library(b, edgetputest.TF25)
	tg := newTestGraph()
	g := tg.open(b, Config{Device: "usb", Library: lib})
	for _, node := range []int{0, 2} {
		b.Run(fmt.Sprintf("node%d", node), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := g.Invoke(node); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
