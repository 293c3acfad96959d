// Package quant holds the quantization arithmetic that TensorFlow Lite
// defines: affine quantization of real values, fixed-point multipliers, and
// the rounding rules of its integer kernels. Every function here reproduces
// TFLite's reference semantics bit for bit, so that kernels built on it agree
// with TFLite on every output.
//
// The package has no dependencies; kernels and the interpreter import it.
package quant
