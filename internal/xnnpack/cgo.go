//go:build xnnpack

package xnnpack

// #cgo LDFLAGS: -lXNNPACK -lpthreadpool -lcpuinfo
// #include <stdbool.h>
// #include <stdlib.h>
// #include <cpuinfo.h>
// #include <pthreadpool.h>
// #include <xnnpack.h>
//
// // hide_avx512 clears the AVX-512 features in cpuinfo's table of the
// // CPU, which XNNPACK reads once, in xnn_initialize, to choose its
// // micro-kernels: XNNPACK then runs the kernels it runs on an AVX2-only
// // CPU. It reports whether it could.
// static bool hide_avx512(void) {
// #if defined(__x86_64__) || defined(__i386__)
// 	if (!cpuinfo_initialize()) {
// 		return false;
// 	}
// 	cpuinfo_isa.avx512f = false;
// 	cpuinfo_isa.avx512pf = false;
// 	cpuinfo_isa.avx512er = false;
// 	cpuinfo_isa.avx512cd = false;
// 	cpuinfo_isa.avx512dq = false;
// 	cpuinfo_isa.avx512bw = false;
// 	cpuinfo_isa.avx512vl = false;
// 	cpuinfo_isa.avx512ifma = false;
// 	cpuinfo_isa.avx512vbmi = false;
// 	cpuinfo_isa.avx512vbmi2 = false;
// 	cpuinfo_isa.avx512bitalg = false;
// 	cpuinfo_isa.avx512vpopcntdq = false;
// 	cpuinfo_isa.avx512vnni = false;
// 	cpuinfo_isa.avx512bf16 = false;
// 	cpuinfo_isa.avx512vp2intersect = false;
// 	cpuinfo_isa.avx512_4vnniw = false;
// 	cpuinfo_isa.avx512_4fmaps = false;
// 	return true;
// #else
// 	return false;
// #endif
// }
//
// // has_avx512f reports what XNNPACK reads of the CPU's AVX-512.
// static bool has_avx512f(void) { return cpuinfo_has_x86_avx512f(); }
import "C"

import (
	"fmt"
	"sync"
	"unsafe"
)

// ISA names the instruction sets XNNPACK may use, which it chooses once
// per process, when it is initialized.
type ISA string

const (
	// Native lets XNNPACK use everything the CPU has (its AVX-512 kernels
	// on an AVX-512 CPU).
	Native ISA = ""
	// AVX2 hides the CPU's AVX-512 from XNNPACK, which then runs the
	// kernels it runs on an AVX2-only CPU: the fair anchor for percept's
	// avx2 target on an AVX-512 machine.
	AVX2 ISA = "avx2"
)

// The state of xnn_initialize, which must precede every other call.
var (
	initMu  sync.Mutex
	initISA ISA
	initErr error
	inited  bool
)

// initialize initializes the XNNPACK library once per process, limited to
// isa. A later call asking for another ISA fails: XNNPACK cannot choose
// again.
func initialize(isa ISA) error {
	if isa != Native && isa != AVX2 {
		return fmt.Errorf("xnnpack: unknown instruction set %q (known: avx2)", string(isa))
	}
	initMu.Lock()
	defer initMu.Unlock()
	if inited {
		if isa != initISA {
			return fmt.Errorf("xnnpack: initialized for %s in this process, cannot switch to %s", initISA.name(), isa.name())
		}
		return initErr
	}
	inited, initISA = true, isa
	if isa == AVX2 && !C.hide_avx512() {
		initErr = fmt.Errorf("xnnpack: cannot limit XNNPACK to AVX2 on this CPU")
		return initErr
	}
	initErr = statusError("xnn_initialize", C.xnn_initialize(nil))
	return initErr
}

// name is how messages name isa.
func (isa ISA) name() string {
	if isa == Native {
		return "the CPU's own instruction sets"
	}
	return string(isa)
}

// seesAVX512 reports whether XNNPACK, once initialized, sees AVX-512 on
// this CPU.
func seesAVX512() bool { return bool(C.has_avx512f()) }

// statusNames are the names of XNNPACK's status codes.
var statusNames = map[C.enum_xnn_status]string{
	C.xnn_status_uninitialized:         "uninitialized",
	C.xnn_status_invalid_parameter:     "invalid parameter",
	C.xnn_status_invalid_state:         "invalid state",
	C.xnn_status_unsupported_parameter: "unsupported parameter",
	C.xnn_status_unsupported_hardware:  "unsupported hardware",
	C.xnn_status_out_of_memory:         "out of memory",
}

// statusError turns an XNNPACK status into nil or an error naming the call.
func statusError(call string, s C.enum_xnn_status) error {
	if s == C.xnn_status_success {
		return nil
	}
	name, ok := statusNames[s]
	if !ok {
		name = fmt.Sprintf("status %d", int(s))
	}
	return fmt.Errorf("xnnpack: %s: %s", call, name)
}

