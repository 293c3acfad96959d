package tflite

import (
	"encoding/binary"
	"math"
)

// This file holds a minimal flatbuffer writer for tests, laid out forwards
// (parents before children) as the format allows, so that tests can build
// models field by field and corrupt exactly one thing.

// fbTable is a table to write: entry i is the field of slot i, nil when
// absent. Entries are scalars (bool, int8, uint8, int32, uint32, int64,
// uint64, float32) or references (string, []byte, []int32, []int64,
// []float32, []string, fbTable, []fbTable, fbRepeat).
type fbTable []any

// fbRepeat is a vector of n offsets that all refer to one table, as a
// crafted file may hold.
type fbRepeat struct {
	n     int
	table fbTable
}

type fbWriter struct {
	buf []byte
}

// buildFlatbuffer writes root as a flatbuffer with file identifier ident.
func buildFlatbuffer(root fbTable, ident string) []byte {
	w := &fbWriter{buf: make([]byte, 8)}
	copy(w.buf[4:], ident)
	pos := w.table(root)
	binary.LittleEndian.PutUint32(w.buf, uint32(pos))
	return w.buf
}

func (w *fbWriter) u32(v uint32) { w.buf = binary.LittleEndian.AppendUint32(w.buf, v) }

// patch stores at p the offset from p to target.
func (w *fbWriter) patch(p, target int) {
	binary.LittleEndian.PutUint32(w.buf[p:], uint32(target-p))
}

func (w *fbWriter) table(t fbTable) int {
	type pending struct {
		at    int
		child any
	}
	// Object layout: soffset, then each field in slot order.
	offsets := make([]uint16, len(t))
	size := 4
	for i, f := range t {
		if f == nil {
			continue
		}
		offsets[i] = uint16(size)
		size += scalarSize(f)
	}
	vt := len(w.buf)
	w.buf = binary.LittleEndian.AppendUint16(w.buf, uint16(4+2*len(t)))
	w.buf = binary.LittleEndian.AppendUint16(w.buf, uint16(size))
	for _, o := range offsets {
		w.buf = binary.LittleEndian.AppendUint16(w.buf, o)
	}
	obj := len(w.buf)
	w.u32(uint32(int32(obj - vt)))
	var children []pending
	for _, f := range t {
		switch v := f.(type) {
		case nil:
		case bool:
			b := byte(0)
			if v {
				b = 1
			}
			w.buf = append(w.buf, b)
		case int8:
			w.buf = append(w.buf, byte(v))
		case uint8:
			w.buf = append(w.buf, v)
		case int32:
			w.u32(uint32(v))
		case uint32:
			w.u32(v)
		case float32:
			w.u32(math.Float32bits(v))
		case int64:
			w.buf = binary.LittleEndian.AppendUint64(w.buf, uint64(v))
		case uint64:
			w.buf = binary.LittleEndian.AppendUint64(w.buf, v)
		default:
			children = append(children, pending{len(w.buf), v})
			w.u32(0)
		}
	}
	for _, c := range children {
		w.patch(c.at, w.object(c.child))
	}
	return obj
}

func scalarSize(f any) int {
	switch f.(type) {
	case bool, int8, uint8:
		return 1
	case int64, uint64:
		return 8
	}
	return 4
}

// object writes a referenced object and returns its position.
func (w *fbWriter) object(v any) int {
	start := len(w.buf)
	switch v := v.(type) {
	case fbTable:
		return w.table(v)
	case string:
		w.u32(uint32(len(v)))
		w.buf = append(append(w.buf, v...), 0)
	case []byte:
		w.u32(uint32(len(v)))
		w.buf = append(w.buf, v...)
	case []int32:
		w.u32(uint32(len(v)))
		for _, x := range v {
			w.u32(uint32(x))
		}
	case []float32:
		w.u32(uint32(len(v)))
		for _, x := range v {
			w.u32(math.Float32bits(x))
		}
	case []int64:
		w.u32(uint32(len(v)))
		for _, x := range v {
			w.buf = binary.LittleEndian.AppendUint64(w.buf, uint64(x))
		}
	case []string:
		w.u32(uint32(len(v)))
		slots := len(w.buf)
		w.buf = append(w.buf, make([]byte, 4*len(v))...)
		for i, s := range v {
			w.patch(slots+4*i, w.object(s))
		}
	case []fbTable:
		w.u32(uint32(len(v)))
		slots := len(w.buf)
		w.buf = append(w.buf, make([]byte, 4*len(v))...)
		for i, t := range v {
			w.patch(slots+4*i, w.table(t))
		}
	case fbRepeat:
		w.u32(uint32(v.n))
		slots := len(w.buf)
		w.buf = append(w.buf, make([]byte, 4*v.n)...)
		target := w.table(v.table)
		for i := range v.n {
			w.patch(slots+4*i, target)
		}
	default:
		panic("fbWriter: unsupported field type")
	}
	return start
}

// testModel returns the tables of a small valid model: one subgraph whose
// CONV_2D reads tensor 0 (input) and tensor 1 (weights in buffer 1), has no
// bias (-1), and writes tensor 2. Tests change one field and build it.
func testModel() (model fbTable, tensors []fbTable, op fbTable) {
	tensors = []fbTable{
		{[]int32{1, 4, 4, 1}, int8(TypeUint8), uint32(0), "input",
			fbTable{nil, nil, []float32{0.5}, []int64{128}}},
		{[]int32{2, 1, 1, 1}, int8(TypeInt8), uint32(1), "weights",
			fbTable{nil, nil, []float32{0.25, 0.125}, []int64{0, 0}, nil, nil, int32(0)}},
		{[]int32{1, 4, 4, 2}, int8(TypeFloat32), uint32(0), "output"},
	}
	// Conv2DOptions with padding VALID, stride_w 2, stride_h 3 and the
	// dilations and bias type absent.
	conv := fbTable{int8(PaddingValid), int32(2), int32(3), int8(ActRelu6)}
	op = fbTable{uint32(0), []int32{0, 1, -1}, []int32{2}, uint8(1), conv}
	subgraph := fbTable{tensors, []int32{0}, []int32{2}, []fbTable{op}, "main"}
	model = fbTable{
		uint32(3),
		[]fbTable{{int8(OpConv2D), nil, int32(2)}},
		[]fbTable{subgraph},
		"test model",
		[]fbTable{{}, {[]byte{1, 255}}},
	}
	return model, tensors, op
}
