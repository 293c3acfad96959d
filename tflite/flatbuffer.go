package tflite

import (
	"encoding/binary"
	"fmt"
	"math"
)

// decoder reads flatbuffer tables, vectors and strings from buf, checking
// every offset and length before use. Its first error sticks: later reads
// return zero values, so a table can be read field by field and the error
// checked once with take.
//
// budget bounds the work a crafted file can cause: every table opened and
// every vector element copied out spends one unit. Flatbuffers may share
// sub-objects, so without it a small file could make the reader copy the
// same large vector once per referencing table.
type decoder struct {
	buf    []byte
	err    error
	budget int
}

// table is a validated flatbuffer table: its object lies within the buffer
// and its vtable lists size bytes of fields.
type table struct {
	pos    int // start of the object (its soffset to the vtable)
	vtable int // start of the vtable
	slots  int // number of field slots the vtable holds
	size   int // size of the object in bytes
}

func newDecoder(buf []byte) *decoder {
	return &decoder{buf: buf, budget: 4*len(buf) + 1<<16}
}

// failf records the first error.
func (d *decoder) failf(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format, args...)
	}
}

// take returns the pending error and clears it, so that the caller can wrap
// it with the context of the element being read.
func (d *decoder) take() error {
	err := d.err
	d.err = nil
	return err
}

// spend charges n units of work against the budget.
func (d *decoder) spend(n int, what string) bool {
	if d.err != nil {
		return false
	}
	if n > d.budget {
		d.failf("%s: file references more data than it holds (shared or cyclic objects)", what)
		return false
	}
	d.budget -= n
	return true
}

// within reports whether [pos, pos+n) lies in buf.
func (d *decoder) within(pos int, n uint64) bool {
	return pos >= 0 && pos <= len(d.buf) && n <= uint64(len(d.buf)-pos)
}

func (d *decoder) u8(pos int) uint8   { return d.buf[pos] }
func (d *decoder) u16(pos int) uint16 { return binary.LittleEndian.Uint16(d.buf[pos:]) }
func (d *decoder) u32(pos int) uint32 { return binary.LittleEndian.Uint32(d.buf[pos:]) }
func (d *decoder) u64(pos int) uint64 { return binary.LittleEndian.Uint64(d.buf[pos:]) }

// root opens the root table, whose offset is the buffer's first word.
func (d *decoder) root(what string) (table, bool) {
	if len(d.buf) < 8 {
		d.failf("%s: %d bytes is too short for a flatbuffer", what, len(d.buf))
		return table{}, false
	}
	return d.tableAt(int(d.u32(0)), what)
}

// tableAt opens the table whose object starts at pos.
func (d *decoder) tableAt(pos int, what string) (table, bool) {
	if d.err != nil || !d.spend(1, what) {
		return table{}, false
	}
	if !d.within(pos, 4) {
		d.failf("%s: table offset %d outside the %d-byte file", what, pos, len(d.buf))
		return table{}, false
	}
	vt := int64(pos) - int64(int32(d.u32(pos)))
	if vt < 0 || vt > int64(len(d.buf)) || !d.within(int(vt), 4) {
		d.failf("%s: vtable offset %d outside the %d-byte file", what, vt, len(d.buf))
		return table{}, false
	}
	vtSize, objSize := int(d.u16(int(vt))), int(d.u16(int(vt)+2))
	if vtSize < 4 || vtSize%2 != 0 || !d.within(int(vt), uint64(vtSize)) {
		d.failf("%s: bad vtable size %d at offset %d", what, vtSize, vt)
		return table{}, false
	}
	if objSize < 4 || !d.within(pos, uint64(objSize)) {
		d.failf("%s: table of %d bytes at offset %d outside the %d-byte file", what, objSize, pos, len(d.buf))
		return table{}, false
	}
	return table{pos: pos, vtable: int(vt), slots: (vtSize - 4) / 2, size: objSize}, true
}

