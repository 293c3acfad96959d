//go:build amd64 && !purego

package kernels

// The AVX2 kernels of ConvSmallDepthQ (qconv_smalldepth_avx2_amd64.s), for
// 1 to 4 blocks of 8 output channels.

//go:noescape
func qconvSmallDepth1x8U8AVX2(c *qconvSmallDepthCall)

//go:noescape
func qconvSmallDepth2x8U8AVX2(c *qconvSmallDepthCall)

//go:noescape
func qconvSmallDepth3x8U8AVX2(c *qconvSmallDepthCall)

//go:noescape
func qconvSmallDepth4x8U8AVX2(c *qconvSmallDepthCall)

//go:noescape
func qconvSmallDepth1x8S8AVX2(c *qconvSmallDepthCall)

//go:noescape
func qconvSmallDepth2x8S8AVX2(c *qconvSmallDepthCall)

//go:noescape
func qconvSmallDepth3x8S8AVX2(c *qconvSmallDepthCall)

//go:noescape
func qconvSmallDepth4x8S8AVX2(c *qconvSmallDepthCall)

// qconvSmallDepthKernel runs the AVX2 kernel for nb blocks on c; every x86
// target has AVX2.
func qconvSmallDepthKernel(signed bool, nb int, c *qconvSmallDepthCall) {
	switch {
	case signed && nb == 1:
		qconvSmallDepth1x8S8AVX2(c)
	case signed && nb == 2:
		qconvSmallDepth2x8S8AVX2(c)
	case signed && nb == 3:
		qconvSmallDepth3x8S8AVX2(c)
	case signed:
		qconvSmallDepth4x8S8AVX2(c)
	case nb == 1:
		qconvSmallDepth1x8U8AVX2(c)
	case nb == 2:
		qconvSmallDepth2x8U8AVX2(c)
	case nb == 3:
		qconvSmallDepth3x8U8AVX2(c)
	default:
		qconvSmallDepth4x8U8AVX2(c)
	}
}
