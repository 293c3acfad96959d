package models

import (
	"image"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/tflite"
)

// TestFaceAnchors checks the anchors of both variants against counts and
// centres derived by hand from their graphs' options.
func TestFaceAnchors(t *testing.T) {
	short := ssdAnchors(faceVariants[0].anchors)
	// Stride 8: 16×16 cells of 2 anchors (aspect ratio 1 and the
	// interpolated one); strides 16, 16, 16 share 8×8 cells of 3×2.
	require.Len(t, short, 16*16*2+8*8*6)
	assert.Equal(t, anchor{xCenter: 0.5 / 16, yCenter: 0.5 / 16, w: 1, h: 1}, short[0])
	assert.Equal(t, short[0], short[1], "two anchors per cell")
	assert.Equal(t, anchor{xCenter: 1.5 / 16, yCenter: 0.5 / 16, w: 1, h: 1}, short[2])
	assert.Equal(t, anchor{xCenter: 0.5 / 16, yCenter: 1.5 / 16, w: 1, h: 1}, short[32], "row after row")
	assert.Equal(t, anchor{xCenter: 0.5 / 8, yCenter: 0.5 / 8, w: 1, h: 1}, short[512], "the 8×8 grid follows")
	assert.Equal(t, short[512], short[517], "six anchors per cell")
	assert.Equal(t, anchor{xCenter: 1.5 / 8, yCenter: 0.5 / 8, w: 1, h: 1}, short[518])
	assert.Equal(t, anchor{xCenter: 7.5 / 8, yCenter: 7.5 / 8, w: 1, h: 1}, short[895])

	full := ssdAnchors(faceVariants[1].anchors)
	// Stride 4 on 192: 48×48 cells of one anchor (no interpolated one).
	require.Len(t, full, 48*48)
	assert.Equal(t, anchor{xCenter: 0.5 / 48, yCenter: 0.5 / 48, w: 1, h: 1}, full[0])
	assert.Equal(t, anchor{xCenter: 1.5 / 48, yCenter: 0.5 / 48, w: 1, h: 1}, full[1])
	assert.Equal(t, anchor{xCenter: 47.5 / 48, yCenter: 47.5 / 48, w: 1, h: 1}, full[2303])
}

// TestSSDAnchorSizes: without fixed_anchor_size, anchors take the layers'
// scales, spread linearly from min to max, the interpolated anchor the
// geometric mean of a layer's and the next's (1 after the last), and
// aspect ratio r makes them √r wider and √r lower.
func TestSSDAnchorSizes(t *testing.T) {
	o := ssdAnchorOptions{inputWidth: 20, inputHeight: 10, minScale: 0.2, maxScale: 0.8, strides: []int{10, 20},
		offsetX: 0.5, offsetY: 0.25, aspectRatios: []float32{1, 2}, interpolatedScaleAspectRatio: 1}
	a := ssdAnchors(o)
	// Stride 10: 2×1 cells of 3 anchors; stride 20: 1×1 cell of 3.
	require.Len(t, a, 2*3+3)
	near := func(want, got anchor) {
		t.Helper()
		assert.InDelta(t, want.xCenter, got.xCenter, 1e-6)
		assert.InDelta(t, want.yCenter, got.yCenter, 1e-6)
		assert.InDelta(t, want.w, got.w, 1e-6)
		assert.InDelta(t, want.h, got.h, 1e-6)
	}
	s0, s1 := 0.2, 0.8
	r2 := math.Sqrt(2)
	near(anchor{0.25, 0.25, 0.2, 0.2}, a[0])
	near(anchor{0.25, 0.25, float32(s0 * r2), float32(s0 / r2)}, a[1])
	near(anchor{0.25, 0.25, float32(math.Sqrt(s0 * s1)), float32(math.Sqrt(s0 * s1))}, a[2])
	near(anchor{0.75, 0.25, 0.2, 0.2}, a[3])
	near(anchor{0.5, 0.25, 0.8, 0.8}, a[6])
	near(anchor{0.5, 0.25, float32(math.Sqrt(s1 * 1)), float32(math.Sqrt(s1 * 1))}, a[8])
	// One layer takes the mean scale; cells round up (ceil(25 / 10) = 3).
	one := ssdAnchors(ssdAnchorOptions{inputWidth: 25, inputHeight: 10, minScale: 0.2, maxScale: 0.8, strides: []int{10},
		offsetX: 0.5, offsetY: 0.5, aspectRatios: []float32{1}})
	require.Len(t, one, 3)
	near(anchor{0.5 / 3, 0.5, 0.5, 0.5}, one[0])
}