// field returns the position of field slot in t, and false when the field
// is absent. A present field must lie past the table's vtable offset and
// within the buffer. It may reach past the object size the vtable states:
// flatbuffers' own verifier does not check that size, and the Go builder
// shares a vtable between objects whose fields lie at the same offsets
// whatever their sizes.
func (d *decoder) field(t table, slot, size int, what string) (int, bool) {
	if d.err != nil || slot >= t.slots {
		return 0, false
	}
	off := int(d.u16(t.vtable + 4 + 2*slot))
	if off == 0 {
		return 0, false
	}
	if off < 4 || !d.within(t.pos+off, uint64(size)) {
		d.failf("%s: field at offset %d of the table at %d overruns the %d-byte file", what, off, t.pos, len(d.buf))
		return 0, false
	}
	return t.pos + off, true
}

func (d *decoder) boolField(t table, slot int, def bool, what string) bool {
	if p, ok := d.field(t, slot, 1, what); ok {
		return d.u8(p) != 0
	}
	return def
}

func (d *decoder) int8Field(t table, slot int, def int8, what string) int8 {
	if p, ok := d.field(t, slot, 1, what); ok {
		return int8(d.u8(p))
	}
	return def
}

func (d *decoder) uint8Field(t table, slot int, def uint8, what string) uint8 {
	if p, ok := d.field(t, slot, 1, what); ok {
		return d.u8(p)
	}
	return def
}

func (d *decoder) int32Field(t table, slot int, def int32, what string) int32 {
	if p, ok := d.field(t, slot, 4, what); ok {
		return int32(d.u32(p))
	}
	return def
}

func (d *decoder) uint32Field(t table, slot int, def uint32, what string) uint32 {
	if p, ok := d.field(t, slot, 4, what); ok {
		return d.u32(p)
	}
	return def
}

func (d *decoder) uint64Field(t table, slot int, def uint64, what string) uint64 {
	if p, ok := d.field(t, slot, 8, what); ok {
		return d.u64(p)
	}
	return def
}

func (d *decoder) float32Field(t table, slot int, def float32, what string) float32 {
	if p, ok := d.field(t, slot, 4, what); ok {
		return math.Float32frombits(d.u32(p))
	}
	return def
}

// indirect follows the uoffset stored in field slot of t.
func (d *decoder) indirect(t table, slot int, what string) (int, bool) {
	p, ok := d.field(t, slot, 4, what)
	if !ok {
		return 0, false
	}
	target := uint64(p) + uint64(d.u32(p))
	if target > uint64(len(d.buf)) {
		d.failf("%s: offset %d outside the %d-byte file", what, target, len(d.buf))
		return 0, false
	}
	return int(target), true
}

// subTable opens the table field slot of t refers to.
func (d *decoder) subTable(t table, slot int, what string) (table, bool) {
	p, ok := d.indirect(t, slot, what)
	if !ok {
		return table{}, false
	}
	return d.tableAt(p, what)
}

// vector locates the vector in field slot of t: the position of its first
// element and its length, after checking that length elements of elemSize
// bytes fit in the buffer.
func (d *decoder) vector(t table, slot, elemSize int, what string) (start, n int, ok bool) {
	p, ok := d.indirect(t, slot, what)
	if !ok {
		return 0, 0, false
	}
	if !d.within(p, 4) {
		d.failf("%s: vector length at offset %d outside the %d-byte file", what, p, len(d.buf))
		return 0, 0, false
	}
	length := d.u32(p)
	if !d.within(p+4, uint64(length)*uint64(elemSize)) {
		d.failf("%s: vector of %d elements at offset %d overruns the %d-byte file", what, length, p, len(d.buf))
		return 0, 0, false
	}
	return p + 4, int(length), true
}

// bytesField returns the [ubyte] vector in field slot of t, aliasing buf.
func (d *decoder) bytesField(t table, slot int, what string) []byte {
	start, n, ok := d.vector(t, slot, 1, what)
	if !ok {
		return nil
	}
	return d.buf[start : start+n : start+n]
}

