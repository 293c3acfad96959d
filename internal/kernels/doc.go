// Package kernels holds the arithmetic of every operator percept runs: plain
// loops over slices, with no knowledge of model files or graphs. Each kernel
// takes parameters that the interpreter prepared once (multipliers, padding,
// clamp ranges) and the flat NHWC data of its operands.
//
// The portable Go implementations here are the reference: they follow
// TensorFlow Lite's reference kernels bit for bit (rounding, saturation, zero
// points), and any faster variant must produce identical results.
//
// The package is internal: its prepared types, packing layouts and
// per-target entry points follow the interpreter and change with it, so no
// program outside percept may depend on them. What a user chooses of it, the
// kernel target, is a name in nn.Options.Kernels, listed by
// nn.KernelTargets.
package kernels
