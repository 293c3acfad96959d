// Package edgetpu runs the parts of a model compiled by edgetpu_compiler on
// a Coral Edge TPU, through libedgetpu's TfLiteDelegate, with percept as
// the delegate's host: no TensorFlow Lite runtime is linked or loaded, the
// robot needs libedgetpu.so.1 (Coral's libedgetpu1-std package) and
// nothing else.
//
// Support is built only with the build tag edgetpu and cgo (go build -tags
// edgetpu). Other builds are pure Go: every entry point returns an error
// wrapping ErrNotBuilt. With the tag, libedgetpu is loaded at run time
// (dlopen of libedgetpu.so.1 through the loader's search path, or the file
// named by PERCEPT_EDGETPU_LIB), so a binary built with the tag starts, and
// runs models on the CPU, where the library is absent.
//
// The Edge TPU kernel reads the original node's custom data (the compiled
// TPU program) and the tensors' memory by pointer: a Graph copies the
// custom data into C memory that stays put, and pins the tensor memory it
// is given until Close. libedgetpu flips the sign bit of signed inputs in
// place; a Graph hands it a copy of those.
//
// libedgetpu aborts the whole process when a USB Accelerator is unplugged
// or a transfer fails while a request runs (LOG(FATAL) in its USB driver):
// that cannot be caught in-process. Run percept under a supervisor that
// restarts it (systemd Restart=on-failure).
//
// # What is verified, and what only a device can confirm
//
// The tests run this package against a fake libedgetpu.so.1, written in C
// from libedgetpu's source and compiled by the tests (package edgetputest):
// the same exported symbols, Prepare call sequence, node selection by
// custom name, checks of tensor types, sizes and buffer handles, errors
// through ReportError, both registration layouts (TensorFlow 2.5's and
// 2.16's), no device, a failing device and an unplug (abort), with a
// deterministic kernel so every byte in and out is checked. Only a real
// Coral device and Coral's own library can confirm: that the real
// library accepts this host's context (its Prepare, init and its parse of
// the compiled programs); output parity of the TPU with the CPU twins;
// DMA from pinned Go memory; signed-input models; first-call upload time
// and steady latency; several models sharing one device; unplug, replug
// and firmware re-enumeration; a TensorFlow 2.16 build of the library on
// 32-bit ARM (checked only under qemu); PCIe error behaviour and options
// such as "Performance" taking effect.
package edgetpu

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrNotBuilt is returned by every entry point of a build without the
// edgetpu build tag or without cgo.
var ErrNotBuilt = errors.New("edgetpu: this percept was built without Edge TPU support (build with -tags edgetpu and cgo enabled)")

// ErrNoLibrary is wrapped by the error of an entry point that could not
// load libedgetpu.
var ErrNoLibrary = errors.New("edgetpu: libedgetpu.so.1 not found or not usable (install Coral's libedgetpu1-std, or set PERCEPT_EDGETPU_LIB)")

// ErrNoDevice is wrapped by the error of New when no Edge TPU of the
// requested kind could be opened (none attached, no permission — the udev
// rule — or already held by another process).
var ErrNoDevice = errors.New("edgetpu: no Edge TPU device could be opened")

// ErrDevice is wrapped by errors that libedgetpu reported while preparing
// or running a kernel; the text it reported follows.
var ErrDevice = errors.New("edgetpu: Edge TPU error")

// LibraryEnv names the environment variable that, when set, is the path
// of the libedgetpu to load instead of libedgetpu.so.1.
const LibraryEnv = "PERCEPT_EDGETPU_LIB"

// CustomOp is the custom operator code of the nodes the Edge TPU runs.
const CustomOp = "edgetpu-custom-op"

// Device is one Edge TPU that libedgetpu sees.
type Device struct {
	// Type is "usb" (the USB Accelerator) or "pci" (M.2, mini PCIe, Dev
	// Board).
	Type string
	// Path is the device's path: a sysfs path for USB, /dev/apex_N for
	// PCIe.
	Path string
}

// String is the device as Config.Device accepts it.
func (d Device) String() string { return d.Type + ":" + d.Path }

