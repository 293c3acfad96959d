// Package kernels holds the arithmetic of every operator percept runs: plain
// loops over slices, with no knowledge of model files or graphs. Each kernel
// takes parameters that the interpreter prepared once (multipliers, padding,
// clamp ranges) and the flat NHWC data of its operands.
//
// The portable Go implementations here are the reference: they follow
// TensorFlow Lite's reference kernels bit for bit (rounding, saturation, zero
// points), and any faster variant must produce identical results.
package kernels
