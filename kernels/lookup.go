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
