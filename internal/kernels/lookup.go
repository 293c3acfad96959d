package kernels

// Table8 maps each of the 256 values of an 8-bit input to an 8-bit output.
type Table8 [256]byte

// Tabulate8 builds the table of an elementwise kernel from 8-bit to 8-bit
// values by running it once on every possible input. The table reproduces
// the kernel exactly, whatever its arithmetic, at one load per element: the
// interpreter prepares quantized activations (LOGISTIC, TANH, HARD_SWISH,
// the RELU family, requantization) this way.
func Tabulate8[S, D int8 | uint8](f func(src []S, dst []D)) *Table8 {
	var src [256]S
	var dst [256]D
	for i := range src {
		src[i] = S(i)
	}
	f(src[:], dst[:])
	var t Table8
	for i, v := range src {
		t[uint8(v)] = uint8(dst[i])
	}
	return &t
}

// Lookup8 maps src through t into dst, which must be at least as long.
func Lookup8[S, D int8 | uint8](t *Table8, src []S, dst []D) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = D(t[uint8(v)])
	}
}

// Table88 maps each pair of 8-bit inputs (a, b) to an 8-bit output, at
// index uint8(a)<<8 | uint8(b).
type Table88 [1 << 16]byte

// TabulateBinary8 builds the table of a broadcasting binary kernel between
// 8-bit tensors (quantized ADD, SUB, MUL) by running it once on every pair
// of inputs: the 256 values of a as a row against the 256 values of b as a
// column, broadcast to all 65536 pairs. The table reproduces the kernel
// exactly, at one load per element.
func TabulateBinary8[T int8 | uint8](kernel func(sa Shape4, a []T, sb Shape4, b []T, dst []T)) *Table88 {
	var values [256]T
	for i := range values {
		values[i] = T(i)
	}
	var pairs [1 << 16]T
	kernel(Shape4{N: 1, H: 1, W: 256, C: 1}, values[:], Shape4{N: 1, H: 1, W: 1, C: 256}, values[:], pairs[:])
	var t Table88
	for i, a := range values {
		for j, b := range values {
			t[int(uint8(a))<<8|int(uint8(b))] = uint8(pairs[i*256+j])
		}
	}
	return &t
}

// LookupBinary8 is the kernel t tabulates, with NHWC broadcasting of the
// operand shapes sa and sb into dst, for the output elements [lo, hi) when
// sa == sb (every element when the shapes differ, ignoring lo and hi).
func LookupBinary8[T int8 | uint8](t *Table88, sa Shape4, a []T, sb Shape4, b []T, dst []T, lo, hi int) {
	if sa == sb {
		a, b, dst = a[lo:hi], b[lo:hi], dst[lo:hi]
		for i, x := range a {
			dst[i] = T(t[int(uint8(x))<<8|int(uint8(b[i]))])
		}
		return
	}
	binary(sa, a, sb, b, dst, func(x, y T) T { return T(t[int(uint8(x))<<8|int(uint8(y))]) })
}
