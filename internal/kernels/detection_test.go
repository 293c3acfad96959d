package kernels

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// detectionCase is one run of DetectionPostProcess with anchors given as
// corner boxes and zero encodings, so the decoded boxes are the anchors.
type detectionCase struct {
	p       DetectionParams
	anchors []float32 // (y_center, x_center, h, w) per anchor
	enc     []float32 // nil: all zero
	scores  []float32
	columns int
}

type detectionResult struct {
	boxes, classes, scores []float32
	count                  int
}

func (c *detectionCase) run(t *testing.T) detectionResult {
	t.Helper()
	n := len(c.anchors) / 4
	require.NoError(t, c.p.Validate(n, c.columns, c.anchors))
	enc := c.enc
	if enc == nil {
		enc = make([]float32, 4*n)
	}
	slots := c.p.OutputSlots()
	r := detectionResult{
		boxes:   make([]float32, 4*slots),
		classes: make([]float32, slots),
		scores:  make([]float32, slots),
	}
	// Stale values must not survive.
	for i := range r.boxes {
		r.boxes[i] = 7
	}
	for i := range r.classes {
		r.classes[i], r.scores[i] = 7, 7
	}
	s := NewDetectionScratch(Generic, &c.p, n, c.columns)
	r.count = DetectionPostProcess(&c.p, s, enc, c.scores, c.anchors, n, c.columns, r.boxes, r.classes, r.scores)
	return r
}

// cornerAnchor returns the anchor whose zero-encoded box is (ymin, xmin, ymax, xmax).
func cornerAnchor(ymin, xmin, ymax, xmax float32) []float32 {
	return []float32{(ymin + ymax) / 2, (xmin + xmax) / 2, ymax - ymin, xmax - xmin}
}

func joinAnchors(boxes ...[]float32) []float32 {
	var a []float32
	for _, b := range boxes {
		a = append(a, b...)
	}
	return a
}

func ssdTestParams() DetectionParams {
	return DetectionParams{
		MaxDetections: 10, MaxClassesPerDetection: 1, DetectionsPerClass: 100, NumClasses: 1,
		ScoreThreshold: 0.3, IoUThreshold: 0.5,
		YScale: 10, XScale: 10, HScale: 5, WScale: 5,
	}
}

func TestDetectionDecodeByHand(t *testing.T) {
	p := ssdTestParams()
	// anchor center (0.5, 0.25), size 0.5 × 0.25; ty = 2, tx = −4 move the
	// center by 2/10·0.5 = 0.1 and −4/10·0.25 = −0.1; th = tw = 0 keep the
	// anchor's size: half sizes 0.25 and 0.125.
	c := detectionCase{p: p, anchors: []float32{0.5, 0.25, 0.5, 0.25}, enc: []float32{2, -4, 0, 0}, scores: []float32{0.9}, columns: 1}
	r := c.run(t)
	require.Equal(t, 1, r.count)
	assert.InDeltaSlice(t, []float32{0.35, 0.025, 0.85, 0.275}, r.boxes[:4], 1e-6)
	assert.Equal(t, float32(0), r.classes[0])
	assert.Equal(t, float32(0.9), r.scores[0])

	// th = 5·ln 2 doubles the height, tw = −5·ln 2 halves the width.
	ln2 := float32(math.Ln2)
	c.enc = []float32{0, 0, 5 * ln2, -5 * ln2}
	r = c.run(t)
	assert.InDeltaSlice(t, []float32{0, 0.25 - 0.0625, 1, 0.25 + 0.0625}, r.boxes[:4], 1e-6) // height 1 about 0.5, width 0.125 about 0.25
}

func TestDetectionDecodeMatchesFloatModel(t *testing.T) {
	p := ssdTestParams()
	p.MaxDetections = 4
	p.IoUThreshold = 1 // keep everything apart from identical boxes
	anchors := []float32{0.1, 0.2, 0.3, 0.4, 0.7, 0.6, 0.2, 0.1, 0.5, 0.5, 1, 1, 0.9, 0.1, 0.05, 0.3}
	enc := []float32{0.3, -1.2, 0.7, -0.4, -2, 1.5, -1.1, 0.9, 0, 0, 0, 0, 4, -3, 2.5, -2.5}
	scores := []float32{0.9, 0.8, 0.7, 0.6}
	r := (&detectionCase{p: p, anchors: anchors, enc: enc, scores: scores, columns: 1}).run(t)
	require.Equal(t, 4, r.count)
	for i := range 4 {
		e, a := enc[4*i:], anchors[4*i:]
		yc := float64(e[0])/10*float64(a[2]) + float64(a[0])
		xc := float64(e[1])/10*float64(a[3]) + float64(a[1])
		hh := math.Exp(float64(e[2])/5) * float64(a[2]) / 2
		hw := math.Exp(float64(e[3])/5) * float64(a[3]) / 2
		want := []float64{yc - hh, xc - hw, yc + hh, xc + hw}
		for k := range 4 {
			assert.InDelta(t, want[k], r.boxes[4*i+k], 1e-6, "anchor %d coordinate %d", i, k)
		}
	}
}

