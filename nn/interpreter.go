package nn

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
	"unsafe"

	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/tflite"
)

// Options configure an Interpreter. The zero value is ready to use.
type Options struct {
	// Threads is the number of goroutines that split convolution, depthwise
	// and fully connected work. 0 means runtime.GOMAXPROCS(0). An operator
	// never splits into more shares than GOMAXPROCS at the time it runs:
	// more would only queue behind each other. Results do not depend on
	// the number of threads.
	Threads int
	// Subgraph selects the subgraph to run; 0 is the model's main graph.
	Subgraph int
	// Kernels names the kernel target (one of KernelTargets); empty means
	// the PERCEPT_KERNELS environment variable, else the best this CPU runs.
	Kernels string
	// Profile times every operator of every invocation (see
	// Interpreter.Profile) and labels the goroutines that run an operator
	// with its type, so that `go tool pprof -tagfocus` and `-tags` group
	// CPU time by operator.
	Profile bool
	// EdgeTPU names the Coral Edge TPU that runs the model's
	// edgetpu-custom-op operators ("usb", "usb:0", "pci",
	// "pci:/dev/apex_0"; see delegate/edgetpu.Config.Device), through
	// libedgetpu, while percept's CPU kernels run the other operators.
	// Empty: such a model is unsupported. It needs a build with -tags
	// edgetpu and cgo (New's error wraps edgetpu.ErrNotBuilt otherwise).
	EdgeTPU string
	// EdgeTPUOptions are libedgetpu's device options (e.g. "Performance":
	// "Max"), passed through.
	EdgeTPUOptions map[string]string
}

// KernelTargets lists the kernel targets this build runs on this CPU, best
// first: the names Options.Kernels accepts. "generic", the portable Go
// reference, is always last.
func KernelTargets() []string { return kernels.Targets() }

// Interpreter runs one subgraph of a model. Build it once with New, then
// fill its inputs and call Invoke as often as needed. It is not safe for
// concurrent use: give each goroutine its own Interpreter (they share the
// model's weights). The one exception is Close, which may be called while
// another goroutine is in Invoke: it waits for that Invoke to end.
//
// An Interpreter holds its model's memory (see tflite.Model.Acquire) from
// New to its own Close, so the model may be closed before it.
type Interpreter struct {
	// mu guards Invoke against Close; closed is set by Close.
	mu     sync.Mutex
	closed bool
	// closer stops the workers and releases the model, at Close or when
	// the garbage collector finds the Interpreter unreachable.
	closer  *closer
	cleanup runtime.Cleanup

	model    *tflite.Model
	subgraph int
	tensors  []Tensor
	inputs   []*Tensor
	outputs  []*Tensor
	ops      []*op
	arena    []byte
	plan     MemoryPlan
	pool     *workerPool
	threads  int
	prof     *profiler     // nil unless Options.Profile
	target   string        // kernel target
	observer Observer      // nil unless Observe installed one
	edgeTPU  *edgeTPUState // nil unless Options.EdgeTPU
}

// op is one prepared operator of the execution plan.
type op struct {
	index int    // position in the subgraph's operator list
	name  string // builtin name or custom code
	// run executes the whole operator. Operators that split their work
	// across threads set rows and runRows instead: runRows computes rows
	// [lo, hi) as worker number worker.
	run     func()
	rows    int
	runRows func(worker, lo, hi int)
	macs    int64 // multiply-accumulates per invocation, for reports
	// minSplitMACs is the least work, in multiply-accumulates, for which
	// an op with macs splits across threads: below it, waking a worker
	// costs more than it saves.
	minSplitMACs int64
	// bind, when set, runs once after the arena is laid out, to capture
	// data slices that the operator keeps (so Invoke allocates nothing).
	bind func()
	// layer describes a convolution or fully connected layer (see
	// Interpreter.ConvLayers); nil for other operators.
	layer *ConvLayer
	// outputs are the operator's output tensors, filled by Observe.
	outputs []*Tensor
	// fault, set by operators that check data only known when they run
	// (indices computed by the model), returns the error of the run that
	// just ended, or nil: Invoke stops there and returns it.
	fault func() error
}

// closer ends an Interpreter's hold on its workers and its model. It must
// not refer to the Interpreter, so that the garbage collector can find the
// Interpreter unreachable and run it as a cleanup.
type closer struct {
	pool    *workerPool
	release func()        // the hold on the model's memory
	edgeTPU *edgeTPUState // its delegates, or nil
}

// close stops the workers and releases the model; it is safe to call more
// than once.
func (c *closer) close() {
	c.pool.close()
	c.edgeTPU.close()
	c.release()
}

