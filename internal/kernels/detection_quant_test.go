package kernels

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// referenceDetection is TFLite_Detection_PostProcess as TFLite writes it:
// every box decoded first, then NonMaxSuppressionMultiClassFastHelper or
// NonMaxSuppressionMultiClassRegularHelper over the stable-sorting
// sortAndSweepNMS.
func referenceDetection(p *DetectionParams, enc, scores, anchors []float32, n, columns int) detectionResult {
	boxes := make([]float32, 4*n)
	for a := range n {
		decodeBox(p, boxes[4*a:4*a+4], enc[4*a:4*a+4], anchors[4*a:4*a+4])
	}
	slots := p.OutputSlots()
	r := detectionResult{boxes: make([]float32, 4*slots), classes: make([]float32, slots), scores: make([]float32, slots)}
	offset := columns - p.NumClasses
	row := func(a int) []float32 { return scores[a*columns+offset : a*columns+offset+p.NumClasses] }
	put := func(slot int, a int32, class int32, score float32) {
		copy(r.boxes[4*slot:4*slot+4], boxes[4*a:4*a+4])
		r.classes[slot], r.scores[slot] = float32(class), score
	}
	order := make([]int32, p.NumClasses)
	if !p.UseRegularNMS {
		perAnchor := min(p.MaxClassesPerDetection, p.NumClasses)
		best := make([]float32, n)
		for a := range n {
			partialArgSortDesc(row(a), perAnchor, order)
			best[a] = row(a)[order[0]]
		}
		selected := sortAndSweepNMS(p, boxes, best, p.MaxDetections)
		for i, a := range selected {
			partialArgSortDesc(row(int(a)), perAnchor, order)
			for col := range perAnchor {
				put(p.MaxClassesPerDetection*i+col, a, order[col], row(int(a))[order[col]])
			}
		}
		r.count = len(selected)
		return r
	}
	type pick struct {
		anchor, class int32
		score         float32
	}
	var top []pick
	column := make([]float32, n)
	for class := range p.NumClasses {
		for a := range n {
			column[a] = row(a)[class]
		}
		cand := slices.Clone(top)
		for _, a := range sortAndSweepNMS(p, boxes, column, p.DetectionsPerClass) {
			cand = append(cand, pick{a, int32(class), column[a]})
		}
		candScores := make([]float32, len(cand))
		for i, c := range cand {
			candScores[i] = c.score
		}
		keep := min(len(cand), p.MaxDetections)
		mergeOrder := make([]int32, len(cand))
		partialArgSortDesc(candScores, keep, mergeOrder)
		top = top[:0]
		for _, i := range mergeOrder[:keep] {
			top = append(top, cand[i])
		}
	}
	for i, c := range top {
		put(i, c.anchor, c.class, c.score)
	}
	r.count = len(top)
	return r
}

// runDetection runs DetectionPostProcess, or DetectionPostProcessQ when q is
// not nil, into outputs filled with stale values, with one scratch for
// several runs.
func runDetection(p *DetectionParams, s *DetectionScratch, enc, scores []float32, q func(boxes, classes, scores []float32) int, anchors []float32, n, columns int) detectionResult {
	slots := p.OutputSlots()
	r := detectionResult{boxes: make([]float32, 4*slots), classes: make([]float32, slots), scores: make([]float32, slots)}
	for _, out := range [][]float32{r.boxes, r.classes, r.scores} {
		for i := range out {
			out[i] = 7
		}
	}
	if q != nil {
		r.count = q(r.boxes, r.classes, r.scores)
	} else {
		r.count = DetectionPostProcess(p, s, enc, scores, anchors, n, columns, r.boxes, r.classes, r.scores)
	}
	return r
}

// requireSameDetections compares two results bit for bit.
func requireSameDetections(t *testing.T, want, got detectionResult, msg string, args ...any) {
	t.Helper()
	bits := func(v []float32) []uint32 {
		b := make([]uint32, len(v))
		for i, f := range v {
			b[i] = math.Float32bits(f)
		}
		return b
	}
	msgAndArgs := append([]any{msg}, args...)
	require.Equal(t, want.count, got.count, msgAndArgs...)
	require.Equal(t, bits(want.boxes), bits(got.boxes), msgAndArgs...)
	require.Equal(t, bits(want.classes), bits(got.classes), msgAndArgs...)
	require.Equal(t, bits(want.scores), bits(got.scores), msgAndArgs...)
}

