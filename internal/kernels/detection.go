package kernels

import (
	"fmt"
	"math"
)

// DetectionParams are the options of TFLite's custom operator
// TFLite_Detection_PostProcess (tensorflow/lite/kernels/detection_postprocess.cc),
// which turns an SSD model's box encodings and class scores into the final
// detections.
type DetectionParams struct {
	MaxDetections          int // detections written at most ("max_detections")
	MaxClassesPerDetection int // classes reported per detection by fast NMS ("max_classes_per_detection")
	DetectionsPerClass     int // boxes kept per class by regular NMS ("detections_per_class", TFLite's default 100)
	NumClasses             int // classes without the background ("num_classes")

	ScoreThreshold float32 // scores below it are dropped; equal scores are kept ("nms_score_threshold")
	IoUThreshold   float32 // a box overlapping a better one by more than this is dropped ("nms_iou_threshold")

	// YScale, XScale, HScale and WScale divide the box encodings
	// ("y_scale", "x_scale", "h_scale", "w_scale").
	YScale, XScale, HScale, WScale float32

	// UseRegularNMS selects NMS per class ("use_regular_nms") instead of one
	// NMS over each anchor's best class.
	UseRegularNMS bool
}

// OutputSlots is the number of detections the output tensors hold, as TFLite
// sizes them: MaxDetections × MaxClassesPerDetection. Boxes take 4 floats per
// slot, classes and scores one.
func (p *DetectionParams) OutputSlots() int {
	return p.MaxDetections * p.MaxClassesPerDetection
}

// Validate checks the options and input sizes the way TFLite's Prepare and
// Eval do, before DetectionPostProcess may run: numAnchors anchors, each
// with scoreColumns class scores (NumClasses, or NumClasses + 1 with a
// leading background column) and 4 anchor values.
// TFLite fails on a decoded box whose minimum exceeds its maximum, which
// happens exactly when an anchor has a negative height or width, so
// Validate rejects those anchors; call it again whenever the anchors change.
func (p *DetectionParams) Validate(numAnchors, scoreColumns int, anchors []float32) error {
	switch {
	case numAnchors < 0:
		return fmt.Errorf("detection: %d anchors", numAnchors)
	case p.NumClasses < 1:
		return fmt.Errorf("detection: num_classes is %d, want at least 1", p.NumClasses)
	case scoreColumns != p.NumClasses && scoreColumns != p.NumClasses+1:
		return fmt.Errorf("detection: scores have %d columns for %d classes, want %d or %d", scoreColumns, p.NumClasses, p.NumClasses, p.NumClasses+1)
	case p.MaxDetections < 0:
		return fmt.Errorf("detection: max_detections is %d", p.MaxDetections)
	case p.MaxClassesPerDetection < 1:
		return fmt.Errorf("detection: max_classes_per_detection is %d, want at least 1", p.MaxClassesPerDetection)
	case p.UseRegularNMS && p.DetectionsPerClass < 1:
		return fmt.Errorf("detection: detections_per_class is %d, want at least 1", p.DetectionsPerClass)
	case !(p.IoUThreshold > 0 && p.IoUThreshold <= 1):
		return fmt.Errorf("detection: IoU threshold %v is outside (0, 1]", p.IoUThreshold)
	case len(anchors) != 4*numAnchors:
		return fmt.Errorf("detection: %d anchor values for %d anchors", len(anchors), numAnchors)
	}
	for i := range numAnchors {
		if h, w := anchors[4*i+2], anchors[4*i+3]; h < 0 || w < 0 {
			return fmt.Errorf("detection: anchor %d has negative size %v×%v", i, h, w)
		}
	}
	return nil
}

