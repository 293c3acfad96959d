//go:build !xnnpack

package main

import "testing"

func TestBenchCompareNeedsTheXNNPACKTag(t *testing.T) {
	r := runCLI(t, "bench", "-compare", "xnnpack")
	assertOneLineFailure(t, r, 2, "built without the xnnpack tag; build with -tags xnnpack (needs libxnnpack-dev, libpthreadpool-dev, libcpuinfo-dev)")
	r = runCLI(t, "bench", "-compare", "tflite")
	assertOneLineFailure(t, r, 2, `unknown engine "tflite" (known: xnnpack, xnnpack-avx2)`)
}