// cBuffer is a block of C memory that XNNPACK operators read and write:
// operators keep the pointers given at setup, which cgo forbids for Go
// memory. It has XNN_EXTRA_BYTES of slack after its size, which XNNPACK
// kernels may read past the end of an input.
type cBuffer struct {
	ptr  unsafe.Pointer
	size int
}

// newCBuffer allocates a zeroed buffer of size bytes.
func newCBuffer(size int) (*cBuffer, error) {
	ptr := C.calloc(C.size_t(size+C.XNN_EXTRA_BYTES), 1)
	if ptr == nil {
		return nil, fmt.Errorf("xnnpack: cannot allocate %d bytes", size)
	}
	return &cBuffer{ptr: ptr, size: size}, nil
}

// bytes views the buffer as a Go slice, valid until free.
func (b *cBuffer) bytes() []byte { return unsafe.Slice((*byte)(b.ptr), b.size) }

// free releases the buffer.
func (b *cBuffer) free() {
	C.free(b.ptr)
	b.ptr = nil
}

// threadPool is a pthreadpool for XNNPACK, nil for one thread (XNNPACK then
// runs on the calling thread).
type threadPool struct{ pool C.pthreadpool_t }

// newThreadPool creates a pool of n threads, or none when n is 1.
func newThreadPool(n int) (*threadPool, error) {
	if n <= 1 {
		return &threadPool{}, nil
	}
	pool := C.pthreadpool_create(C.size_t(n))
	if pool == nil {
		return nil, fmt.Errorf("xnnpack: cannot create a pool of %d threads", n)
	}
	return &threadPool{pool: pool}, nil
}

// close destroys the pool.
func (p *threadPool) close() {
	if p.pool != nil {
		C.pthreadpool_destroy(p.pool)
		p.pool = nil
	}
}

// operator is one XNNPACK operator, set up on its input and output buffers.
type operator struct{ op C.xnn_operator_t }

// run executes the operator once on the pool.
func (o *operator) run(pool *threadPool) error {
	return statusError("xnn_run_operator", C.xnn_run_operator(o.op, pool.pool))
}

// delete frees the operator.
func (o *operator) delete() {
	if o.op != nil {
		C.xnn_delete_operator(o.op)
		o.op = nil
	}
}

// convGeometry is the geometry and channel grouping of an XNNPACK 2-D
// convolution.
type convGeometry struct {
	padTop, padRight, padBottom, padLeft int
	kernelH, kernelW                     int
	strideH, strideW                     int
	dilationH, dilationW                 int
	groups, groupIn, groupOut            int
	batch, inH, inW                      int
	depthwise                            bool // kernel in TFLite's [1, KH, KW, C·M] layout
}

// flags returns the XNNPACK creation flags of g.
func (g *convGeometry) flags() C.uint32_t {
	if g.depthwise {
		return C.XNN_FLAG_DEPTHWISE_CONVOLUTION
	}
	return 0
}

// quantParams are the quantization parameters of an XNNPACK quantized
// operator.
type quantParams struct {
	inZero, kernelZero, outZero int32
	inScale, outScale           float32
	kernelScales                []float32 // one, or one per output channel (qc8)
	outMin, outMax              int32
}

// ptr returns a C pointer to the first element of s, or nil when s is
// empty. The pointer is only passed to calls that copy what they read.
func ptr[T any](s []T) unsafe.Pointer {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Pointer(unsafe.SliceData(s))
}

// newConvQU8 creates and sets up a uint8 convolution with per-tensor
// weights.
func newConvQU8(g *convGeometry, q *quantParams, kernel []uint8, bias []int32, in, out *cBuffer, pool *threadPool) (*operator, error) {
	var o operator
	s := C.xnn_create_convolution2d_nhwc_qu8(
		C.uint32_t(g.padTop), C.uint32_t(g.padRight), C.uint32_t(g.padBottom), C.uint32_t(g.padLeft),
		C.uint32_t(g.kernelH), C.uint32_t(g.kernelW), C.uint32_t(g.strideH), C.uint32_t(g.strideW),
		C.uint32_t(g.dilationH), C.uint32_t(g.dilationW),
		C.uint32_t(g.groups), C.size_t(g.groupIn), C.size_t(g.groupOut),
		C.size_t(g.groups*g.groupIn), C.size_t(g.groups*g.groupOut),
		C.uint8_t(q.inZero), C.float(q.inScale), C.uint8_t(q.kernelZero), C.float(q.kernelScales[0]),
		(*C.uint8_t)(ptr(kernel)), (*C.int32_t)(ptr(bias)),
		C.uint8_t(q.outZero), C.float(q.outScale), C.uint8_t(q.outMin), C.uint8_t(q.outMax),
		g.flags(), &o.op)
	if err := statusError("xnn_create_convolution2d_nhwc_qu8", s); err != nil {
		return nil, err
	}
	s = C.xnn_setup_convolution2d_nhwc_qu8(o.op, C.size_t(g.batch), C.size_t(g.inH), C.size_t(g.inW),
		(*C.uint8_t)(in.ptr), (*C.uint8_t)(out.ptr), pool.pool)
	return setupDone(&o, "xnn_setup_convolution2d_nhwc_qu8", s)
}

