//go:build !xnnpack

package main

import (
	"fmt"
	"io"
)

// compareBench is `percept bench -compare ENGINE` in a build without any
// other engine linked in: it says how to build one in.
func compareBench(_ io.Writer, engine string, _ []benchModel, _ []string, _ []int, _ int, _ bool) error {
	if engine != "xnnpack" && engine != "xnnpack-avx2" {
		return usageError{fmt.Sprintf("-compare: unknown engine %q (known: xnnpack, xnnpack-avx2)", engine)}
	}
	return usageError{fmt.Sprintf("-compare %s: built without the xnnpack tag; build with -tags xnnpack (needs libxnnpack-dev, libpthreadpool-dev, libcpuinfo-dev)", engine)}
}