// randomDetectionScene returns n anchors, some of zero height or width, and
// box encodings with zeros among them.
func randomDetectionScene(rng *rand.Rand, n int) (anchors, enc []float32) {
	anchors = make([]float32, 4*n)
	enc = make([]float32, 4*n)
	for a := range n {
		h, w := 0.05+rng.Float32()*0.4, 0.05+rng.Float32()*0.4
		switch rng.IntN(12) {
		case 0:
			h = 0
		case 1:
			w = 0
		}
		copy(anchors[4*a:], []float32{rng.Float32(), rng.Float32(), h, w})
		for k := range 4 {
			if rng.IntN(3) > 0 {
				enc[4*a+k] = float32(rng.NormFloat64())
			}
		}
	}
	return anchors, enc
}

// randomDetectionParams draws options: one or several classes per
// detection, fast or regular NMS, MaxDetections 0, 1 or many.
func randomDetectionParams(rng *rand.Rand, classes int) DetectionParams {
	p := DetectionParams{
		MaxDetections:          []int{0, 1, 3, 10, 50}[rng.IntN(5)],
		MaxClassesPerDetection: []int{1, 1, 2, 5}[rng.IntN(4)],
		DetectionsPerClass:     1 + rng.IntN(30),
		NumClasses:             classes,
		IoUThreshold:           0.1 + 0.9*rng.Float32(),
		YScale:                 10, XScale: 10, HScale: 5, WScale: 5,
		UseRegularNMS: rng.IntN(3) == 0,
	}
	return p
}

// pickThreshold returns a score threshold that keeps none, some or all of
// scores, often equal to one of them.
func pickThreshold(rng *rand.Rand, scores []float32) float32 {
	switch rng.IntN(4) {
	case 0:
		return float32(math.Inf(-1)) // all kept
	case 1:
		return float32(math.Inf(1)) // none kept but infinite scores
	}
	if len(scores) == 0 {
		return 0
	}
	return scores[rng.IntN(len(scores))]
}

func TestDetectionQuantizedMatchesFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 8))
	trials := 600
	if testing.Short() {
		trials = 100 // the emulated ARM runs
	}
	for trial := range trials {
		n := rng.IntN(260)
		classes := 1 + rng.IntN(13)
		if rng.IntN(2) == 0 {
			classes = 10 + rng.IntN(90) // rows the assembly reads
		}
		columns := classes + rng.IntN(2) // with or without a background column
		p := randomDetectionParams(rng, classes)
		anchors, enc := randomDetectionScene(rng, n)
		require.NoError(t, p.Validate(n, columns, anchors))

		// Few distinct quantized values, so that scores tie; scales from
		// subnormal to overflowing (infinite scores tie too).
		scale := []float32{1.0 / 256, 0.1, 1e-44, 3e37, math.MaxFloat32}[rng.IntN(5)]
		distinct := 1 + rng.IntN(6)
		values := make([]int, distinct)
		for i := range values {
			values[i] = rng.IntN(256)
		}
		q8 := make([]uint8, n*columns)
		for i := range q8 {
			q8[i] = uint8(values[rng.IntN(distinct)])
		}
		zero := int32(rng.IntN(256))
		for _, signed := range []bool{false, true} {
			var table *DequantTable
			var run func(s *DetectionScratch) func(boxes, classes, scores []float32) int
			if signed {
				table = NewDequantTable[int8](Affine{Scale: scale, ZeroPoint: zero - 128})
				q := make([]int8, len(q8))
				for i, v := range q8 {
					q[i] = int8(v)
				}
				run = func(s *DetectionScratch) func(boxes, classes, scores []float32) int {
					return func(boxes, classes, scores []float32) int {
						return DetectionPostProcessQ(&p, s, enc, q, table, anchors, n, columns, boxes, classes, scores)
					}
				}
			} else {
				table = NewDequantTable[uint8](Affine{Scale: scale, ZeroPoint: zero})
				run = func(s *DetectionScratch) func(boxes, classes, scores []float32) int {
					return func(boxes, classes, scores []float32) int {
						return DetectionPostProcessQ(&p, s, enc, q8, table, anchors, n, columns, boxes, classes, scores)
					}
				}
			}
			scores := make([]float32, len(q8))
			DequantizeLookup(table, q8, scores)
			p.ScoreThreshold = pickThreshold(rng, scores)

			want := referenceDetection(&p, enc, scores, anchors, n, columns)
			for _, target := range Targets() {
				s := NewDetectionScratch(target, &p, n, columns)
				for range 2 { // a second run on the same scratch must not see the first
					requireSameDetections(t, want, runDetection(&p, s, enc, scores, nil, anchors, n, columns),
						"trial %d %s float %+v", trial, target, p)
					requireSameDetections(t, want, runDetection(&p, s, nil, nil, run(s), anchors, n, columns),
						"trial %d %s signed %v scale %g %+v", trial, target, signed, scale, p)
				}
			}
		}
	}
}

func TestDetectionFloatMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 9))
	for trial := range 400 {
		n := rng.IntN(200)
		classes := 1 + rng.IntN(9)
		columns := classes + rng.IntN(2)
		p := randomDetectionParams(rng, classes)
		anchors, enc := randomDetectionScene(rng, n)
		require.NoError(t, p.Validate(n, columns, anchors))
		scores := make([]float32, n*columns)
		for i := range scores {
			scores[i] = float32(rng.IntN(6)) / 5 // ties
		}
		p.ScoreThreshold = pickThreshold(rng, scores)
		want := referenceDetection(&p, enc, scores, anchors, n, columns)
		s := NewDetectionScratch(Generic, &p, n, columns)
		requireSameDetections(t, want, runDetection(&p, s, enc, scores, nil, anchors, n, columns), "trial %d %+v", trial, p)
	}
}

// TestDequantTablesAreNonDecreasing checks what DetectionPostProcessQ
// relies on, for scales from the smallest subnormal to the largest float
// and every zero point at the ends of the range.
func TestDequantTablesAreNonDecreasing(t *testing.T) {
	scales := []float32{math.SmallestNonzeroFloat32, 1e-40, 1e-38, 1.0 / 255, 0.3, 1, 7e35, math.MaxFloat32}
	for _, scale := range scales {
		for _, zero := range []int32{0, 1, 127, 128, 255} {
			u := NewDequantTable[uint8](Affine{Scale: scale, ZeroPoint: zero})
			s := NewDequantTable[int8](Affine{Scale: scale, ZeroPoint: zero - 128})
			for v := 1; v < 256; v++ {
				require.LessOrEqual(t, u[v-1], u[v], "uint8 scale %g zero %d at %d", scale, zero, v)
				require.LessOrEqual(t, s[uint8(int8(v-129))], s[uint8(int8(v-128))], "int8 scale %g zero %d at %d", scale, zero-128, v-128)
			}
		}
	}
}

// TestBestScoresMatchesGo compares the best scores of every target with
// the Go loop's, on rows of every length up to 130 at odd strides and
// offsets.
func TestBestScoresMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	table := NewDequantTable[uint8](Affine{Scale: 0.37, ZeroPoint: 100})
	for n := 1; n <= 130; n++ {
		for range 4 {
			offset := rng.IntN(3)
			stride := n + offset + rng.IntN(3)
			rows := rng.IntN(20)
			u := make([]uint8, offset+rows*stride)
			for i := range u {
				u[i] = uint8(rng.IntN(256))
				if rng.IntN(4) == 0 {
					u[i] = uint8(rng.IntN(2) * 255)
				}
			}
			s := make([]int8, len(u))
			for i, v := range u {
				s[i] = int8(v)
			}
			wantU, wantS := make([]float32, rows), make([]float32, rows)
			for a := range rows {
				wantU[a] = table[slices.Max(u[offset+a*stride:offset+a*stride+n])]
				wantS[a] = table[uint8(slices.Max(s[offset+a*stride:offset+a*stride+n]))]
			}
			for _, target := range Targets() {
				simd := bestScoresSIMD(lookupTarget(target))
				got := make([]float32, rows)
				bestScores(simd, u, offset, stride, n, table, got)
				require.Equal(t, wantU, got, "uint8 %s n %d stride %d offset %d", target, n, stride, offset)
				bestScores(simd, s, offset, stride, n, table, got)
				require.Equal(t, wantS, got, "int8 %s n %d stride %d offset %d", target, n, stride, offset)
			}
		}
	}
}