// stringField returns the string in field slot of t ("" when absent).
func (d *decoder) stringField(t table, slot int, what string) string {
	b := d.bytesField(t, slot, what)
	if !d.spend(len(b)/4, what) {
		return ""
	}
	return string(b)
}

// int32s copies the [int] vector in field slot of t (nil when absent).
func (d *decoder) int32s(t table, slot int, what string) []int32 {
	start, n, ok := d.vector(t, slot, 4, what)
	if !ok || !d.spend(n, what) {
		return nil
	}
	v := make([]int32, n)
	for i := range v {
		v[i] = int32(d.u32(start + 4*i))
	}
	return v
}

// bools copies the [bool] vector in field slot of t (nil when absent).
func (d *decoder) bools(t table, slot int, what string) []bool {
	start, n, ok := d.vector(t, slot, 1, what)
	if !ok || !d.spend(n, what) {
		return nil
	}
	v := make([]bool, n)
	for i := range v {
		v[i] = d.u8(start+i) != 0
	}
	return v
}

// uint32s copies the [uint] vector in field slot of t (nil when absent).
func (d *decoder) uint32s(t table, slot int, what string) []uint32 {
	start, n, ok := d.vector(t, slot, 4, what)
	if !ok || !d.spend(n, what) {
		return nil
	}
	v := make([]uint32, n)
	for i := range v {
		v[i] = d.u32(start + 4*i)
	}
	return v
}

// int64s copies the [long] vector in field slot of t (nil when absent).
func (d *decoder) int64s(t table, slot int, what string) []int64 {
	start, n, ok := d.vector(t, slot, 8, what)
	if !ok || !d.spend(n, what) {
		return nil
	}
	v := make([]int64, n)
	for i := range v {
		v[i] = int64(d.u64(start + 8*i))
	}
	return v
}

// float32s copies the [float] vector in field slot of t (nil when absent).
func (d *decoder) float32s(t table, slot int, what string) []float32 {
	start, n, ok := d.vector(t, slot, 4, what)
	if !ok || !d.spend(n, what) {
		return nil
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = math.Float32frombits(d.u32(start + 4*i))
	}
	return v
}

// tables opens every table of the [table] vector in field slot of t.
func (d *decoder) tables(t table, slot int, what string) []table {
	start, n, ok := d.vector(t, slot, 4, what)
	if !ok || !d.spend(n, what) {
		return nil
	}
	v := make([]table, n)
	for i := range v {
		p := start + 4*i
		target := uint64(p) + uint64(d.u32(p))
		if target > uint64(len(d.buf)) {
			d.failf("%s %d: offset %d outside the %d-byte file", what, i, target, len(d.buf))
			return nil
		}
		tab, ok := d.tableAt(int(target), fmt.Sprintf("%s %d", what, i))
		if !ok {
			return nil
		}
		v[i] = tab
	}
	return v
}

// strings reads the [string] vector in field slot of t.
func (d *decoder) strings(t table, slot int, what string) []string {
	start, n, ok := d.vector(t, slot, 4, what)
	if !ok || !d.spend(n, what) {
		return nil
	}
	v := make([]string, n)
	for i := range v {
		p := start + 4*i
		target := uint64(p) + uint64(d.u32(p))
		if target > uint64(len(d.buf)) || !d.within(int(target), 4) {
			d.failf("%s %d: offset %d outside the %d-byte file", what, i, target, len(d.buf))
			return nil
		}
		length := d.u32(int(target))
		if !d.within(int(target)+4, uint64(length)) {
			d.failf("%s %d: string of %d bytes overruns the %d-byte file", what, i, length, len(d.buf))
			return nil
		}
		if !d.spend(int(length)/4, what) {
			return nil
		}
		v[i] = string(d.buf[int(target)+4 : int(target)+4+int(length)])
	}
	return v
}
