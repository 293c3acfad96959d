package edgetputest

import (
	"fmt"
	"strings"

	flatbuffers "github.com/google/flatbuffers/go"
)

// Layer is one input or output layer of a compiled Edge TPU program, as
// libedgetpu's ExecutableLayersInfo reads it from the executable
// (executable/executable.fbs in google-coral/libedgetpu).
type Layer struct {
	Name string
	// DataType is the darwinn DataType: 0 FIXED_POINT8 (uint8), 8
	// SIGNED_FIXED_POINT8 (int8), 1 FIXED_POINT16, 9 SIGNED_FIXED_POINT16,
	// 2 SIGNED_FIXED_POINT32, 4 HALF, 5 SINGLE.
	DataType int
	// Elements is y_dim × x_dim × z_dim × execution_count_per_inference:
	// the values of one batch, what libedgetpu's InputLayerSize and
	// OutputLayerSize return.
	Elements int
}

// Program reads the input and output layers of the Edge TPU program in an
// edgetpu-custom-op's custom options: the flexbuffer map's key "4" holds a
// darwinn Package, whose multi-executable holds the executables; the
// layers are those of the executable that runs inferences (STAND_ALONE or
// EXECUTION_ONLY).
func Program(customData []byte) (inputs, outputs []Layer, err error) {
	defer func() {
		// The flatbuffers runtime indexes without checking: a malformed
		// program panics.
		if r := recover(); r != nil {
			err = fmt.Errorf("edgetputest: malformed Edge TPU program: %v", r)
		}
	}()
	pkg, err := flexString(customData, "4")
	if err != nil {
		return nil, nil, err
	}
	if len(pkg) < 8 || string(pkg[4:8]) != "DWN1" {
		return nil, nil, fmt.Errorf("edgetputest: key 4 is not a darwinn package (no DWN1 identifier)")
	}
	multi := fbBytes(fbRoot(pkg), 1) // Package.serialized_multi_executable
	if multi == nil {
		return nil, nil, fmt.Errorf("edgetputest: the package has no executables")
	}
	mt := fbRoot(multi)
	o := fbField(mt, 0) // MultiExecutable.serialized_executables
	if o == 0 {
		return nil, nil, fmt.Errorf("edgetputest: the package has no executables")
	}
	vec, n := mt.Vector(o), mt.VectorLen(o)
	for j := range n {
		exe := fbRoot(mt.ByteVector(vec + flatbuffers.UOffsetT(4*j)))
		if typ := fbInt16(exe, 13, 0); typ != 0 && typ != 2 { // Executable.type: STAND_ALONE or EXECUTION_ONLY
			continue
		}
		return fbLayers(exe, 8), fbLayers(exe, 9), nil // input_layers, output_layers
	}
	return nil, nil, fmt.Errorf("edgetputest: no executable that runs inferences among %d", n)
}

// fbRoot is the root table of a flatbuffer.
func fbRoot(b []byte) flatbuffers.Table {
	return flatbuffers.Table{Bytes: b, Pos: flatbuffers.GetUOffsetT(b)}
}

// fbField is the offset of field slot in t, 0 when absent.
func fbField(t flatbuffers.Table, slot int) flatbuffers.UOffsetT {
	return flatbuffers.UOffsetT(t.Offset(flatbuffers.VOffsetT(4 + 2*slot)))
}

func fbBytes(t flatbuffers.Table, slot int) []byte {
	if o := fbField(t, slot); o != 0 {
		return t.ByteVector(t.Pos + o)
	}
	return nil
}

func fbInt32(t flatbuffers.Table, slot int, def int32) int32 {
	if o := fbField(t, slot); o != 0 {
		return t.GetInt32(t.Pos + o)
	}
	return def
}

func fbInt16(t flatbuffers.Table, slot int, def int16) int16 {
	if o := fbField(t, slot); o != 0 {
		return t.GetInt16(t.Pos + o)
	}
	return def
}