// DetectionScratch holds the work buffers of DetectionPostProcess and
// DetectionPostProcessQ for one set of options and input sizes.
type DetectionScratch struct {
	simd bool // the best class scores of quantized fast NMS run assembly

	// Boxes are decoded on first use: NMS reads only the anchors it takes
	// from its heap, a few of the thousands an SSD model scores.
	boxes        []float32 // decoded (ymin, xmin, ymax, xmax) per anchor, where decoded has its bit
	decoded      []uint64  // bit a: anchor a's box is decoded in this call
	enc, anchors []float32 // the call's box encodings and anchors, during the call

	anchorScores []float32 // per anchor: the best class score (fast NMS) or one class's score (regular NMS)
	rowScores    []float32 // one anchor's dequantized class scores (quantized fast NMS)
	kept         []int32   // anchors scoring at least the threshold, as a heap
	selected     []int32   // anchors chosen by single-class NMS, best first
	classOrder   []int32   // one anchor's class indices, best first (fast NMS)

	// Regular NMS: the running best detections over the classes done so far
	// followed by the new class's picks, and the order that merges them.
	candAnchor []int32
	candClass  []int32
	candScore  []float32
	mergeOrder []int32
	topAnchor  []int32
	topClass   []int32
	topScore   []float32
}

// NewDetectionScratch allocates the work buffers for numAnchors anchors and
// scoreColumns score columns under p (the buffers depend on p and
// numAnchors only; scoreColumns completes the input sizes they serve), for
// the kernel target named target (see Targets; the result is the same on
// every target).
func NewDetectionScratch(target string, p *DetectionParams, numAnchors, scoreColumns int) *DetectionScratch {
	numAnchors = max(numAnchors, 0)
	maxDet := max(p.MaxDetections, 0)
	perClass := min(max(p.DetectionsPerClass, 0), numAnchors)
	s := &DetectionScratch{
		simd:         bestScoresSIMD(lookupTarget(target)),
		boxes:        make([]float32, 4*numAnchors),
		decoded:      make([]uint64, (numAnchors+63)/64),
		anchorScores: make([]float32, numAnchors),
		rowScores:    make([]float32, max(p.NumClasses, 0)),
		kept:         make([]int32, numAnchors),
		selected:     make([]int32, 0, numAnchors),
		classOrder:   make([]int32, max(p.NumClasses, 0)),
	}
	if p.UseRegularNMS {
		n := maxDet + perClass
		s.candAnchor = make([]int32, n)
		s.candClass = make([]int32, n)
		s.candScore = make([]float32, n)
		s.mergeOrder = make([]int32, n)
		s.topAnchor = make([]int32, maxDet)
		s.topClass = make([]int32, maxDet)
		s.topScore = make([]float32, maxDet)
	}
	return s
}

// DetectionPostProcess is TFLite_Detection_PostProcess on float inputs
// (quantized inputs dequantized as (q − zero point) · scale first, as TFLite
// does; DetectionPostProcessQ takes 8-bit class scores as they are):
//
//   - boxEnc holds numAnchors rows of (ty, tx, th, tw) encodings (a model
//     whose encodings carry keypoints after these four must drop them).
//   - scores holds numAnchors rows of scoreColumns class scores; when
//     scoreColumns is NumClasses + 1 the first column is the background and
//     is skipped.
//   - anchors holds numAnchors rows of (y_center, x_center, h, w).
//
// Each box is decoded in float64 as TFLite does: center = t/scale·anchor
// size + anchor center, half size = 0.5·exp(t/scale)·anchor size, corners
// rounded to float32 (only the boxes NMS reaches are decoded: the others
// are never read). Fast NMS (UseRegularNMS false) ranks each anchor by its
// best class, runs one NMS over the anchors and reports the
// min(MaxClassesPerDetection, NumClasses) best classes of each picked
// anchor in consecutive slots, MaxClassesPerDetection slots per anchor.
// Regular NMS runs NMS per class (DetectionsPerClass boxes each) and merges
// the picks by score into MaxDetections slots. NMS keeps scores ≥
// ScoreThreshold, orders them by descending score with ties in anchor order
// (TFLite's stable sort), and drops a box whose IoU with a kept one exceeds
// IoUThreshold. Where TFLite ranks with std::partial_sort (the classes of an
// anchor when MaxClassesPerDetection > 1, and the merge of regular NMS) equal
// scores come out in the order of libstdc++'s heap-based partial_sort, which
// this reproduces; with one entry to pick TFLite's arg-max takes the first
// maximum, as here.
//
// Outputs: outBoxes (ymin, xmin, ymax, xmax), outClasses (class index
// without the background, as a float) and outScores, each with room for
// p.OutputSlots() detections. Slots not written are zero (TFLite's regular
// NMS zeroes them; its fast NMS leaves them as they were). The result is
// TFLite's num_detections: the anchors picked by fast NMS, or the slots
// filled by regular NMS.
//
// p must have passed Validate for these sizes and s must come from
// NewDetectionScratch with the same p and sizes. It allocates nothing.
func DetectionPostProcess(p *DetectionParams, s *DetectionScratch, boxEnc, scores, anchors []float32, numAnchors, scoreColumns int, outBoxes, outClasses, outScores []float32) int {
	s.begin(p, boxEnc, anchors, outBoxes, outClasses, outScores)
	defer s.end()
	labelOffset := scoreColumns - p.NumClasses
	classScores := func(anchor int) []float32 {
		row := anchor*scoreColumns + labelOffset
		return scores[row : row+p.NumClasses]
	}
	if p.UseRegularNMS {
		column := func(class int, dst []float32) {
			for a := range dst {
				dst[a] = scores[a*scoreColumns+class+labelOffset]
			}
		}
		return regularNMS(p, s, column, numAnchors, outBoxes, outClasses, outScores)
	}
	perAnchor := min(p.MaxClassesPerDetection, p.NumClasses)
	order := s.classOrder[:p.NumClasses]
	for a := range numAnchors {
		cs := classScores(a)
		partialArgSortDesc(cs, perAnchor, order)
		s.anchorScores[a] = cs[order[0]]
	}
	return fastNMS(p, s, classScores, numAnchors, outBoxes, outClasses, outScores)
}

