// Package xnnpack rebuilds the convolutions and fully connected layers of a
// TFLite model as XNNPACK operators, so that `percept bench -compare
// xnnpack` can time percept's kernels against XNNPACK's on the same layers
// in the same process, and check that both compute the same layer.
//
// Everything but this comment needs the xnnpack build tag and cgo, with
// Debian's libxnnpack-dev, libpthreadpool-dev and libcpuinfo-dev installed; the default
// build never links XNNPACK.
package xnnpack
