package testmodels

// IoU is the intersection over union of two boxes, each given by two
// opposite corners as (min, min, max, max) in one axis order: (ymin, xmin,
// ymax, xmax) as detection models write them, or (x0, y0, x1, y1). Boxes
// that only touch or do not meet score 0.
func IoU(a, b [4]float64) float64 {
	d0 := min(a[2], b[2]) - max(a[0], b[0])
	d1 := min(a[3], b[3]) - max(a[1], b[1])
	if d0 <= 0 || d1 <= 0 {
		return 0
	}
	inter := d0 * d1
	return inter / ((a[2]-a[0])*(a[3]-a[1]) + (b[2]-b[0])*(b[3]-b[1]) - inter)
}