// begin prepares s for a call: the outputs zeroed, no box decoded yet.
func (s *DetectionScratch) begin(p *DetectionParams, boxEnc, anchors, outBoxes, outClasses, outScores []float32) {
	slots := p.OutputSlots()
	clear(outBoxes[:4*slots])
	clear(outClasses[:slots])
	clear(outScores[:slots])
	clear(s.decoded)
	s.enc, s.anchors = boxEnc, anchors
}

// end drops the call's inputs from s.
func (s *DetectionScratch) end() {
	s.enc, s.anchors = nil, nil
}

// box returns anchor a's decoded box, decoding it on its first use in the
// call.
func (s *DetectionScratch) box(p *DetectionParams, a int32) []float32 {
	box := s.boxes[4*a : 4*a+4]
	word, bit := a/64, uint64(1)<<(a%64)
	if s.decoded[word]&bit == 0 {
		decodeBox(p, box, s.enc[4*a:4*a+4], s.anchors[4*a:4*a+4])
		s.decoded[word] |= bit
	}
	return box
}

// decodeBox converts a center-size encoding e relative to anchor a into
// corners, in TFLite's float64 arithmetic. The explicit conversions keep
// each product rounded on its own, as in C++, rather than fused.
func decodeBox(p *DetectionParams, box, e, a []float32) {
	ys, xs := float64(p.YScale), float64(p.XScale)
	hs, ws := float64(p.HScale), float64(p.WScale)
	ay, ax, ah, aw := float64(a[0]), float64(a[1]), float64(a[2]), float64(a[3])
	yCenter := float32(float64(float64(e[0])/ys*ah) + ay)
	xCenter := float32(float64(float64(e[1])/xs*aw) + ax)
	halfH := float32(0.5 * math.Exp(float64(e[2])/hs) * ah)
	halfW := float32(0.5 * math.Exp(float64(e[3])/ws) * aw)
	box[0] = yCenter - halfH
	box[1] = xCenter - halfW
	box[2] = yCenter + halfH
	box[3] = xCenter + halfW
}

// fastNMS is TFLite's NonMaxSuppressionMultiClassFastHelper, once
// s.anchorScores holds each anchor's best class score. classScores returns
// an anchor's NumClasses class scores (valid until its next call).
func fastNMS(p *DetectionParams, s *DetectionScratch, classScores func(anchor int) []float32, numAnchors int, outBoxes, outClasses, outScores []float32) int {
	perAnchor := min(p.MaxClassesPerDetection, p.NumClasses)
	order := s.classOrder[:p.NumClasses]
	selected := singleClassNMS(p, s, s.anchorScores[:numAnchors], p.MaxDetections)
	for i, a := range selected {
		// The class ranking is deterministic, so it is redone for the few
		// picked anchors rather than stored for all of them.
		cs := classScores(int(a))
		partialArgSortDesc(cs, perAnchor, order)
		for col := range perAnchor {
			slot := p.MaxClassesPerDetection*i + col
			copy(outBoxes[4*slot:4*slot+4], s.boxes[4*a:4*a+4])
			outClasses[slot] = float32(order[col])
			outScores[slot] = cs[order[col]]
		}
	}
	return len(selected)
}

