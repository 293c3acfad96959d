package tflite

import (
	"encoding/binary"
	"fmt"
	"math"
)

// FlexBuffers value types (the high six bits of a packed type byte), as in
// the FlexBuffers format description.
const (
	flexInt          = 1
	flexUint         = 2
	flexFloat        = 3
	flexIndirectInt  = 6
	flexIndirectUint = 7
	flexIndirectFlt  = 8
	flexMap          = 9
	flexBool         = 26
)

// FlexMap is a FlexBuffers map whose scalar values have been decoded, such
// as the custom options of TFLite_Detection_PostProcess.
type FlexMap struct {
	entries []flexEntry // in file order, which FlexBuffers sorts by key
}

// flexEntry is one key of a FlexMap with its value, decoded when scalar.
type flexEntry struct {
	key   string
	typ   uint8 // FlexBuffers value type, indirections resolved
	i     int64 // value of flexInt and flexBool entries
	u     uint64
	f     float64
	valid bool // typ is a scalar type and i, u or f hold the value
}

// ParseFlexMap decodes b, a FlexBuffer whose root is a map. Values that are
// not scalars (strings, vectors, nested maps) are listed by Keys but
// return false from Int, Float and Bool.
func ParseFlexMap(b []byte) (FlexMap, error) {
	r := flexReader{b: b}
	if len(b) < 3 {
		return FlexMap{}, fmt.Errorf("tflite: flexbuffer of %d bytes is too short", len(b))
	}
	rootWidth := int(b[len(b)-1])
	rootType := b[len(b)-2]
	if !validFlexWidth(rootWidth) || len(b) < 2+rootWidth {
		return FlexMap{}, fmt.Errorf("tflite: flexbuffer: bad root width %d", rootWidth)
	}
	if rootType>>2 != flexMap {
		return FlexMap{}, fmt.Errorf("tflite: flexbuffer: root has type %d, want a map", rootType>>2)
	}
	mapPos, err := r.target(len(b)-2-rootWidth, rootWidth)
	if err != nil {
		return FlexMap{}, fmt.Errorf("tflite: flexbuffer root: %w", err)
	}
	entries, err := r.readMap(mapPos, 1<<(rootType&3))
	if err != nil {
		return FlexMap{}, fmt.Errorf("tflite: flexbuffer map: %w", err)
	}
	return FlexMap{entries: entries}, nil
}

// Keys returns the keys of m in the order of the file (sorted).
func (m FlexMap) Keys() []string {
	keys := make([]string, len(m.entries))
	for i, e := range m.entries {
		keys[i] = e.key
	}
	return keys
}

func (m FlexMap) lookup(key string) (flexEntry, bool) {
	for _, e := range m.entries {
		if e.key == key {
			return e, e.valid
		}
	}
	return flexEntry{}, false
}

// Int returns the value of key as an integer. Integer, unsigned (up to
// MaxInt64) and boolean values convert; so do floats holding a whole
// number. It reports false when key is absent or does not convert.
func (m FlexMap) Int(key string) (int64, bool) {
	e, ok := m.lookup(key)
	if !ok {
		return 0, false
	}
	switch e.typ {
	case flexInt, flexBool:
		return e.i, true
	case flexUint:
		return int64(e.u), e.u <= math.MaxInt64
	case flexFloat:
		if e.f == math.Trunc(e.f) && e.f >= math.MinInt64 && e.f < math.MaxInt64 {
			return int64(e.f), true
		}
	}
	return 0, false
}

// Float returns the value of key as a float; integer values convert. It
// reports false when key is absent or is not a number.
func (m FlexMap) Float(key string) (float64, bool) {
	e, ok := m.lookup(key)
	if !ok {
		return 0, false
	}
	switch e.typ {
	case flexFloat:
		return e.f, true
	case flexInt:
		return float64(e.i), true
	case flexUint:
		return float64(e.u), true
	}
	return 0, false
}

// Bool returns the value of key as a boolean; integer values convert (non-
// zero is true). It reports false when key is absent or is not a boolean
// or an integer.
func (m FlexMap) Bool(key string) (bool, bool) {
	e, ok := m.lookup(key)
	if !ok {
		return false, false
	}
	switch e.typ {
	case flexBool, flexInt:
		return e.i != 0, true
	case flexUint:
		return e.u != 0, true
	}
	return false, false
}

// flexReader reads FlexBuffers values from b with bounds checks.
type flexReader struct {
	b []byte
}

func validFlexWidth(w int) bool { return w == 1 || w == 2 || w == 4 || w == 8 }

// uint reads the unsigned integer of width bytes at pos.
func (r flexReader) uint(pos, width int) (uint64, error) {
	if pos < 0 || pos > len(r.b)-width {
		return 0, fmt.Errorf("%d-byte value at offset %d outside the %d-byte buffer", width, pos, len(r.b))
	}
	switch width {
	case 1:
		return uint64(r.b[pos]), nil
	case 2:
		return uint64(binary.LittleEndian.Uint16(r.b[pos:])), nil
	case 4:
		return uint64(binary.LittleEndian.Uint32(r.b[pos:])), nil
	default:
		return binary.LittleEndian.Uint64(r.b[pos:]), nil
	}
}

