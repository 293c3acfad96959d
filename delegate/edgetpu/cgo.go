//go:build edgetpu && cgo

package edgetpu

/*
#cgo CFLAGS: -std=c11 -D_GNU_SOURCE -O2 -Wall
#cgo linux LDFLAGS: -ldl
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unsafe"
)

// Built reports whether this build supports the Edge TPU.
const Built = true

// libs caches the libraries loaded, by path ("" for the loader's search):
// a library is never unloaded.
var libs struct {
	sync.Mutex
	m map[string]*C.ptpu_lib
}

// load loads (once) the library cfg names.
func load(cfg Config) (*C.ptpu_lib, error) {
	path := cfg.Library
	if path == "" {
		path = os.Getenv(LibraryEnv)
	}
	libs.Lock()
	defer libs.Unlock()
	lib := libs.m[path]
	if lib == nil {
		var err error
		if lib, err = open(path); err != nil {
			return nil, err
		}
		if libs.m == nil {
			libs.m = map[string]*C.ptpu_lib{}
		}
		libs.m[path] = lib
	}
	if cfg.Verbosity > 0 {
		C.ptpu_verbosity(lib, C.int(cfg.Verbosity))
	}
	return lib, nil
}

// open loads the library at path ("" for libedgetpu.so.1 through the
// loader's search).
func open(path string) (*C.ptpu_lib, error) {
	var cpath *C.char
	if path != "" {
		cpath = C.CString(path)
		defer C.free(unsafe.Pointer(cpath))
	}
	var errbuf [512]C.char
	lib := C.ptpu_open(cpath, &errbuf[0], C.size_t(len(errbuf)))
	if lib == nil {
		return nil, fmt.Errorf("%w: %s", ErrNoLibrary, C.GoString(&errbuf[0]))
	}
	return lib, nil
}

// Devices lists the Edge TPUs libedgetpu sees.
func Devices(cfg Config) ([]Device, error) {
	lib, err := load(cfg)
	if err != nil {
		return nil, err
	}
	return devices(lib), nil
}

func devices(lib *C.ptpu_lib) []Device {
	const max, pathLen = 16, 256
	var types [max]C.int
	var paths [max * pathLen]C.char
	n := int(C.ptpu_devices(lib, &types[0], &paths[0], pathLen, max))
	devs := make([]Device, 0, min(n, max))
	for i := range min(n, max) {
		devs = append(devs, Device{Type: typeName(int(types[i])), Path: C.GoString(&paths[i*pathLen])})
	}
	return devs
}

// Version is libedgetpu's version text.
func Version(cfg Config) (string, error) {
	lib, err := load(cfg)
	if err != nil {
		return "", err
	}
	return C.GoString(C.ptpu_version(lib)), nil
}

// Graph is a set of tensors and nodes whose Edge TPU nodes (custom name
// CustomOp) run on one device through libedgetpu's delegate: percept runs
// the others. Give every tensor of a delegated node its memory with
// SetData, then Invoke the node as often as needed. Close frees the
// kernels, then the delegate. A Graph is safe for concurrent use; invokes
// are serialised.
type Graph struct {
	mu      sync.Mutex
	st      *graphState
	tensors []Tensor
	cleanup runtime.Cleanup
}

// graphState is what Close (or the garbage collector, for a Graph never
// closed) frees: it must not refer to the Graph.
type graphState struct {
	c   *C.ptpu_graph
	pin runtime.Pinner // the tensor memory given to SetData
}

func (st *graphState) free() {
	if st.c != nil {
		C.ptpu_graph_free(st.c)
		st.c = nil
	}
	st.pin.Unpin()
}

// New describes the graph to a host context, creates libedgetpu's delegate
// on the device cfg names and runs its Prepare: the delegate replaces each
// CustomOp node with a kernel, which reads the node's custom data (the
// compiled program) and checks the node's tensors' types and sizes.
// Errors wrap ErrNoLibrary, ErrNoDevice or ErrDevice (with the text
// libedgetpu reported).
func New(cfg Config, tensors []Tensor, nodes []Node) (*Graph, error) {
	spec, err := parseDevice(cfg.Device)
	if err != nil {
		return nil, err
	}
	if err := validate(tensors, nodes); err != nil {
		return nil, err
	}
	lib, err := load(cfg)
	if err != nil {
		return nil, err
	}
	if spec.index >= 0 {
		var of []Device
		for _, d := range devices(lib) {
			if d.Type == typeName(spec.typ) {
				of = append(of, d)
			}
		}
		if spec.index >= len(of) {
			return nil, fmt.Errorf("%w: %s: libedgetpu sees %d %s device(s)", ErrNoDevice, cfg.Device, len(of), typeName(spec.typ))
		}
		spec.path = of[spec.index].Path
	}
	st := &graphState{c: C.ptpu_graph_new(C.int(len(tensors)), C.int(len(nodes)))}
	if st.c == nil {
		return nil, fmt.Errorf("edgetpu: out of memory")
	}
	g := &Graph{st: st, tensors: slices.Clone(tensors)}
	g.cleanup = runtime.AddCleanup(g, (*graphState).free, st)
	if err := g.describe(tensors, nodes); err != nil {
		g.Close()
		return nil, err
	}
	if err := g.apply(lib, cfg, spec); err != nil {
		g.Close()
		return nil, err
	}
	return g, nil
}

// describe hands the tensors and nodes to the C graph.
func (g *Graph) describe(tensors []Tensor, nodes []Node) error {
	for i := range tensors {
		t := &tensors[i]
		dims := make([]C.int, len(t.Shape)+1)
		for k, d := range t.Shape {
			dims[k] = C.int(d)
		}
		name := C.CString(t.Name)
		rc := C.ptpu_tensor(g.st.c, C.int(i), C.int(t.Type), C.size_t(t.Bytes()), &dims[0], C.int(len(t.Shape)),
			C.float(t.Scale), C.int32_t(t.ZeroPoint), name)
		C.free(unsafe.Pointer(name))
		if rc != 0 {
			return fmt.Errorf("edgetpu: tensor %d %q: cannot describe it", i, t.Name)
		}
	}
	for i := range nodes {
		n := &nodes[i]
		ins, outs := cInts(n.Inputs), cInts(n.Outputs)
		var data unsafe.Pointer
		if len(n.CustomData) > 0 {
			data = unsafe.Pointer(&n.CustomData[0])
		}
		name := C.CString(n.CustomName)
		rc := C.ptpu_node(g.st.c, C.int(i), name, &ins[0], C.int(len(n.Inputs)), &outs[0], C.int(len(n.Outputs)),
			data, C.int(len(n.CustomData)))
		C.free(unsafe.Pointer(name))
		if rc != 0 {
			return fmt.Errorf("edgetpu: node %d %q: cannot describe it", i, n.CustomName)
		}
	}
	return nil
}

// cInts copies a list of indices to C ints, with one spare element so that
// the first element's address exists for an empty list.
func cInts(list []int) []C.int {
	out := make([]C.int, len(list)+1)
	for k, v := range list {
		out[k] = C.int(v)
	}
	return out
}

// apply creates the delegate and runs its Prepare and the kernels'.
func (g *Graph) apply(lib *C.ptpu_lib, cfg Config, spec deviceSpec) error {
	var path *C.char
	if spec.path != "" {
		path = C.CString(spec.path)
		defer C.free(unsafe.Pointer(path))
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range cfg.Options {
			if !yield(k) {
				return
			}
		}
	})
	names := make([]*C.char, len(keys)+1)
	values := make([]*C.char, len(keys)+1)
	for i, k := range keys {
		names[i], values[i] = C.CString(k), C.CString(cfg.Options[k])
		defer C.free(unsafe.Pointer(names[i]))
		defer C.free(unsafe.Pointer(values[i]))
	}
	rc := C.ptpu_apply(lib, g.st.c, C.int(spec.typ), path, &names[0], &values[0], C.int(len(keys)))
	switch {
	case rc == -2:
		var seen []string
		for _, d := range devices(lib) {
			seen = append(seen, d.String())
		}
		found := "libedgetpu sees no Edge TPU (is it plugged in, and may this user open it? see the udev rule)"
		if len(seen) > 0 {
			found = "libedgetpu sees " + strings.Join(seen, ", ") + " (busy in another process?)"
		}
		return fmt.Errorf("%w: %s: %s", ErrNoDevice, cfg.Device, found)
	case rc < 0:
		return fmt.Errorf("%w: %s", ErrDevice, C.GoString(C.ptpu_error(g.st.c)))
	}
	return nil
}

// Delegated reports whether node i runs on the Edge TPU.
func (g *Graph) Delegated(i int) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.st.c != nil && C.ptpu_delegated(g.st.c, C.int(i)) != 0
}

// RegistrationLayout names the TfLiteRegistration layout through which the
// library's registration was read: "TF 2.5" (which on amd64 and arm64
// reads a registration of any later layout too) or "TF 2.16" (32-bit ARM
// with a library built against it); "" when no node was delegated.
func (g *Graph) RegistrationLayout() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.st.c == nil {
		return ""
	}
	switch C.ptpu_replace_layout(g.st.c) {
	case 1:
		return "TF 2.5"
	case 2:
		return "TF 2.16"
	}
	return ""
}

// SetData gives tensor i the memory data, which must hold exactly the
// tensor's bytes. The memory is pinned (the garbage collector neither moves
// nor frees it) until Close, and libedgetpu reads and writes it on each
// Invoke of a node that uses the tensor. Signed inputs are copied before
// each Invoke, so libedgetpu's sign flip never reaches data.
func (g *Graph) SetData(i int, data []byte) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.st.c == nil {
		return fmt.Errorf("edgetpu: graph closed")
	}
	if i < 0 || i >= len(g.tensors) {
		return fmt.Errorf("edgetpu: tensor %d out of range (%d tensors)", i, len(g.tensors))
	}
	if want := g.tensors[i].Bytes(); len(data) != want {
		return fmt.Errorf("edgetpu: tensor %d %q: %d bytes given, want %d", i, g.tensors[i].Name, len(data), want)
	}
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(unsafe.SliceData(data))
		g.st.pin.Pin(p)
	}
	C.ptpu_set_data(g.st.c, C.int(i), p)
	return nil
}

// Invoke runs node i's kernel on the Edge TPU: it reads the inputs' memory
// and writes the outputs'. A failure libedgetpu reports is an error
// wrapping ErrDevice with its text.
func (g *Graph) Invoke(i int) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.st.c == nil {
		return fmt.Errorf("edgetpu: graph closed")
	}
	if C.ptpu_invoke(g.st.c, C.int(i)) != 0 {
		return fmt.Errorf("%w: %s", ErrDevice, C.GoString(C.ptpu_error(g.st.c)))
	}
	return nil
}

// Close frees every kernel, then the delegate (which releases the device
// when no other Graph of this process holds it), and unpins the tensor
// memory. It is safe to call more than once.
func (g *Graph) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.cleanup.Stop()
	g.st.free()
	return nil
}
