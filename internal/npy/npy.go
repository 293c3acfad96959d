// Package npy reads and writes NumPy's .npy files: version 1.0 and 2.0
// headers on reading, version 1.0 on writing, little-endian data in C order.
//
// The format is documented in numpy/lib/format.py: the magic "\x93NUMPY",
// two version bytes, a little-endian header length (2 bytes in version 1,
// 4 bytes in version 2), an ASCII Python dict literal with the keys 'descr',
// 'fortran_order' and 'shape', padded with spaces and ended by a newline, and
// then the raw array bytes.
package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// Array is an n-dimensional array as a .npy file holds it.
type Array struct {
	// DType is NumPy's type string: "<f4", "|u1", "|i1", "<i4", "<i8",
	// "<f2", "<f8" or "|b1".
	DType string
	// Shape lists the extent of each dimension; empty for a scalar.
	Shape []int
	// Data is the elements in C (row-major) order, little-endian.
	Data []byte
}

// elementSizes maps each supported dtype to the bytes per element.
var elementSizes = map[string]int{
	"<f4": 4, "|u1": 1, "|i1": 1, "<i4": 4, "<i8": 8, "<f2": 2, "<f8": 8, "|b1": 1,
}

const (
	magic = "\x93NUMPY"
	// maxHeaderLen bounds the header a reader accepts; NumPy itself refuses
	// headers over 10000 bytes by default.
	maxHeaderLen = 1 << 16
	// headerAlign is the alignment of the data NumPy's writer pads to.
	headerAlign = 64
	// initialDataBuffer caps the memory reserved before the data arrives, so
	// that a header promising a huge array costs no more than the stream.
	initialDataBuffer = 1 << 24
)

// Read decodes one .npy array from r, reading exactly the bytes it occupies.
func Read(r io.Reader) (*Array, error) {
	var prefix [8]byte
	if _, err := io.ReadFull(r, prefix[:]); err != nil {
		return nil, fmt.Errorf("npy: reading magic: %w", err)
	}
	if string(prefix[:6]) != magic {
		return nil, errors.New("npy: not a .npy file (bad magic)")
	}
	var headerLen int
	switch major := prefix[6]; major {
	case 1:
		var n [2]byte
		if _, err := io.ReadFull(r, n[:]); err != nil {
			return nil, fmt.Errorf("npy: reading header length: %w", err)
		}
		headerLen = int(binary.LittleEndian.Uint16(n[:]))
	case 2:
		var n [4]byte
		if _, err := io.ReadFull(r, n[:]); err != nil {
			return nil, fmt.Errorf("npy: reading header length: %w", err)
		}
		v := binary.LittleEndian.Uint32(n[:])
		if v > maxHeaderLen {
			return nil, fmt.Errorf("npy: header of %d bytes exceeds the limit of %d", v, maxHeaderLen)
		}
		headerLen = int(v)
	default:
		return nil, fmt.Errorf("npy: unsupported format version %d.%d", major, prefix[7])
	}
	header := make([]byte, headerLen)
	if _, err := io.ReadFull(r, header); err != nil {
		return nil, fmt.Errorf("npy: reading %d-byte header: %w", headerLen, err)
	}
	a, err := parseHeader(string(header))
	if err != nil {
		return nil, err
	}
	size, err := dataSize(a.DType, a.Shape)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(min(size, initialDataBuffer))
	if _, err := buf.ReadFrom(io.LimitReader(r, int64(size))); err != nil {
		return nil, fmt.Errorf("npy: reading data: %w", err)
	}
	if buf.Len() != size {
		return nil, fmt.Errorf("npy: data is %d bytes, but dtype %s and shape %v need %d", buf.Len(), a.DType, a.Shape, size)
	}
	a.Data = buf.Bytes()
	return a, nil
}

// dataSize returns the byte length of an array of dtype and shape, or an
// error when the dtype is unknown or the size overflows an int.
func dataSize(dtype string, shape []int) (int, error) {
	n, ok := elementSizes[dtype]
	if !ok {
		return 0, fmt.Errorf("npy: unsupported dtype %q", dtype)
	}
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("npy: negative dimension in shape %v", shape)
		}
		if d != 0 && n > math.MaxInt/d {
			return 0, fmt.Errorf("npy: shape %v is too large", shape)
		}
		n *= d
	}
	return n, nil
}

// parseHeader reads the header dict, a Python literal such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (1, 10, 4), }.
func parseHeader(h string) (*Array, error) {
	p := &headerParser{s: strings.TrimRight(h, " \n\x00")}
	a := &Array{}
	var seenDescr, seenOrder, seenShape bool
	if !p.consume('{') {
		return nil, p.errorf("want '{'")
	}
	for !p.consume('}') {
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		if !p.consume(':') {
			return nil, p.errorf("want ':' after key %q", key)
		}
		switch key {
		case "descr":
			if a.DType, err = p.str(); err != nil {
				return nil, err
			}
			seenDescr = true
		case "fortran_order":
			fortran, err := p.boolean()
			if err != nil {
				return nil, err
			}
			if fortran {
				return nil, errors.New("npy: Fortran-order arrays are not supported")
			}
			seenOrder = true
		case "shape":
			if a.Shape, err = p.tuple(); err != nil {
				return nil, err
			}
			seenShape = true
		default:
			return nil, p.errorf("unexpected key %q", key)
		}
		if !p.consume(',') {
			if !p.consume('}') {
				return nil, p.errorf("want ',' or '}'")
			}
			break
		}
	}
	p.skipSpace()
	if p.i != len(p.s) {
		return nil, p.errorf("trailing characters after the header dict")
	}
	if !seenDescr || !seenOrder || !seenShape {
		return nil, errors.New("npy: header lacks one of 'descr', 'fortran_order', 'shape'")
	}
	if a.Shape == nil {
		a.Shape = []int{}
	}
	return a, nil
}

