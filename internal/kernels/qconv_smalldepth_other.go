//go:build !amd64 || purego

package kernels

// qconvSmallDepthKernel runs the Go twin of the kernels on c: no target of
// this build uses ConvSmallDepthQ, which its tests still check here.
func qconvSmallDepthKernel(signed bool, nb int, c *qconvSmallDepthCall) {
	qconvSmallDepthGo(signed, nb, c)
}

// qconvSmallDepthVNNIKernel runs the Go twin of the VNNI kernels on c.
func qconvSmallDepthVNNIKernel(signed bool, nb int, c *qconvSmallDepthCall) {
	qconvSmallDepthVNNIGo(signed, nb, c)
}
