//go:build purego || !(amd64 || arm64 || arm)

package kernels

// This build has no depthwise assembly: no target's table has a qdw entry,
// and the kernels below compute no channel, leaving every one to Go.

// interiorSIMD returns 0: Go computes every channel of interior pixels.
func (k *DepthwiseQ[T]) interiorSIMD([]T, []T, *dwGeometry) int { return 0 }

// edgeSIMD returns 0: Go computes every channel of edge pixels.
func (k *DepthwiseQ[T]) edgeSIMD([]T, []T, *dwEdge, *int32) int { return 0 }