func TestDetectionSuppressesOverlapsOfOneClass(t *testing.T) {
	p := ssdTestParams()
	// A and B overlap with IoU 0.9/1.1; C is apart.
	c := detectionCase{p: p, columns: 1,
		anchors: joinAnchors(cornerAnchor(0, 0, 1, 1), cornerAnchor(0, 0.1, 1, 1.1), cornerAnchor(0, 2, 1, 3)),
		scores:  []float32{0.9, 0.85, 0.8},
	}
	for _, regular := range []bool{false, true} {
		c.p.UseRegularNMS = regular
		r := c.run(t)
		require.Equal(t, 2, r.count, "regular %v", regular)
		assert.Equal(t, []float32{0, 0, 1, 1, 0, 2, 1, 3}, r.boxes[:8])
		assert.Equal(t, []float32{0.9, 0.8}, r.scores[:2])
		assert.Equal(t, make([]float32, 8), r.scores[2:], "unfilled slots are zero")
		assert.Equal(t, make([]float32, 32), r.boxes[8:])
		assert.Equal(t, make([]float32, 8), r.classes[2:])
	}
}

func TestDetectionIoUThresholdIsStrict(t *testing.T) {
	p := ssdTestParams()
	// B is the left half of A: IoU exactly 0.5.
	c := detectionCase{p: p, columns: 1,
		anchors: joinAnchors(cornerAnchor(0, 0, 1, 1), cornerAnchor(0, 0, 1, 0.5)),
		scores:  []float32{0.9, 0.8},
	}
	assert.Equal(t, 2, c.run(t).count, "IoU equal to the threshold is kept")
	c.p.IoUThreshold = 0.49
	assert.Equal(t, 1, c.run(t).count)
}

func TestDetectionScoreThresholdIsInclusive(t *testing.T) {
	p := ssdTestParams()
	p.ScoreThreshold = 0.5
	c := detectionCase{p: p, columns: 1,
		anchors: joinAnchors(cornerAnchor(0, 0, 1, 1), cornerAnchor(0, 2, 1, 3)),
		scores:  []float32{math.Nextafter32(0.5, 0), 0.5},
	}
	for _, regular := range []bool{false, true} {
		c.p.UseRegularNMS = regular
		r := c.run(t)
		require.Equal(t, 1, r.count)
		assert.Equal(t, []float32{0, 2, 1, 3}, r.boxes[:4])
		assert.Equal(t, float32(0.5), r.scores[0])
	}
}

func TestDetectionAllBelowThreshold(t *testing.T) {
	p := ssdTestParams()
	p.NumClasses = 2
	c := detectionCase{p: p, columns: 3,
		anchors: joinAnchors(cornerAnchor(0, 0, 1, 1), cornerAnchor(0, 2, 1, 3)),
		// The background column scores high but is not a class.
		scores: []float32{0.99, 0.1, 0.2, 0.98, 0.29, 0},
	}
	for _, regular := range []bool{false, true} {
		c.p.UseRegularNMS = regular
		r := c.run(t)
		assert.Equal(t, 0, r.count)
		assert.Equal(t, make([]float32, 40), r.boxes)
		assert.Equal(t, make([]float32, 10), r.classes)
		assert.Equal(t, make([]float32, 10), r.scores)
	}
}

func TestDetectionFastAndRegularDifferAcrossClasses(t *testing.T) {
	p := ssdTestParams()
	p.NumClasses = 2
	// A and B overlap (IoU 0.9/1.1). A is class 0, B is class 1; with the
	// background column first.
	c := detectionCase{p: p, columns: 3,
		anchors: joinAnchors(cornerAnchor(0, 0, 1, 1), cornerAnchor(0, 0.1, 1, 1.1)),
		scores:  []float32{0.5, 0.9, 0.2, 0.5, 0.1, 0.8},
	}
	r := c.run(t)
	require.Equal(t, 1, r.count, "fast NMS compares anchors across classes")
	assert.Equal(t, []float32{0}, r.classes[:1])

	c.p.UseRegularNMS = true
	r = c.run(t)
	require.Equal(t, 2, r.count, "regular NMS suppresses within a class only")
	assert.Equal(t, []float32{0, 1}, r.classes[:2])
	assert.Equal(t, []float32{0.9, 0.8}, r.scores[:2])
	assert.InDeltaSlice(t, []float32{0, 0, 1, 1, 0, 0.1, 1, 1.1}, r.boxes[:8], 1e-6)
}