// New validates the model's operators, plans memory and prepares every
// operator. Inconsistent shapes and malformed constant data are reported as
// errors that name the operator and tensor at fault; operators percept does
// not support are all listed in one *UnsupportedError (errors.Is(err,
// ErrUnsupported) holds). New on a closed model returns an error wrapping
// ErrClosed.
//
// The Interpreter holds the model's memory until its Close: closing the
// model earlier is safe.
func New(m *tflite.Model, opts *Options) (_ *Interpreter, err error) {
	if opts == nil {
		opts = &Options{}
	}
	release, err := m.Acquire()
	if err != nil {
		return nil, fmt.Errorf("nn: %w", err)
	}
	defer func() {
		if err != nil {
			release()
		}
	}()
	if opts.Subgraph < 0 || opts.Subgraph >= len(m.Subgraphs) {
		return nil, fmt.Errorf("nn: subgraph %d out of range (model has %d)", opts.Subgraph, len(m.Subgraphs))
	}
	kernelTarget := opts.Kernels
	if kernelTarget == "" {
		kernelTarget = os.Getenv("PERCEPT_KERNELS")
	}
	target, err := kernels.ResolveTarget(kernelTarget)
	if err != nil {
		return nil, err
	}
	sg := &m.Subgraphs[opts.Subgraph]
	threads := opts.Threads
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	it := &Interpreter{model: m, subgraph: opts.Subgraph, target: target, tensors: make([]Tensor, len(sg.Tensors)), threads: threads,
		edgeTPU: newEdgeTPUState(opts)}
	defer func() {
		if err != nil {
			it.edgeTPU.close()
		}
	}()
	for i := range it.tensors {
		it.tensors[i].owner = it
	}
	for i := range sg.Tensors {
		if err := it.initTensor(i, &sg.Tensors[i]); err != nil {
			return nil, err
		}
	}
	for _, idx := range sg.Inputs {
		t := &it.tensors[idx]
		if t.constant {
			return nil, fmt.Errorf("nn: input %v has constant data in the model", t)
		}
		it.inputs = append(it.inputs, t)
	}
	for _, idx := range sg.Outputs {
		it.outputs = append(it.outputs, &it.tensors[idx])
	}
	g := newGraph(it, sg)
	if err := g.buildAll(); err != nil {
		return nil, err
	}
	for _, t := range slices.Concat(it.inputs, it.outputs) {
		if !knownType(t) {
			return nil, fmt.Errorf("nn: %w", unsupportedType(t))
		}
	}
	plan, err := g.planMemory()
	if err != nil {
		return nil, err
	}
	it.plan = plan
	it.arena = alignedBytes(plan.ArenaBytes)
	for i := range it.tensors {
		t := &it.tensors[i]
		if off, ok := plan.offsets[i]; ok {
			t.data = it.arena[off : off+g.byteSize(t) : off+g.byteSize(t)]
		}
	}
	for _, o := range it.ops {
		if o.bind != nil {
			o.bind()
		}
	}
	it.pool = newWorkerPool(threads)
	if opts.Profile {
		it.prof = newProfiler(it.ops)
	}
	it.closer = &closer{pool: it.pool, release: release, edgeTPU: it.edgeTPU}
	it.cleanup = runtime.AddCleanup(it, (*closer).close, it.closer)
	return it, nil
}

// Close ends the interpreter: it waits for an Invoke in progress on
// another goroutine, stops the worker goroutines and releases the model's
// memory (unmapped when the model is closed too and nothing else holds
// it). Afterwards Invoke and InvokeContext return an error wrapping
// ErrClosed, and constant tensors, whose data was the model's, have none
// (their Bytes, Float32s, ... return nil); the other tensors keep their
// metadata and the data of the last Invoke, which is the Interpreter's own
// memory. Slices of constant data taken before Close must not be used
// after it.
//
// An Interpreter that is garbage collected without Close is closed
// automatically. Close is safe to call more than once; it returns nil.
func (it *Interpreter) Close() error {
	it.mu.Lock()
	defer it.mu.Unlock()
	if it.closed {
		return nil
	}
	it.closed = true
	for i := range it.tensors {
		if it.tensors[i].constant {
			it.tensors[i].data = nil
		}
	}
	it.cleanup.Stop()
	it.closer.close()
	return nil
}

// Invoke runs every operator once on the current inputs. After Close it
// returns an error wrapping ErrClosed.
func (it *Interpreter) Invoke() error {
	return it.InvokeContext(context.Background())
}

