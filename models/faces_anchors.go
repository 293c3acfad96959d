package models

import "math"

// ssdAnchorOptions are the fields of MediaPipe's SsdAnchorsCalculatorOptions
// that BlazeFace's graphs set (mediapipe/calculators/tflite/
// ssd_anchors_calculator.proto); the ones they leave alone keep the
// proto's defaults (no reduce_boxes_in_lowest_layer, feature maps derived
// from the strides).
type ssdAnchorOptions struct {
	inputWidth, inputHeight int
	minScale, maxScale      float32
	// strides holds one stride per layer (num_layers is its length).
	strides          []int
	offsetX, offsetY float32
	aspectRatios     []float32
	// interpolatedScaleAspectRatio, when positive, adds one anchor per
	// layer of that aspect ratio, at the geometric mean of the layer's
	// scale and the next's.
	interpolatedScaleAspectRatio float32
	// fixedAnchorSize gives every anchor width and height 1, so that the
	// model's box sizes are taken as they are (divided by the scales).
	fixedAnchorSize bool
}

// anchor is one SSD prior box, its centre and size normalised to the input.
type anchor struct {
	xCenter, yCenter, w, h float32
}

// ssdAnchors generates the anchors as MediaPipe's SsdAnchorsCalculator
// does: consecutive layers with the same stride share one feature map,
// whose cells (row by row) each hold the anchors of all those layers, one
// per aspect ratio and one interpolated; a feature map is ceil(input /
// stride) cells a side, and the anchors' centres are (cell + offset) /
// cells.
func ssdAnchors(o ssdAnchorOptions) []anchor {
	var anchors []anchor
	n := len(o.strides)
	for layer := 0; layer < n; {
		var widths, heights []float32
		last := layer
		for ; last < n && o.strides[last] == o.strides[layer]; last++ {
			scale := anchorScale(o.minScale, o.maxScale, last, n)
			for _, ratio := range o.aspectRatios {
				widths, heights = appendAnchorSize(widths, heights, scale, ratio)
			}
			if o.interpolatedScaleAspectRatio > 0 {
				next := float32(1)
				if last < n-1 {
					next = anchorScale(o.minScale, o.maxScale, last+1, n)
				}
				widths, heights = appendAnchorSize(widths, heights,
					float32(math.Sqrt(float64(scale*next))), o.interpolatedScaleAspectRatio)
			}
		}
		stride := o.strides[layer]
		rows := (o.inputHeight + stride - 1) / stride
		cols := (o.inputWidth + stride - 1) / stride
		for y := range rows {
			for x := range cols {
				for k := range widths {
					a := anchor{
						xCenter: (float32(x) + o.offsetX) / float32(cols),
						yCenter: (float32(y) + o.offsetY) / float32(rows),
						w:       1, h: 1,
					}
					if !o.fixedAnchorSize {
						a.w, a.h = widths[k], heights[k]
					}
					anchors = append(anchors, a)
				}
			}
		}
		layer = last
	}
	return anchors
}

// anchorScale is the scale of layer i of n, spread linearly from min to
// max (their mean for a single layer).
func anchorScale(minScale, maxScale float32, i, n int) float32 {
	if n == 1 {
		return (minScale + maxScale) / 2
	}
	return float32(float64(minScale) + float64(maxScale-minScale)*float64(i)/float64(n-1))
}

// appendAnchorSize appends the width and height of an anchor of this scale
// and aspect ratio (width / height).
func appendAnchorSize(widths, heights []float32, scale, ratio float32) ([]float32, []float32) {
	r := float32(math.Sqrt(float64(ratio)))
	return append(widths, scale*r), append(heights, scale/r)
}