func TestDetectionMoreCandidatesThanSlots(t *testing.T) {
	p := ssdTestParams()
	p.MaxDetections = 3
	p.NumClasses = 2
	var anchors []float32
	for i := range 5 {
		anchors = append(anchors, cornerAnchor(0, float32(2*i), 1, float32(2*i+1))...)
	}
	// Best class per anchor: 0.4 (c1), 0.9 (c0), 0.6 (c1), 0.8 (c0), 0.7 (c1).
	scores := []float32{0.1, 0.4, 0.9, 0.2, 0.3, 0.6, 0.8, 0.1, 0.2, 0.7}
	c := detectionCase{p: p, columns: 2, anchors: anchors, scores: scores}
	for _, regular := range []bool{false, true} {
		c.p.UseRegularNMS = regular
		r := c.run(t)
		require.Equal(t, 3, r.count)
		assert.Equal(t, []float32{0.9, 0.8, 0.7}, r.scores)
		assert.Equal(t, []float32{0, 0, 1}, r.classes)
		assert.Equal(t, []float32{0, 2, 1, 3, 0, 6, 1, 7, 0, 8, 1, 9}, r.boxes)
	}
	// Regular NMS also caps each class at DetectionsPerClass.
	c.p.UseRegularNMS = true
	c.p.DetectionsPerClass = 1
	r := c.run(t)
	require.Equal(t, 2, r.count)
	assert.Equal(t, []float32{0.9, 0.7}, r.scores[:2])
	assert.Equal(t, []float32{0, 1, 0}, r.classes)
}

func TestDetectionEqualScoresKeepAnchorOrder(t *testing.T) {
	// Single-class NMS sorts stably: equal scores stay in anchor order.
	p := ssdTestParams()
	c := detectionCase{p: p, columns: 1,
		anchors: joinAnchors(cornerAnchor(0, 4, 1, 5), cornerAnchor(0, 0, 1, 1), cornerAnchor(0, 2, 1, 3)),
		scores:  []float32{0.6, 0.7, 0.6},
	}
	r := c.run(t)
	require.Equal(t, 3, r.count)
	assert.Equal(t, []float32{0, 0, 1, 1, 0, 4, 1, 5, 0, 2, 1, 3}, r.boxes[:12])
}

func TestDetectionRegularMergeTiesFollowPartialSort(t *testing.T) {
	p := ssdTestParams()
	p.UseRegularNMS = true
	p.NumClasses = 2
	p.MaxDetections = 4
	var anchors []float32
	for i := range 5 {
		anchors = append(anchors, cornerAnchor(0, float32(2*i), 1, float32(2*i+1))...)
	}
	// Class 0 picks anchors 0, 1, 2 and class 1 anchors 3, 4, all at 0.9.
	scores := []float32{0.9, 0, 0.9, 0, 0.9, 0, 0, 0.9, 0, 0.9}
	r := (&detectionCase{p: p, columns: 2, anchors: anchors, scores: scores}).run(t)
	require.Equal(t, 4, r.count)
	// After class 1 TFLite partial-sorts five equal scores for four slots;
	// GCC 12's std::partial_sort returns positions 1, 3, 0, 2 (from a C++
	// program calling it), i.e. anchors 1, 3, 0, 2.
	assert.Equal(t, []float32{0, 2, 1, 3, 0, 6, 1, 7, 0, 0, 1, 1, 0, 4, 1, 5}, r.boxes)
	assert.Equal(t, []float32{0, 1, 0, 0}, r.classes)
}