// InvokeContext is Invoke that stops between operators when ctx is done,
// returning ctx.Err().
func (it *Interpreter) InvokeContext(ctx context.Context) error {
	it.mu.Lock()
	defer it.mu.Unlock()
	if it.closed {
		return fmt.Errorf("nn: interpreter %w", ErrClosed)
	}
	if it.prof != nil {
		if err := it.prof.invoke(ctx, it); err != nil {
			return err
		}
		return it.edgeTPU.takeFault()
	}
	cancellable := ctx.Done() != nil
	for _, o := range it.ops {
		if cancellable {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := it.runOp(o); err != nil {
			return err
		}
		if it.edgeTPU != nil && it.edgeTPU.fault != nil {
			return it.edgeTPU.takeFault()
		}
	}
	return nil
}

// runOp executes one operator, across the worker pool when it splits, and
// returns the error its run found in the data (see op.fault).
func (it *Interpreter) runOp(o *op) error {
	switch {
	case o.runRows == nil:
		o.run()
	case o.macs > 0 && o.macs < o.minSplitMACs:
		o.runRows(0, 0, o.rows)
	default:
		it.pool.parallel(o.rows, o.runRows)
	}
	if o.fault != nil {
		if err := o.fault(); err != nil {
			return err
		}
	}
	if it.observer != nil {
		it.observer(o.index, o.outputs)
	}
	return nil
}

// Inputs returns the subgraph's input tensors in model order.
func (it *Interpreter) Inputs() []*Tensor { return it.inputs }

// Outputs returns the subgraph's output tensors in model order.
func (it *Interpreter) Outputs() []*Tensor { return it.outputs }

// Input returns input i, or nil when out of range.
func (it *Interpreter) Input(i int) *Tensor { return at(it.inputs, i) }

// Output returns output i, or nil when out of range.
func (it *Interpreter) Output(i int) *Tensor { return at(it.outputs, i) }

// InputByName returns the input tensor with that name, or nil.
func (it *Interpreter) InputByName(name string) *Tensor { return byName(it.inputs, name) }

// OutputByName returns the output tensor with that name, or nil.
func (it *Interpreter) OutputByName(name string) *Tensor { return byName(it.outputs, name) }

// Tensor returns tensor i of the subgraph (for inspection), or nil.
func (it *Interpreter) Tensor(i int) *Tensor {
	if i < 0 || i >= len(it.tensors) {
		return nil
	}
	return &it.tensors[i]
}

// Memory returns the arena plan: its size and how it compares with the
// tensors it holds.
func (it *Interpreter) Memory() MemoryPlan { return it.plan }

// MACs is the number of multiply-accumulates of one invocation, counted
// over convolution, depthwise and fully connected layers.
func (it *Interpreter) MACs() int64 {
	var n int64
	for _, o := range it.ops {
		n += o.macs
	}
	return n
}

// Kernels names the kernel target the interpreter runs.
func (it *Interpreter) Kernels() string { return it.target }

// Threads is the number of threads that share the work of an operator.
func (it *Interpreter) Threads() int { return it.threads }

// Model returns the model the interpreter runs.
func (it *Interpreter) Model() *tflite.Model { return it.model }

func at(ts []*Tensor, i int) *Tensor {
	if i < 0 || i >= len(ts) {
		return nil
	}
	return ts[i]
}

func byName(ts []*Tensor, name string) *Tensor {
	for _, t := range ts {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// initTensor fills the interpreter's view of tensor i from the model and
// checks constant data against the declared shape and type.
func (it *Interpreter) initTensor(i int, mt *tflite.Tensor) error {
	t := &it.tensors[i]
	t.Index, t.Name, t.Type, t.Quantization = i, mt.Name, mt.Type, mt.Quantization
	t.Shape = make([]int, len(mt.Shape))
	n := int64(1)
	for k, d := range mt.Shape {
		t.Shape[k] = int(d)
		n *= int64(d)
		if n > 1<<31 {
			return fmt.Errorf("nn: %v: too many elements", t)
		}
	}
	size := int64(mt.Type.Size())
	if n*size > maxArenaBytes {
		// Checked in int64 before any int arithmetic, which is 32 bits
		// wide on 32-bit ARM.
		return fmt.Errorf("nn: %v: %d bytes, above the arena limit of %d", t, n*size, maxArenaBytes)
	}
	if !knownType(t) {
		// Left without data: New reports the operators that use it, or
		// the tensor itself when it is an input or output.
		return nil
	}
	buf := it.model.Buffers[mt.Buffer].Data
	if len(buf) == 0 {
		return nil
	}
	if mt.Type == tflite.TypeString {
		t.data, t.constant = buf, true
		return nil
	}
	if int64(len(buf)) != n*size {
		return fmt.Errorf("nn: %v: constant buffer %d holds %d bytes, want %d", t, mt.Buffer, len(buf), n*size)
	}
	if uintptr(unsafe.Pointer(unsafe.SliceData(buf)))%uintptr(size) != 0 {
		// A misaligned buffer (legal in a flatbuffer, rare in practice) is
		// copied once so that typed views stay aligned.
		aligned := alignedBytes(len(buf))
		copy(aligned, buf)
		buf = aligned
	}
	t.data, t.constant = buf, true
	return nil
}

// knownType reports whether percept knows the size of t's elements (or,
// for STRING, how to hold them).
func knownType(t *Tensor) bool {
	return t.Type.Size() > 0 || t.Type == tflite.TypeString
}

// unsupportedType is the error of tensor t of a type percept lacks.
func unsupportedType(t *Tensor) error {
	return &unsupportedCase{fmt.Sprintf("%v has element type %s, which percept does not support", t, t.Type)}
}

// alignedBytes returns a zeroed slice of n bytes whose start is aligned to
// 64 bytes, the widest SIMD load percept issues.
func alignedBytes(n int) []byte {
	const align = 64
	raw := make([]byte, n+align)
	off := int(-uintptr(unsafe.Pointer(unsafe.SliceData(raw))) & (align - 1))
	return raw[off : off+n : off+n]
}