func TestLargest(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for range 200 {
		u := make([]uint8, 1+rng.IntN(200))
		for i := range u {
			u[i] = uint8(rng.IntN(256))
		}
		require.Equal(t, slices.Max(u), largest(u))
		s := make([]int8, len(u))
		for i, v := range u {
			s[i] = int8(v)
		}
		require.Equal(t, slices.Max(s), largest(s))
	}
}

// ssdDetectionInputs returns inputs shaped like SSD-MobileNet v1's: 1917
// anchors, 91 uint8 score columns (background first) mostly near zero as
// after its LOGISTIC, and TFLite's default box scales.
func ssdDetectionInputs() (p DetectionParams, anchors, enc []float32, scores []uint8, table *DequantTable) {
	const n, columns = 1917, 91
	rng := rand.New(rand.NewPCG(300, 300))
	p = DetectionParams{MaxDetections: 10, MaxClassesPerDetection: 1, DetectionsPerClass: 100, NumClasses: 90,
		ScoreThreshold: 1e-8, IoUThreshold: 0.6, YScale: 10, XScale: 10, HScale: 5, WScale: 5}
	anchors, enc = randomDetectionScene(rng, n)
	for a := range n {
		anchors[4*a+2], anchors[4*a+3] = 0.1+0.5*rng.Float32(), 0.1+0.5*rng.Float32()
	}
	scores = make([]uint8, n*columns)
	for i := range scores {
		v := 0
		for v < 255 && rng.IntN(3) > 0 {
			v++
		}
		scores[i] = uint8(v)
	}
	for range 40 { // a few confident detections
		scores[rng.IntN(len(scores))] = uint8(100 + rng.IntN(156))
	}
	return p, anchors, enc, scores, NewDequantTable[uint8](Affine{Scale: 1.0 / 256})
}

func TestDetectionQuantizedAllocatesNothing(t *testing.T) {
	p, anchors, enc, scores, table := ssdDetectionInputs()
	n, columns := len(anchors)/4, len(scores)/(len(anchors)/4)
	for _, regular := range []bool{false, true} {
		p.UseRegularNMS = regular
		for _, target := range Targets() {
			s := NewDetectionScratch(target, &p, n, columns)
			slots := p.OutputSlots()
			boxes, classes, outScores := make([]float32, 4*slots), make([]float32, slots), make([]float32, slots)
			count := 0
			allocs := testing.AllocsPerRun(5, func() {
				count = DetectionPostProcessQ(&p, s, enc, scores, table, anchors, n, columns, boxes, classes, outScores)
			})
			assert.Zero(t, allocs, "regular %v %s", regular, target)
			assert.Equal(t, p.MaxDetections, count)
		}
	}
}

func BenchmarkDetectionSSD(b *testing.B) {
	p, anchors, enc, scores, table := ssdDetectionInputs()
	n, columns := len(anchors)/4, len(scores)/(len(anchors)/4)
	for _, target := range Targets() {
		b.Run(target, func(b *testing.B) {
			s := NewDetectionScratch(target, &p, n, columns)
			slots := p.OutputSlots()
			boxes, classes, outScores := make([]float32, 4*slots), make([]float32, slots), make([]float32, slots)
			for b.Loop() {
				DetectionPostProcessQ(&p, s, enc, scores, table, anchors, n, columns, boxes, classes, outScores)
			}
		})
	}
}