func TestPartialArgSortDescMatchesLibstdcxx(t *testing.T) {
	// Expected orders printed by a C++ program running std::partial_sort
	// (GCC 12 libstdc++) on iota indices with the comparison v[a] > v[b].
	cases := []struct {
		values []float32
		k      int
		want   []int32
	}{
		{[]float32{0.9, 0.9, 0.9, 0.9, 0.9}, 4, []int32{1, 3, 0, 2}},
		{[]float32{0.9, 0.9, 0.9, 0.8, 0.9, 0.9}, 4, []int32{0, 1, 4, 2}},
		{[]float32{3, 3, 2, 2, 3, 0, 0, 3, 1}, 4, []int32{4, 1, 7, 0}},
		{[]float32{0.5, 0.5, 0.5}, 2, []int32{0, 1}},
		{[]float32{1, 2, 3, 3, 3, 3, 0, 1, 2, 3, 0, 1, 2, 2, 2, 0}, 6, []int32{3, 4, 9, 2, 5, 8}},
		{[]float32{0.1, 0.7, 0.3}, 1, []int32{1}},
		{[]float32{0.7, 0.2, 0.7}, 1, []int32{0}}, // arg-max keeps the first maximum
	}
	for _, c := range cases {
		order := make([]int32, len(c.values))
		partialArgSortDesc(c.values, c.k, order)
		assert.Equal(t, c.want, order[:c.k], "%v k=%d", c.values, c.k)
	}
}

func TestDetectionSeveralClassesPerAnchor(t *testing.T) {
	p := ssdTestParams()
	p.NumClasses = 9
	p.MaxClassesPerDetection = 4
	p.MaxDetections = 2
	// Tied class scores come out in std::partial_sort's order: 4, 1, 7, 0
	// (see TestPartialArgSortDescMatchesLibstdcxx).
	scores := []float32{
		0.3, 0.3, 0.2, 0.2, 0.3, 0, 0, 0.3, 0.1,
		0, 0, 0, 0, 0, 0, 0.5, 0.4, 0,
	}
	c := detectionCase{p: p, columns: 9, anchors: joinAnchors(cornerAnchor(0, 0, 1, 1), cornerAnchor(0, 2, 1, 3)), scores: scores}
	r := c.run(t)
	require.Equal(t, 2, r.count, "the count is of anchors, not of slots")
	// Anchor 1's zero scores tie too: partial_sort gives 6, 7, 1, 3.
	assert.Equal(t, []float32{6, 7, 1, 3, 4, 1, 7, 0}, r.classes)
	assert.Equal(t, []float32{0.5, 0.4, 0, 0, 0.3, 0.3, 0.3, 0.3}, r.scores)
	for s := range 8 {
		want := []float32{0, 2, 1, 3}
		if s >= 4 {
			want = []float32{0, 0, 1, 1}
		}
		assert.Equal(t, want, r.boxes[4*s:4*s+4], "slot %d", s)
	}

	// More classes per detection than classes: the extra slots stay zero.
	p.NumClasses = 2
	p.MaxClassesPerDetection = 3
	c = detectionCase{p: p, columns: 3, anchors: joinAnchors(cornerAnchor(0, 0, 1, 1), cornerAnchor(0, 2, 1, 3)),
		scores: []float32{0, 0.4, 0.6, 0, 0.9, 0.35}}
	r = c.run(t)
	require.Equal(t, 2, r.count)
	assert.Equal(t, []float32{0, 1, 0, 1, 0, 0}, r.classes)
	assert.Equal(t, []float32{0.9, 0.35, 0, 0.6, 0.4, 0}, r.scores)
	assert.Equal(t, []float32{0, 2, 1, 3, 0, 2, 1, 3, 0, 0, 0, 0}, r.boxes[:12])
}

func TestDetectionZeroAreaBoxesDoNotSuppress(t *testing.T) {
	p := ssdTestParams()
	c := detectionCase{p: p, columns: 1,
		anchors: joinAnchors(cornerAnchor(0, 0, 1, 1), []float32{0.5, 0.5, 0, 1}),
		scores:  []float32{0.9, 0.8},
	}
	assert.Equal(t, 2, c.run(t).count)
}

func TestDetectionValidate(t *testing.T) {
	anchors := joinAnchors(cornerAnchor(0, 0, 1, 1))
	bad := map[string]func(p *DetectionParams){
		"no classes":         func(p *DetectionParams) { p.NumClasses = 0 },
		"negative max":       func(p *DetectionParams) { p.MaxDetections = -1 },
		"zero classes/det":   func(p *DetectionParams) { p.MaxClassesPerDetection = 0 },
		"zero per class":     func(p *DetectionParams) { p.UseRegularNMS, p.DetectionsPerClass = true, 0 },
		"IoU zero":           func(p *DetectionParams) { p.IoUThreshold = 0 },
		"IoU above one":      func(p *DetectionParams) { p.IoUThreshold = 1.01 },
		"IoU NaN":            func(p *DetectionParams) { p.IoUThreshold = float32(math.NaN()) },
		"two extra columns":  func(p *DetectionParams) { p.NumClasses = 1; p.MaxDetections = 1 },
		"too few columns":    func(p *DetectionParams) { p.NumClasses = 4 },
		"negative anchor h":  func(p *DetectionParams) { anchors[2] = -0.1 },
		"negative anchor w":  func(p *DetectionParams) { anchors[3] = -0.1 },
		"anchor count wrong": func(p *DetectionParams) { anchors = anchors[:3] },
	}
	for name, mutate := range bad {
		anchors = joinAnchors(cornerAnchor(0, 0, 1, 1))
		p := ssdTestParams()
		p.NumClasses = 2
		mutate(&p)
		assert.Error(t, p.Validate(1, 3, anchors), name)
	}
	p := ssdTestParams()
	assert.NoError(t, p.Validate(1, 2, joinAnchors(cornerAnchor(0, 0, 1, 1))))
	assert.NoError(t, p.Validate(0, 1, nil))
}