// int reads the signed integer of width bytes at pos.
func (r flexReader) int(pos, width int) (int64, error) {
	u, err := r.uint(pos, width)
	if err != nil {
		return 0, err
	}
	shift := 64 - 8*width
	return int64(u<<shift) >> shift, nil
}

// float reads the float of width bytes (4 or 8) at pos.
func (r flexReader) float(pos, width int) (float64, error) {
	u, err := r.uint(pos, width)
	switch {
	case err != nil:
		return 0, err
	case width == 4:
		return float64(math.Float32frombits(uint32(u))), nil
	case width == 8:
		return math.Float64frombits(u), nil
	}
	return 0, fmt.Errorf("float of %d bytes at offset %d", width, pos)
}

// target follows the backward offset of width bytes stored at pos.
func (r flexReader) target(pos, width int) (int, error) {
	off, err := r.uint(pos, width)
	if err != nil {
		return 0, err
	}
	if off > uint64(pos) {
		return 0, fmt.Errorf("offset %d at %d points before the buffer", off, pos)
	}
	return pos - int(off), nil
}

// vectorLength reads the length stored just before the vector at pos whose
// elements are width bytes wide, and checks that the elements fit.
func (r flexReader) vectorLength(pos, width int) (int, error) {
	n, err := r.uint(pos-width, width)
	if err != nil {
		return 0, err
	}
	if n > uint64(len(r.b)-pos)/uint64(width) {
		return 0, fmt.Errorf("vector of %d elements at offset %d overruns the %d-byte buffer", n, pos, len(r.b))
	}
	return int(n), nil
}

// readMap decodes the map at pos whose values are width bytes wide.
func (r flexReader) readMap(pos, width int) ([]flexEntry, error) {
	n, err := r.vectorLength(pos, width)
	if err != nil {
		return nil, err
	}
	// Values, then one packed type byte per value.
	if n > (len(r.b)-pos)/(width+1) {
		return nil, fmt.Errorf("map of %d values at offset %d overruns the %d-byte buffer", n, pos, len(r.b))
	}
	keysPos, err := r.target(pos-3*width, width)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	keyWidth64, err := r.uint(pos-2*width, width)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	keyWidth := int(keyWidth64)
	if !validFlexWidth(keyWidth) {
		return nil, fmt.Errorf("keys: bad width %d", keyWidth64)
	}
	nKeys, err := r.vectorLength(keysPos, keyWidth)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	if nKeys != n {
		return nil, fmt.Errorf("%d keys for %d values", nKeys, n)
	}
	entries := make([]flexEntry, n)
	for i := range entries {
		keyPos, err := r.target(keysPos+i*keyWidth, keyWidth)
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i, err)
		}
		if entries[i].key, err = r.key(keyPos); err != nil {
			return nil, fmt.Errorf("key %d: %w", i, err)
		}
		packed := r.b[pos+n*width+i]
		if entries[i], err = r.value(entries[i].key, pos+i*width, width, packed); err != nil {
			return nil, fmt.Errorf("value %q: %w", entries[i].key, err)
		}
	}
	return entries, nil
}

// key reads the NUL-terminated key at pos.
func (r flexReader) key(pos int) (string, error) {
	for end := pos; end < len(r.b); end++ {
		if r.b[end] == 0 {
			return string(r.b[pos:end]), nil
		}
	}
	return "", fmt.Errorf("key at offset %d is not terminated", pos)
}

// value decodes the value stored in the width-byte slot at pos with the
// given packed type. Inline scalars are read at the slot's width; indirect
// scalars at the width the packed type gives.
func (r flexReader) value(key string, pos, width int, packed uint8) (flexEntry, error) {
	e := flexEntry{key: key, typ: packed >> 2}
	childWidth := 1 << (packed & 3)
	var err error
	switch e.typ {
	case flexInt, flexBool:
		e.i, err = r.int(pos, width)
		e.valid = true
	case flexUint:
		e.u, err = r.uint(pos, width)
		e.valid = true
	case flexFloat:
		e.f, err = r.float(pos, width)
		e.valid = true
	case flexIndirectInt, flexIndirectUint, flexIndirectFlt:
		var at int
		if at, err = r.target(pos, width); err != nil {
			return e, err
		}
		switch e.typ {
		case flexIndirectInt:
			e.typ = flexInt
			e.i, err = r.int(at, childWidth)
		case flexIndirectUint:
			e.typ = flexUint
			e.u, err = r.uint(at, childWidth)
		default:
			e.typ = flexFloat
			e.f, err = r.float(at, childWidth)
		}
		e.valid = true
	}
	return e, err
}
