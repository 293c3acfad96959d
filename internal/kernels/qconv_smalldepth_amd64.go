//go:build amd64 && !purego

package kernels

// The kernels of ConvSmallDepthQ: AVX2 (qconv_smalldepth_avx2_amd64.s) for
// 1 to 4 blocks of 8 output channels, AVX-512 VNNI
// (qconv_smalldepth_avx512vnni_amd64.s) for 1 to 4 blocks of 16.

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

//go:noescape
func qconvSmallDepth1x16U8AVX512VNNI(c *qconvSmallDepthCall)

//go:noescape
func qconvSmallDepth2x16U8AVX512VNNI(c *qconvSmallDepthCall)

//go:noescape
func qconvSmallDepth3x16U8AVX512VNNI(c *qconvSmallDepthCall)

//go:noescape
func qconvSmallDepth4x16U8AVX512VNNI(c *qconvSmallDepthCall)

//go:noescape
func qconvSmallDepth1x16S8AVX512VNNI(c *qconvSmallDepthCall)

//go:noescape
func qconvSmallDepth2x16S8AVX512VNNI(c *qconvSmallDepthCall)

//go:noescape
func qconvSmallDepth3x16S8AVX512VNNI(c *qconvSmallDepthCall)

//go:noescape
func qconvSmallDepth4x16S8AVX512VNNI(c *qconvSmallDepthCall)

// qconvSmallDepthVNNIKernel runs the AVX-512 VNNI kernel for nb blocks on
// c.
func qconvSmallDepthVNNIKernel(signed bool, nb int, c *qconvSmallDepthCall) {
	switch {
	case signed && nb == 1:
		qconvSmallDepth1x16S8AVX512VNNI(c)
	case signed && nb == 2:
		qconvSmallDepth2x16S8AVX512VNNI(c)
	case signed && nb == 3:
		qconvSmallDepth3x16S8AVX512VNNI(c)
	case signed:
		qconvSmallDepth4x16S8AVX512VNNI(c)
	case nb == 1:
		qconvSmallDepth1x16U8AVX512VNNI(c)
	case nb == 2:
		qconvSmallDepth2x16U8AVX512VNNI(c)
	case nb == 3:
		qconvSmallDepth3x16U8AVX512VNNI(c)
	default:
		qconvSmallDepth4x16U8AVX512VNNI(c)
	}
}

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