// TestFaceDecoding writes raw outputs by hand into the short-range
// detector's output tensors and checks the faces decoded from them: two
// overlapping boxes merged by weighted NMS, a separate one, one scoring
// too low and one of negative size dropped, positions through the region
// of a 256×128 image.
func TestFaceDecoding(t *testing.T) {
	m, err := tflite.Parse(assets.FaceModel)
	require.NoError(t, err)
	f, err := NewFaceDetector(m, &Options{Threads: 1})
	require.NoError(t, err)
	defer f.Close()
	raw, scores := f.boxes.Float32s(), f.scores.Float32s()
	set := func(i int, logit float32, vals ...float32) {
		scores[i] = logit
		copy(raw[16*i:16*i+16], vals)
	}
	reset := func() {
		clear(raw)
		for i := range scores {
			scores[i] = -1000 // clipped to -100 first
		}
	}
	reset()
	// A and B share the cell of anchor 674, centre (3.5/8, 3.5/8); boxes
	// 32/128 = 0.25 wide, B shifted right by 12.8/128 = 0.1 (IoU 0.43).
	kps := []float32{0, 0, 6.4, 0, 12.8, 0, 19.2, 0, 25.6, 0, 32, 0}
	set(674, 2, append([]float32{0, 0, 32, 32}, kps...)...)
	set(675, 0, append([]float32{12.8, 0, 32, 32}, kps...)...) // score exactly 0.5: kept
	// C at anchor 194, centre (1.5/16, 6.5/16), 0.05 a side.
	set(194, 1, 0, 0, 6.4, 6.4)
	set(300, -1, 0, 0, 32, 32) // score 0.27
	set(301, 3, 0, 0, -1, 32)  // negative width
	f.roi = faceROI{x: 0, y: -64, width: 256, height: 256}
	f.decode()
	faces := f.suppress(nil, image.Rect(0, 0, 256, 128))
	require.Len(t, faces, 2)
	sa, sb := 1/(1+math.Exp(-2)), 0.5
	shift := 0.1 * sb / (sa + sb) // B's pull on the merged box
	a := faces[0]
	assert.InDelta(t, sa, a.Score, 1e-6, "the best box's score")
	// x from (0.3125 + shift)·256 = 89.3, width 64; y from 0.3125·256 − 64.
	assert.InDelta(t, 89.27, (0.3125+shift)*256, 0.01)
	assert.Equal(t, Box{X: 89, Y: 16, Width: 64, Height: 64}, a.Box)
	for k, p := range a.Keypoints {
		assert.InDelta(t, 112+12.8*float64(k), p.X, 1e-3, "keypoint %d", k)
		assert.InDelta(t, 48, p.Y, 1e-3, "keypoint %d", k)
	}
	c := faces[1]
	assert.InDelta(t, 1/(1+math.Exp(-1)), c.Score, 1e-6)
	// x 0.06875·256 = 17.6 → 17, width 12.8 → 13; y 0.38125·256 − 64 = 33.6.
	assert.Equal(t, Box{X: 17, Y: 33, Width: 13, Height: 13}, c.Box)
	assert.InDelta(t, 24, c.Keypoints[0].X, 1e-4, "keypoints at the anchor's centre")
	assert.InDelta(t, 40, c.Keypoints[0].Y, 1e-4)

	// MaxResults keeps the best; a MinScore above 0.5 drops B before it
	// can pull A.
	f.s.opts.MaxResults = 1
	assert.Len(t, f.suppress(nil, image.Rect(0, 0, 256, 128)), 1)
	f.s.opts.MaxResults = 0
	f.minScore = 0.6
	f.decode()
	faces = f.suppress(nil, image.Rect(0, 0, 256, 128))
	require.Len(t, faces, 2)
	assert.Equal(t, Box{X: 80, Y: 16, Width: 64, Height: 64}, faces[0].Box)
	f.minScore = 0.5

	// A degenerate best box (no area) overlaps nothing, not even itself:
	// MediaPipe keeps it and stops there.
	set(10, 5, 0, 0, 0, 0)
	f.decode()
	faces = f.suppress(nil, image.Rect(0, 0, 256, 128))
	require.Len(t, faces, 1)
	assert.Equal(t, 0, faces[0].Box.Width)

	// The clipped score: a logit of 1e30 is a score of 1, not NaN.
	reset()
	set(674, 1e30, 0, 0, 32, 32)
	f.decode()
	faces = f.suppress(nil, image.Rect(0, 0, 256, 128))
	require.Len(t, faces, 1)
	assert.Equal(t, float32(1), faces[0].Score)
}