// ElemType is the element type of a tensor, as TensorFlow Lite's C API
// numbers it (TfLiteType).
type ElemType int32

// The element types of Edge TPU inputs and outputs.
const (
	Float32 ElemType = 1
	Int32   ElemType = 2
	UInt8   ElemType = 3
	Int16   ElemType = 7
	Int8    ElemType = 9
	Float16 ElemType = 10
)

// Size is the size in bytes of one element, 0 for an unknown type.
func (t ElemType) Size() int {
	switch t {
	case UInt8, Int8:
		return 1
	case Int16, Float16:
		return 2
	case Int32, Float32:
		return 4
	}
	return 0
}

// Tensor describes one tensor of a Graph.
type Tensor struct {
	Name  string
	Type  ElemType
	Shape []int
	// Scale and ZeroPoint are the tensor's (per-tensor) quantization;
	// libedgetpu reads them for old float classifier outputs only.
	Scale     float32
	ZeroPoint int32
}

// Bytes is the tensor's size in bytes.
func (t *Tensor) Bytes() int {
	n := t.Type.Size()
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Node describes one operator of a Graph: the delegate takes the ones whose
// CustomName is CustomOp.
type Node struct {
	CustomName      string
	Inputs, Outputs []int // tensor indices
	// CustomData is the operator's custom options (for CustomOp, the
	// compiled Edge TPU program); the Graph copies it.
	CustomData []byte
}

// Config chooses the device and the library.
type Config struct {
	// Device is "usb" or "pci" for the first free device of that kind,
	// "usb:N" or "pci:N" for the N-th (from 0) that Devices lists, and
	// "usb:PATH" or "pci:PATH" for one path ("pci:/dev/apex_0").
	Device string
	// Options are libedgetpu's device options, passed through (e.g.
	// "Performance": "Max", "Usb.AlwaysDfu": "False").
	Options map[string]string
	// Library is the libedgetpu to load; empty means $PERCEPT_EDGETPU_LIB,
	// else libedgetpu.so.1 through the loader's search path.
	Library string
	// Verbosity, when above 0, is passed to edgetpu_verbosity: libedgetpu
	// then logs to stderr.
	Verbosity int
}

// deviceSpec is a parsed Config.Device.
type deviceSpec struct {
	typ   int // 0 PCIe, 1 USB
	index int // -1 unless "usb:N"
	path  string
}

// parseDevice parses Config.Device.
func parseDevice(s string) (deviceSpec, error) {
	kind, rest, _ := strings.Cut(s, ":")
	var d deviceSpec
	switch kind {
	case "usb":
		d.typ = 1
	case "pci":
		d.typ = 0
	default:
		return d, fmt.Errorf("edgetpu: device %q: want usb, pci, usb:N, pci:N, usb:PATH or pci:PATH", s)
	}
	d.index = -1
	if rest == "" {
		return d, nil
	}
	if n, err := strconv.Atoi(rest); err == nil {
		if n < 0 {
			return d, fmt.Errorf("edgetpu: device %q: negative index", s)
		}
		d.index = n
		return d, nil
	}
	d.path = rest
	return d, nil
}

// typeName names a device type as Device.Type does.
func typeName(typ int) string {
	if typ == 1 {
		return "usb"
	}
	return "pci"
}

// validate checks a Graph's description before any C is involved.
func validate(tensors []Tensor, nodes []Node) error {
	for i := range tensors {
		t := &tensors[i]
		if t.Type.Size() == 0 {
			return fmt.Errorf("edgetpu: tensor %d %q: element type %d is not one the Edge TPU takes", i, t.Name, t.Type)
		}
		for _, d := range t.Shape {
			if d < 0 {
				return fmt.Errorf("edgetpu: tensor %d %q: shape %v", i, t.Name, t.Shape)
			}
		}
	}
	for i := range nodes {
		for _, list := range [][]int{nodes[i].Inputs, nodes[i].Outputs} {
			for _, t := range list {
				if t < 0 || t >= len(tensors) {
					return fmt.Errorf("edgetpu: node %d: tensor %d out of range (%d tensors)", i, t, len(tensors))
				}
			}
		}
	}
	return nil
}
