package tflitetest

import (
	"encoding/binary"
	"math"
)

// Table is a flatbuffer table to encode: entry i is the field of slot i,
// nil when absent. Scalars are bool, int8, uint8, int32, uint32, float32
// and uint64; references are string, []byte, []int32, []int64, []float32,
// []string, Table, []Table and [Repeat]. Builtin options passed to
// [Model.Op] are Tables.
type Table []any

// Repeat is a vector of N offsets that all refer to one table, which a
// crafted file may hold to make a parser copy one table N times.
type Repeat struct {
	N     int
	Table Table
}

// encoder lays a flatbuffer out forwards: every object is written before
// the objects it refers to, so that every offset points forwards, as
// unsigned flatbuffer offsets must.
type encoder struct{ buf []byte }

// Encode writes root as a flatbuffer file with the given 4-byte file
// identifier: "TFL3" for a model, "M001" for TFLite metadata, or another
// for a test that the identifier is checked.
func Encode(root Table, identifier string) []byte {
	e := &encoder{buf: make([]byte, 8)}
	copy(e.buf[4:], identifier)
	binary.LittleEndian.PutUint32(e.buf, uint32(e.table(root)))
	return e.buf
}

// alignFor pads so that the next write, skipping `before` bytes, starts at
// a multiple of align.
func (e *encoder) alignFor(before, align int) {
	for (len(e.buf)+before)%align != 0 {
		e.buf = append(e.buf, 0)
	}
}

// patch stores at p the forward offset from p to target.
func (e *encoder) patch(p, target int) {
	binary.LittleEndian.PutUint32(e.buf[p:], uint32(target-p))
}

// table writes t's vtable, then t with one 4-byte cell per present field
// (8 bytes at a multiple of 8 for a uint64), then the objects t refers to.
// It returns t's position.
func (e *encoder) table(t Table) int {
	e.alignFor(0, 4)
	vt := len(e.buf)
	vtSize := 4 + 2*len(t)
	vtable := make([]byte, vtSize+(4-vtSize%4)%4)
	pos := vt + len(vtable)
	size := 4 // the soffset to the vtable
	for i, f := range t {
		if f == nil {
			continue
		}
		width := 4
		if _, wide := f.(uint64); wide {
			width = 8
			size += (pos + size) % 8 // pos+size is a multiple of 4
		}
		binary.LittleEndian.PutUint16(vtable[4+2*i:], uint16(size))
		size += width
	}
	binary.LittleEndian.PutUint16(vtable, uint16(vtSize))
	binary.LittleEndian.PutUint16(vtable[2:], uint16(size))
	e.buf = append(e.buf, vtable...)
	e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(pos-vt)) // soffset to the vtable
	type reference struct {
		at    int
		value any
	}
	var refs []reference
	for _, f := range t {
		var cell uint32
		switch v := f.(type) {
		case nil:
			continue
		case uint64:
			e.alignFor(0, 8) // the padding the layout above counted
			e.buf = binary.LittleEndian.AppendUint64(e.buf, v)
			continue
		case bool:
			if v {
				cell = 1
			}
		case int8:
			cell = uint32(uint8(v))
		case uint8:
			cell = uint32(v)
		case int32:
			cell = uint32(v)
		case uint32:
			cell = v
		case float32:
			cell = math.Float32bits(v)
		default:
			refs = append(refs, reference{len(e.buf), v})
		}
		e.buf = binary.LittleEndian.AppendUint32(e.buf, cell)
	}
	for _, r := range refs {
		e.patch(r.at, e.object(r.value))
	}
	return pos
}

// object writes a referenced object and returns its position.
func (e *encoder) object(v any) int {
	switch v := v.(type) {
	case Table:
		return e.table(v)
	case []Table:
		return e.offsets(len(v), func(i int) int { return e.table(v[i]) })
	case []string:
		return e.offsets(len(v), func(i int) int { return e.object(v[i]) })
	case Repeat:
		target := -1
		return e.offsets(v.N, func(int) int {
			if target < 0 {
				target = e.table(v.Table)
			}
			return target
		})
	case string:
		pos := e.vector(len(v), 4)
		e.buf = append(append(e.buf, v...), 0)
		return pos
	case []byte:
		pos := e.vector(len(v), 16) // constant data starts 16-byte aligned
		e.buf = append(e.buf, v...)
		return pos
	case []int32:
		return e.words(len(v), func(i int) uint32 { return uint32(v[i]) })
	case []float32:
		return e.words(len(v), func(i int) uint32 { return math.Float32bits(v[i]) })
	case []int64:
		pos := e.vector(len(v), 8)
		for _, x := range v {
			e.buf = binary.LittleEndian.AppendUint64(e.buf, uint64(x))
		}
		return pos
	}
	panic("tflitetest: cannot encode a field of this type")
}

// vector starts a vector of n elements whose data is to start at a
// multiple of align: it pads, writes the length and returns the vector's
// position, where its length is.
func (e *encoder) vector(n, align int) int {
	e.alignFor(4, align)
	pos := len(e.buf)
	e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(n))
	return pos
}

// words writes a vector of n 4-byte elements, element i being word(i).
func (e *encoder) words(n int, word func(i int) uint32) int {
	pos := e.vector(n, 4)
	for i := range n {
		e.buf = binary.LittleEndian.AppendUint32(e.buf, word(i))
	}
	return pos
}

// offsets writes a vector of n offsets, then the objects they refer to:
// write(i) writes the object of element i and returns its position.
func (e *encoder) offsets(n int, write func(i int) int) int {
	pos := e.vector(n, 4)
	slots := len(e.buf)
	e.buf = append(e.buf, make([]byte, 4*n)...)
	for i := range n {
		e.patch(slots+4*i, write(i))
	}
	return pos
}