// newConvQS8 creates and sets up an int8 convolution with per-tensor
// weights.
func newConvQS8(g *convGeometry, q *quantParams, kernel []int8, bias []int32, in, out *cBuffer, pool *threadPool) (*operator, error) {
	var o operator
	s := C.xnn_create_convolution2d_nhwc_qs8(
		C.uint32_t(g.padTop), C.uint32_t(g.padRight), C.uint32_t(g.padBottom), C.uint32_t(g.padLeft),
		C.uint32_t(g.kernelH), C.uint32_t(g.kernelW), C.uint32_t(g.strideH), C.uint32_t(g.strideW),
		C.uint32_t(g.dilationH), C.uint32_t(g.dilationW),
		C.uint32_t(g.groups), C.size_t(g.groupIn), C.size_t(g.groupOut),
		C.size_t(g.groups*g.groupIn), C.size_t(g.groups*g.groupOut),
		C.int8_t(q.inZero), C.float(q.inScale), C.float(q.kernelScales[0]),
		(*C.int8_t)(ptr(kernel)), (*C.int32_t)(ptr(bias)),
		C.int8_t(q.outZero), C.float(q.outScale), C.int8_t(q.outMin), C.int8_t(q.outMax),
		g.flags(), &o.op)
	if err := statusError("xnn_create_convolution2d_nhwc_qs8", s); err != nil {
		return nil, err
	}
	s = C.xnn_setup_convolution2d_nhwc_qs8(o.op, C.size_t(g.batch), C.size_t(g.inH), C.size_t(g.inW),
		(*C.int8_t)(in.ptr), (*C.int8_t)(out.ptr), pool.pool)
	return setupDone(&o, "xnn_setup_convolution2d_nhwc_qs8", s)
}

// newConvQC8 creates and sets up an int8 convolution with per-channel
// weights.
func newConvQC8(g *convGeometry, q *quantParams, kernel []int8, bias []int32, in, out *cBuffer, pool *threadPool) (*operator, error) {
	var o operator
	s := C.xnn_create_convolution2d_nhwc_qc8(
		C.uint32_t(g.padTop), C.uint32_t(g.padRight), C.uint32_t(g.padBottom), C.uint32_t(g.padLeft),
		C.uint32_t(g.kernelH), C.uint32_t(g.kernelW), C.uint32_t(g.strideH), C.uint32_t(g.strideW),
		C.uint32_t(g.dilationH), C.uint32_t(g.dilationW),
		C.uint32_t(g.groups), C.size_t(g.groupIn), C.size_t(g.groupOut),
		C.size_t(g.groups*g.groupIn), C.size_t(g.groups*g.groupOut),
		C.int8_t(q.inZero), C.float(q.inScale), (*C.float)(ptr(q.kernelScales)),
		(*C.int8_t)(ptr(kernel)), (*C.int32_t)(ptr(bias)),
		C.int8_t(q.outZero), C.float(q.outScale), C.int8_t(q.outMin), C.int8_t(q.outMax),
		g.flags(), &o.op)
	if err := statusError("xnn_create_convolution2d_nhwc_qc8", s); err != nil {
		return nil, err
	}
	s = C.xnn_setup_convolution2d_nhwc_qc8(o.op, C.size_t(g.batch), C.size_t(g.inH), C.size_t(g.inW),
		(*C.int8_t)(in.ptr), (*C.int8_t)(out.ptr), pool.pool)
	return setupDone(&o, "xnn_setup_convolution2d_nhwc_qc8", s)
}

