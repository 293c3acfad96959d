// Package quant holds the quantization arithmetic that TensorFlow Lite
// defines: affine quantization of real values, fixed-point multipliers, and
// the rounding rules of its integer kernels. Every function here reproduces
// TFLite's reference semantics bit for bit, so that kernels built on it agree
// with TFLite on every output.
//
// It is public on purpose, and stable: its functions carry TFLite's names
// for TFLite's documented arithmetic (the quantization specification and
// tensorflow/lite/kernels/internal/common.h), which does not change under
// a program that uses them, for instance to quantize its own input tensors
// (Quantize) or to check a requantized value (QuantizeMultiplier,
// MultiplyByQuantizedMultiplier). The kernels built on it are internal.
//
// The package has no dependencies; the kernels and the interpreter import it.
package quant