// regularNMS is TFLite's NonMaxSuppressionMultiClassRegularHelper: NMS per
// class, each class's picks merged into the running best MaxDetections.
// column writes one class's score of every anchor into dst.
func regularNMS(p *DetectionParams, s *DetectionScratch, column func(class int, dst []float32), numAnchors int, outBoxes, outClasses, outScores []float32) int {
	best := 0 // entries of cand holding the running best, sorted
	for class := range p.NumClasses {
		classScores := s.anchorScores[:numAnchors]
		column(class, classScores)
		n := best
		for _, a := range singleClassNMS(p, s, classScores, p.DetectionsPerClass) {
			s.candAnchor[n], s.candClass[n], s.candScore[n] = a, int32(class), classScores[a]
			n++
		}
		keep := min(n, p.MaxDetections)
		if keep == 0 {
			best = 0
			continue
		}
		order := s.mergeOrder[:n]
		partialArgSortDesc(s.candScore[:n], keep, order)
		for r, c := range order[:keep] {
			s.topAnchor[r], s.topClass[r], s.topScore[r] = s.candAnchor[c], s.candClass[c], s.candScore[c]
		}
		copy(s.candAnchor, s.topAnchor[:keep])
		copy(s.candClass, s.topClass[:keep])
		copy(s.candScore, s.topScore[:keep])
		best = keep
	}
	for i := range best {
		a := s.candAnchor[i]
		copy(outBoxes[4*i:4*i+4], s.boxes[4*a:4*a+4])
		outClasses[i] = float32(s.candClass[i])
		outScores[i] = s.candScore[i]
	}
	return best
}

// singleClassNMS is TFLite's NonMaxSuppressionSingleClassHelper: it returns
// up to maxDetections anchors, best first, keeping scores at or above the
// threshold and dropping any box whose IoU with an already kept box exceeds
// the IoU threshold.
//
// TFLite stable-sorts every kept score and then walks them, deactivating
// the boxes each pick suppresses. A box is passed over there exactly when
// it overlaps an earlier pick, so this takes the kept anchors from a heap
// in the same order (score descending, anchor ascending: kept scores are
// never NaN) and tests each against the picks so far, stopping at
// maxDetections picks: the same picks without sorting what is never
// reached.
func singleClassNMS(p *DetectionParams, s *DetectionScratch, scores []float32, maxDetections int) []int32 {
	kept := s.kept[:0]
	for a, v := range scores {
		if v >= p.ScoreThreshold {
			kept = append(kept, int32(a))
		}
	}
	h := nmsHeap{scores: scores, anchors: kept}
	h.init()
	selected := s.selected[:0]
	for len(h.anchors) > 0 && len(selected) < maxDetections {
		a := h.pop()
		s.box(p, a)
		suppressed := false
		for _, b := range selected {
			if intersectionOverUnion(s.boxes, b, a) > p.IoUThreshold {
				suppressed = true
				break
			}
		}
		if !suppressed {
			selected = append(selected, a)
		}
	}
	return selected
}

// nmsHeap is a binary max-heap of anchors by score, ties broken by the
// lower anchor index, so that pops come in TFLite's stable descending
// order.
type nmsHeap struct {
	scores  []float32
	anchors []int32
}

// before reports whether anchor a comes out before anchor b.
func (h *nmsHeap) before(a, b int32) bool {
	sa, sb := h.scores[a], h.scores[b]
	return sa > sb || (sa == sb && a < b)
}

// init orders h.anchors as a heap.
func (h *nmsHeap) init() {
	for i := len(h.anchors)/2 - 1; i >= 0; i-- {
		h.sink(i)
	}
}

// pop removes and returns the first anchor.
func (h *nmsHeap) pop() int32 {
	top := h.anchors[0]
	last := len(h.anchors) - 1
	h.anchors[0] = h.anchors[last]
	h.anchors = h.anchors[:last]
	h.sink(0)
	return top
}