// headerParser scans the header dict literal.
type headerParser struct {
	s string
	i int
}

func (p *headerParser) errorf(format string, args ...any) error {
	return fmt.Errorf("npy: bad header at byte %d: %s (header %q)", p.i, fmt.Sprintf(format, args...), p.s)
}

func (p *headerParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

// consume skips spaces and then c, reporting whether c was there.
func (p *headerParser) consume(c byte) bool {
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a quoted string without escapes.
func (p *headerParser) str() (string, error) {
	p.skipSpace()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", p.errorf("want a quoted string")
	}
	quote := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], quote)
	if end < 0 {
		return "", p.errorf("unterminated string")
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, nil
}

func (p *headerParser) boolean() (bool, error) {
	p.skipSpace()
	switch {
	case strings.HasPrefix(p.s[p.i:], "True"):
		p.i += 4
		return true, nil
	case strings.HasPrefix(p.s[p.i:], "False"):
		p.i += 5
		return false, nil
	}
	return false, p.errorf("want True or False")
}

// tuple reads a parenthesised tuple of non-negative integers.
func (p *headerParser) tuple() ([]int, error) {
	if !p.consume('(') {
		return nil, p.errorf("want '(' to open the shape")
	}
	shape := []int{}
	for !p.consume(')') {
		p.skipSpace()
		start := p.i
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		// NumPy 1.x on some platforms wrote Python 2 longs such as 3L.
		digits := p.s[start:p.i]
		if p.i < len(p.s) && p.s[p.i] == 'L' {
			p.i++
		}
		d, err := strconv.Atoi(digits)
		if err != nil {
			return nil, p.errorf("want a non-negative integer dimension")
		}
		shape = append(shape, d)
		if !p.consume(',') {
			if !p.consume(')') {
				return nil, p.errorf("want ',' or ')' in the shape")
			}
			break
		}
	}
	return shape, nil
}

// ReadFile reads the array of the .npy file at path. A file that does not
// decode is an error that starts with path.
func ReadFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// Write encodes a as a version 1.0 .npy file.
func Write(w io.Writer, a *Array) error {
	size, err := dataSize(a.DType, a.Shape)
	if err != nil {
		return err
	}
	if len(a.Data) != size {
		return fmt.Errorf("npy: %d data bytes, but dtype %s and shape %v need %d", len(a.Data), a.DType, a.Shape, size)
	}
	var shape strings.Builder
	shape.WriteByte('(')
	for i, d := range a.Shape {
		if i > 0 {
			shape.WriteString(", ")
		}
		shape.WriteString(strconv.Itoa(d))
	}
	if len(a.Shape) == 1 {
		shape.WriteByte(',')
	}
	shape.WriteByte(')')
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", a.DType, shape.String())
	// magic, version, 2-byte length, dict, padding and a newline.
	prefixLen := len(magic) + 2 + 2
	total := (prefixLen + len(dict) + 1 + headerAlign - 1) / headerAlign * headerAlign
	headerLen := total - prefixLen
	if headerLen > math.MaxUint16 {
		return fmt.Errorf("npy: header of %d bytes does not fit format version 1.0", headerLen)
	}
	buf := make([]byte, 0, total)
	buf = append(buf, magic...)
	buf = append(buf, 1, 0)
	buf = binary.LittleEndian.AppendUint16(buf, uint16(headerLen))
	buf = append(buf, dict...)
	for len(buf) < total-1 {
		buf = append(buf, ' ')
	}
	buf = append(buf, '\n')
	if _, err := w.Write(buf); err != nil {
		return err
	}
	_, err = w.Write(a.Data)
	return err
}

// Float32s returns the elements of a "<f4" array.
func (a *Array) Float32s() ([]float32, error) {
	if err := a.want("<f4"); err != nil {
		return nil, err
	}
	out := make([]float32, len(a.Data)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(a.Data[4*i:]))
	}
	return out, nil
}

// Uint8s returns the elements of a "|u1" array (a copy of Data).
func (a *Array) Uint8s() ([]uint8, error) {
	if err := a.want("|u1"); err != nil {
		return nil, err
	}
	return bytes.Clone(a.Data), nil
}

// Int8s returns the elements of a "|i1" array.
func (a *Array) Int8s() ([]int8, error) {
	if err := a.want("|i1"); err != nil {
		return nil, err
	}
	out := make([]int8, len(a.Data))
	for i, b := range a.Data {
		out[i] = int8(b)
	}
	return out, nil
}

// Int32s returns the elements of a "<i4" array.
func (a *Array) Int32s() ([]int32, error) {
	if err := a.want("<i4"); err != nil {
		return nil, err
	}
	out := make([]int32, len(a.Data)/4)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(a.Data[4*i:]))
	}
	return out, nil
}

// want checks that a has dtype and data of the length its shape needs.
func (a *Array) want(dtype string) error {
	if a.DType != dtype {
		return fmt.Errorf("npy: array has dtype %s, not %s", a.DType, dtype)
	}
	size, err := dataSize(a.DType, a.Shape)
	if err != nil {
		return err
	}
	if len(a.Data) != size {
		return fmt.Errorf("npy: %d data bytes, but shape %v needs %d", len(a.Data), a.Shape, size)
	}
	return nil
}