// newConvF32 creates and sets up a float convolution clamped to
// [outMin, outMax].
func newConvF32(g *convGeometry, outMin, outMax float32, kernel, bias []float32, in, out *cBuffer, pool *threadPool) (*operator, error) {
	var o operator
	s := C.xnn_create_convolution2d_nhwc_f32(
		C.uint32_t(g.padTop), C.uint32_t(g.padRight), C.uint32_t(g.padBottom), C.uint32_t(g.padLeft),
		C.uint32_t(g.kernelH), C.uint32_t(g.kernelW), C.uint32_t(g.strideH), C.uint32_t(g.strideW),
		C.uint32_t(g.dilationH), C.uint32_t(g.dilationW),
		C.uint32_t(g.groups), C.size_t(g.groupIn), C.size_t(g.groupOut),
		C.size_t(g.groups*g.groupIn), C.size_t(g.groups*g.groupOut),
		(*C.float)(ptr(kernel)), (*C.float)(ptr(bias)), C.float(outMin), C.float(outMax),
		g.flags(), &o.op)
	if err := statusError("xnn_create_convolution2d_nhwc_f32", s); err != nil {
		return nil, err
	}
	s = C.xnn_setup_convolution2d_nhwc_f32(o.op, C.size_t(g.batch), C.size_t(g.inH), C.size_t(g.inW),
		(*C.float)(in.ptr), (*C.float)(out.ptr), pool.pool)
	return setupDone(&o, "xnn_setup_convolution2d_nhwc_f32", s)
}

// fcGeometry is the shape of an XNNPACK fully connected operator: batch
// rows of inDepth in, outDepth out; the kernel is [outDepth, inDepth].
type fcGeometry struct{ batch, inDepth, outDepth int }

// newFullyConnectedQU8 creates and sets up a uint8 fully connected layer.
func newFullyConnectedQU8(g *fcGeometry, q *quantParams, kernel []uint8, bias []int32, in, out *cBuffer, pool *threadPool) (*operator, error) {
	var o operator
	s := C.xnn_create_fully_connected_nc_qu8(C.size_t(g.inDepth), C.size_t(g.outDepth), C.size_t(g.inDepth), C.size_t(g.outDepth),
		C.uint8_t(q.inZero), C.float(q.inScale), C.uint8_t(q.kernelZero), C.float(q.kernelScales[0]),
		(*C.uint8_t)(ptr(kernel)), (*C.int32_t)(ptr(bias)),
		C.uint8_t(q.outZero), C.float(q.outScale), C.uint8_t(q.outMin), C.uint8_t(q.outMax), 0, &o.op)
	if err := statusError("xnn_create_fully_connected_nc_qu8", s); err != nil {
		return nil, err
	}
	s = C.xnn_setup_fully_connected_nc_qu8(o.op, C.size_t(g.batch), (*C.uint8_t)(in.ptr), (*C.uint8_t)(out.ptr), pool.pool)
	return setupDone(&o, "xnn_setup_fully_connected_nc_qu8", s)
}

// newFullyConnectedQS8 creates and sets up an int8 fully connected layer
// with per-tensor weights.
func newFullyConnectedQS8(g *fcGeometry, q *quantParams, kernel []int8, bias []int32, in, out *cBuffer, pool *threadPool) (*operator, error) {
	var o operator
	s := C.xnn_create_fully_connected_nc_qs8(C.size_t(g.inDepth), C.size_t(g.outDepth), C.size_t(g.inDepth), C.size_t(g.outDepth),
		C.int8_t(q.inZero), C.float(q.inScale), C.float(q.kernelScales[0]),
		(*C.int8_t)(ptr(kernel)), (*C.int32_t)(ptr(bias)),
		C.int8_t(q.outZero), C.float(q.outScale), C.int8_t(q.outMin), C.int8_t(q.outMax), 0, &o.op)
	if err := statusError("xnn_create_fully_connected_nc_qs8", s); err != nil {
		return nil, err
	}
	s = C.xnn_setup_fully_connected_nc_qs8(o.op, C.size_t(g.batch), (*C.int8_t)(in.ptr), (*C.int8_t)(out.ptr), pool.pool)
	return setupDone(&o, "xnn_setup_fully_connected_nc_qs8", s)
}

// newFullyConnectedF32 creates and sets up a float fully connected layer
// clamped to [outMin, outMax].
func newFullyConnectedF32(g *fcGeometry, outMin, outMax float32, kernel, bias []float32, in, out *cBuffer, pool *threadPool) (*operator, error) {
	var o operator
	s := C.xnn_create_fully_connected_nc_f32(C.size_t(g.inDepth), C.size_t(g.outDepth), C.size_t(g.inDepth), C.size_t(g.outDepth),
		(*C.float)(ptr(kernel)), (*C.float)(ptr(bias)), C.float(outMin), C.float(outMax), 0, &o.op)
	if err := statusError("xnn_create_fully_connected_nc_f32", s); err != nil {
		return nil, err
	}
	s = C.xnn_setup_fully_connected_nc_f32(o.op, C.size_t(g.batch), (*C.float)(in.ptr), (*C.float)(out.ptr), pool.pool)
	return setupDone(&o, "xnn_setup_fully_connected_nc_f32", s)
}

// setupDone returns o, or deletes it and returns the error when its setup
// call failed.
func setupDone(o *operator, call string, s C.enum_xnn_status) (*operator, error) {
	if err := statusError(call, s); err != nil {
		o.delete()
		return nil, err
	}
	return o, nil
}