// sink moves the anchor at index i down to its place.
func (h *nmsHeap) sink(i int) {
	n := len(h.anchors)
	for {
		best, l, r := i, 2*i+1, 2*i+2
		if l < n && h.before(h.anchors[l], h.anchors[best]) {
			best = l
		}
		if r < n && h.before(h.anchors[r], h.anchors[best]) {
			best = r
		}
		if best == i {
			return
		}
		h.anchors[i], h.anchors[best] = h.anchors[best], h.anchors[i]
		i = best
	}
}

// intersectionOverUnion is TFLite's ComputeIntersectionOverUnion of decoded
// boxes i and j in float32: 0 when either box has no area.
func intersectionOverUnion(boxes []float32, i, j int32) float32 {
	bi, bj := boxes[4*i:4*i+4], boxes[4*j:4*j+4]
	areaI := float32((bi[2] - bi[0]) * (bi[3] - bi[1]))
	areaJ := float32((bj[2] - bj[0]) * (bj[3] - bj[1]))
	if areaI <= 0 || areaJ <= 0 {
		return 0
	}
	ymin, xmin := max(bi[0], bj[0]), max(bi[1], bj[1])
	ymax, xmax := min(bi[2], bj[2]), min(bi[3], bj[3])
	intersection := float32(maxZero(ymax-ymin) * maxZero(xmax-xmin))
	return intersection / (areaI + areaJ - intersection)
}

// maxZero is std::max<float>(v, 0): v unless v < 0 (a NaN stays NaN).
func maxZero(v float32) float32 {
	if v < 0 {
		return 0
	}
	return v
}

// partialArgSortDesc is TFLite's DecreasingPartialArgSort: it puts in
// order[:k] the indices of the k largest of values (len(order) ==
// len(values)), largest first. For k == 1 it is TFLite's ArgMaxVector, the
// first maximum; otherwise it fills order with 0, 1, … and runs libstdc++'s
// std::partial_sort (a heap select, then a heap sort) with the comparison
// values[a] > values[b], so that ties come out as they do there.
func partialArgSortDesc(values []float32, k int, order []int32) {
	if k == 1 {
		best := 0
		for i := 1; i < len(values); i++ {
			if values[i] > values[best] {
				best = i
			}
		}
		order[0] = int32(best)
		return
	}
	for i := range order {
		order[i] = int32(i)
	}
	if k == 0 {
		return
	}
	h := heap{values: values, idx: order}
	// __heap_select: a heap of the first k with the weakest on top, then
	// every later index that beats the top replaces it.
	for parent := (k - 2) / 2; ; parent-- {
		h.adjust(parent, k, order[parent])
		if parent == 0 {
			break
		}
	}
	for i := k; i < len(order); i++ {
		if h.before(order[i], order[0]) {
			v := order[i]
			order[i] = order[0]
			h.adjust(0, k, v)
		}
	}
	// __sort_heap: repeatedly move the top to the end of the shrinking heap.
	for last := k - 1; last > 0; last-- {
		v := order[last]
		order[last] = order[0]
		h.adjust(0, last, v)
	}
}

// heap is libstdc++'s binary heap over idx ordered by before, the
// comparison std::partial_sort receives.
type heap struct {
	values []float32
	idx    []int32
}

// before is TFLite's comparison: a sorts before b when its value is greater.
func (h heap) before(a, b int32) bool { return h.values[a] > h.values[b] }

// adjust is libstdc++'s __adjust_heap: it sinks the hole at index hole of a
// heap of n entries to a leaf, always following the child that does not
// sort before the other (the right one on ties), and then lifts value from
// there with __push_heap.
func (h heap) adjust(hole, n int, value int32) {
	top := hole
	child := hole
	for child < (n-1)/2 {
		child = 2 * (child + 1)
		if h.before(h.idx[child], h.idx[child-1]) {
			child--
		}
		h.idx[hole] = h.idx[child]
		hole = child
	}
	if n&1 == 0 && child == (n-2)/2 {
		child = 2 * (child + 1)
		h.idx[hole] = h.idx[child-1]
		hole = child - 1
	}
	for parent := (hole - 1) / 2; hole > top && h.before(h.idx[parent], value); parent = (hole - 1) / 2 {
		h.idx[hole] = h.idx[parent]
		hole = parent
	}
	h.idx[hole] = value
}