func TestDetectionAllocatesNothing(t *testing.T) {
	const n = 64
	var anchors, scores, enc []float32
	for i := range n {
		anchors = append(anchors, cornerAnchor(float32(i%8)/8, float32(i/8)/8, float32(i%8)/8+0.3, float32(i/8)/8+0.3)...)
		enc = append(enc, float32(i%3)-1, float32(i%5)-2, float32(i%7)/7, -float32(i%4)/4)
		for c := range 4 {
			scores = append(scores, float32((i*7+c*13)%16)/16)
		}
	}
	for _, regular := range []bool{false, true} {
		p := ssdTestParams()
		p.NumClasses, p.MaxClassesPerDetection, p.UseRegularNMS = 3, 2, regular
		require.NoError(t, p.Validate(n, 4, anchors))
		s := NewDetectionScratch(Generic, &p, n, 4)
		slots := p.OutputSlots()
		boxes, classes, outScores := make([]float32, 4*slots), make([]float32, slots), make([]float32, slots)
		count := 0
		allocs := testing.AllocsPerRun(20, func() {
			count = DetectionPostProcess(&p, s, enc, scores, anchors, n, 4, boxes, classes, outScores)
		})
		assert.Zero(t, allocs, "regular %v", regular)
		assert.Positive(t, count)
	}
}

// TestSingleClassNMSMatchesSortAndSweep compares the heap-driven
// singleClassNMS with TFLite's algorithm written out as it is (stable sort
// of the kept scores, then a sweep that deactivates the boxes each pick
// suppresses) on random crowded scenes with many tied scores.
func TestSingleClassNMSMatchesSortAndSweep(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 4))
	for trial := range 300 {
		n := 1 + rng.IntN(400)
		p := &DetectionParams{ScoreThreshold: float32(rng.IntN(3)) * 0.25, IoUThreshold: 0.2 + 0.6*rng.Float32()}
		s := NewDetectionScratch(Generic, p, n, 1)
		scores := make([]float32, n)
		for a := range n {
			scores[a] = float32(rng.IntN(8)) / 8 // many ties
			y, x := rng.Float32()*0.5, rng.Float32()*0.5
			copy(s.boxes[4*a:], []float32{y, x, y + 0.05 + rng.Float32()*0.4, x + 0.05 + rng.Float32()*0.4})
		}
		for i := range s.decoded {
			s.decoded[i] = ^uint64(0) // the boxes are given, not decoded
		}
		maxDet := 1 + rng.IntN(20)
		want := sortAndSweepNMS(p, s.boxes, scores, maxDet)
		got := singleClassNMS(p, s, scores, maxDet)
		require.Equal(t, want, slices.Clone(got), "trial %d", trial)
	}
}

// sortAndSweepNMS is NonMaxSuppressionSingleClassHelper as TFLite writes it.
func sortAndSweepNMS(p *DetectionParams, boxes, scores []float32, maxDetections int) []int32 {
	var kept []int32
	for a, v := range scores {
		if v >= p.ScoreThreshold {
			kept = append(kept, int32(a))
		}
	}
	slices.SortStableFunc(kept, func(i, j int32) int {
		switch {
		case scores[i] > scores[j]:
			return -1
		case scores[i] < scores[j]:
			return 1
		}
		return 0
	})
	active := make([]bool, len(kept))
	for i := range active {
		active[i] = true
	}
	numActive := len(kept)
	outputSize := min(len(kept), maxDetections)
	selected := []int32{}
	for i, a := range kept {
		if numActive == 0 || len(selected) >= outputSize {
			break
		}
		if !active[i] {
			continue
		}
		selected = append(selected, a)
		active[i] = false
		numActive--
		for j := i + 1; j < len(kept); j++ {
			if active[j] && intersectionOverUnion(boxes, a, kept[j]) > p.IoUThreshold {
				active[j] = false
				numActive--
			}
		}
	}
	return selected
}
