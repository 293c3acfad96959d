// Package edgetputest builds and describes the fake libedgetpu.so.1 that
// percept's tests run the Edge TPU path with, on machines with neither an
// Edge TPU nor libedgetpu. The fake (../testdata/fake_edgetpu.c) behaves
// towards its host as libedgetpu's source shows the real library does, and
// its kernel computes Outputs, so a test can check every byte.
package edgetputest

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Layout is the TfLiteRegistration layout the fake passes its kernel
// registration in.
type Layout string

// The two layouts libedgetpu builds have: TF 2.5 (Coral's libedgetpu 16.0)
// and TF 2.16 (the latest source).
const (
	TF25  Layout = "TF 2.5"
	TF216 Layout = "TF 2.16"
)

// Layouts lists both layouts.
var Layouts = []Layout{TF25, TF216}

// The fake's switches, environment variables it reads at each call.
const (
	// DevicesEnv lists the devices it has: "usb:PATH,pci:PATH", or "none".
	// Unset, it has one USB device, DefaultDevicePath.
	DevicesEnv = "PERCEPT_FAKE_EDGETPU_DEVICES"
	// FailAfterEnv makes invoke fail after that many invocations of a
	// kernel, as a USB transfer error does.
	FailAfterEnv = "PERCEPT_FAKE_EDGETPU_FAIL_AFTER"
	// AbortAfterEnv makes invoke abort the process after that many
	// invocations of a kernel, as libedgetpu's USB driver does when the
	// accelerator is unplugged mid-request.
	AbortAfterEnv = "PERCEPT_FAKE_EDGETPU_ABORT_AFTER"
	// LogEnv names a file that gets a line per call of the fake.
	LogEnv = "PERCEPT_FAKE_EDGETPU_LOG"
	// LayersEnv gives the fake the layers of a real model's program (see
	// LayersSpec), so that it checks the node's tensors against them as
	// libedgetpu does.
	LayersEnv = "PERCEPT_FAKE_EDGETPU_LAYERS"
	// CompilerEnv names the C compiler for the fake (default $CC, else
	// cc): a cross compiler when the tests run under qemu.
	CompilerEnv = "PERCEPT_FAKE_EDGETPU_CC"
)

// DefaultDevicePath is the path of the fake's one device when DevicesEnv
// is unset.
const DefaultDevicePath = "/sys/bus/usb/devices/fake-1"

// Library compiles the fake for layout into a directory of tb's as
// libedgetpu.so.1 and returns its path. It skips tb when there is no C
// compiler.
func Library(tb testing.TB, layout Layout) string {
	tb.Helper()
	cc := os.Getenv(CompilerEnv)
	if cc == "" {
		cc = os.Getenv("CC")
	}
	if cc == "" {
		cc = "cc"
	}
	if _, err := exec.LookPath(cc); err != nil {
		tb.Skipf("no C compiler %q to build the fake libedgetpu (install gcc, or set %s): %v", cc, CompilerEnv, err)
	}
	_, self, _, _ := runtime.Caller(0)
	src := filepath.Join(filepath.Dir(self), "..", "testdata", "fake_edgetpu.c")
	out := filepath.Join(tb.TempDir(), "libedgetpu.so.1")
	args := []string{"-std=c11", "-D_GNU_SOURCE", "-O1", "-Wall", "-Werror", "-shared", "-fPIC", "-fvisibility=hidden", "-o", out, src}
	if layout == TF216 {
		args = append([]string{"-DFAKE_TF216"}, args...)
	}
	if msg, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
		tb.Fatalf("building the fake libedgetpu: %s %v: %v\n%s", cc, args, err, msg)
	}
	return out
}

// SpecData is custom data that tells the fake the layers of its program:
// it then checks the node's tensors against them as libedgetpu checks them
// against the compiled program (types, per-batch sizes in elements, the
// batch dimension). Other custom data (a real model's) passes any tensor
// sizes.
func SpecData(inTypes []int, inSizes []int, outTypes []int, outSizes []int) []byte {
	b := []byte("PTPUFAKE")
	b = append(b, byte(len(inTypes)))
	for i := range inTypes {
		b = append(b, byte(inTypes[i]))
		b = binary.LittleEndian.AppendUint32(b, uint32(inSizes[i]))
	}
	b = append(b, byte(len(outTypes)))
	for i := range outTypes {
		b = append(b, byte(outTypes[i]))
		b = binary.LittleEndian.AppendUint32(b, uint32(outSizes[i]))
	}
	return b
}

// Flip returns what the Edge TPU sees of an input of a signed type: its
// bytes with the sign bit of every element flipped (size 1 for int8, 2
// for int16; 0 leaves the bytes alone).
func Flip(in []byte, size int) []byte {
	out := append([]byte(nil), in...)
	if size > 0 {
		for j := size - 1; j < len(out); j += size {
			out[j] ^= 0x80
		}
	}
	return out
}

// Outputs is what the fake's kernel writes to outputs of the given sizes
// for the custom data and inputs (as the TPU sees them: see Flip): output
// o's byte j is in[j mod n] ^ byte j mod 4 of h ^ (31o + 7j), in being the
// inputs' n bytes one after another and h the FNV-1a hash of the custom
// data's first 4096 bytes and then of every input byte.
func Outputs(customData []byte, inputs [][]byte, sizes []int) [][]byte {
	h := uint32(2166136261)
	hash := func(p []byte) {
		for _, c := range p {
			h ^= uint32(c)
			h *= 16777619
		}
	}
	hash(customData[:min(len(customData), 4096)])
	var all []byte
	for _, in := range inputs {
		hash(in)
		all = append(all, in...)
	}
	out := make([][]byte, len(sizes))
	for o, n := range sizes {
		out[o] = make([]byte, n)
		for j := range n {
			out[o][j] = all[j%len(all)] ^ byte(h>>(8*(j%4))) ^ byte(31*o+7*j)
		}
	}
	return out
}