// fbLayers reads a vector of Layer tables.
func fbLayers(t flatbuffers.Table, slot int) []Layer {
	o := fbField(t, slot)
	if o == 0 {
		return nil
	}
	vec, n := t.Vector(o), t.VectorLen(o)
	layers := make([]Layer, n)
	for j := range n {
		l := flatbuffers.Table{Bytes: t.Bytes, Pos: t.Indirect(vec + flatbuffers.UOffsetT(4*j))}
		layers[j] = Layer{
			Name:     string(fbBytes(l, 0)),
			DataType: int(fbInt16(l, 6, 0)),
			Elements: int(fbInt32(l, 2, 0) * fbInt32(l, 3, 0) * fbInt32(l, 4, 0) * fbInt32(l, 9, 1)),
		}
	}
	return layers
}

// flexString returns the string or blob stored under key in b, a
// FlexBuffer whose root is a map.
func flexString(b []byte, key string) ([]byte, error) {
	bad := fmt.Errorf("edgetputest: custom options are not a flexbuffer map with key %q", key)
	if len(b) < 3 {
		return nil, bad
	}
	rootWidth := int(b[len(b)-1])
	packed := b[len(b)-2]
	rootPos := len(b) - 2 - rootWidth
	if packed>>2 != 9 || rootPos < 0 { // FBT_MAP
		return nil, bad
	}
	w := 1 << (packed & 3)
	read := func(pos, width int) (int, bool) {
		if pos < 0 || pos+width > len(b) || width > 8 {
			return 0, false
		}
		var v uint64
		for i := width - 1; i >= 0; i-- {
			v = v<<8 | uint64(b[pos+i])
		}
		return int(v), v < 1<<40
	}
	off, ok := read(rootPos, rootWidth)
	mapStart := rootPos - off
	size, ok2 := read(mapStart-w, w)
	keysRel, ok3 := read(mapStart-3*w, w)
	keysWidth, ok4 := read(mapStart-2*w, w)
	if !ok || !ok2 || !ok3 || !ok4 {
		return nil, bad
	}
	keysStart := mapStart - 3*w - keysRel
	for i := range size {
		kpos := keysStart + i*keysWidth
		krel, ok := read(kpos, keysWidth)
		if !ok || kpos-krel < 0 || kpos-krel >= len(b) {
			return nil, bad
		}
		k := b[kpos-krel:]
		if end := strings.IndexByte(string(k), 0); end < 0 || string(k[:end]) != key {
			continue
		}
		typ, ok := read(mapStart+size*w+i, 1)
		if !ok || (typ>>2 != 5 && typ>>2 != 25) { // FBT_STRING, FBT_BLOB
			return nil, fmt.Errorf("edgetputest: key %q is not a string", key)
		}
		vpos := mapStart + i*w
		rel, ok := read(vpos, w)
		start := vpos - rel
		sw := 1 << (typ & 3)
		n, ok2 := read(start-sw, sw)
		if !ok || !ok2 || start < 0 || start+n > len(b) {
			return nil, bad
		}
		return b[start : start+n], nil
	}
	return nil, bad
}

// tfliteTypes maps darwinn data types to the TfLiteType values libedgetpu
// accepts for them (ValidateDataType, leaving out the legacy classifier
// outputs).
var tfliteTypes = map[int]int{0: 3, 8: 9, 1: 7, 9: 7, 2: 2, 4: 10, 5: 1}

// LayersSpec is the value of LayersEnv for a program's layers: the fake
// then checks a node's tensors against them (types, values per batch,
// batches) as libedgetpu checks them against the program.
func LayersSpec(inputs, outputs []Layer) string {
	var s strings.Builder
	for k, list := range [][]Layer{inputs, outputs} {
		if k == 1 {
			s.WriteByte('/')
		}
		for i, l := range list {
			if i > 0 {
				s.WriteByte(',')
			}
			fmt.Fprintf(&s, "%d:%d", tfliteTypes[l.DataType], l.Elements)
		}
	}
	return s.String()
}
