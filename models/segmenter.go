package models

import (
	"cmp"
	"context"
	"fmt"
	"image"
	"math"
	"slices"

	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// MaxSegmentClasses is the most classes a Segmenter handles: a category
// mask holds one byte per pixel, as TFLite's Task Library's does.
const MaxSegmentClasses = 256

// SegmenterOutput says what a segmentation model outputs per pixel (see
// Segmenter.Output).
type SegmenterOutput string

// The outputs a Segmenter reads.
const (
	// SegmentClassMap is a class index per pixel, [1, H, W] of INT32 or
	// INT64, as a model ending in ARG_MAX writes it. It has no confidences.
	SegmentClassMap SegmenterOutput = "class map"
	// SegmentScores is a score per class and pixel, [1, H, W, C] with C ≥ 2
	// of UINT8, INT8 (quantized per tensor) or FLOAT32; a pixel's class is
	// its highest score, the first on a tie.
	SegmentScores SegmenterOutput = "scores"
	// SegmentSigmoid is one foreground score per pixel, [1, H, W, 1]: class
	// 1 (foreground) where the probability is above 0.5, class 0
	// (background) elsewhere.
	SegmentSigmoid SegmenterOutput = "sigmoid"
)

// SegmentClass is one class present in a Segmentation.
type SegmentClass struct {
	// Class is the class index as the model numbers it; label i of the
	// label file names class i.
	Class  int    `json:"class"`
	Label  string `json:"label"`  // the class's name, "" when unknown
	Pixels int    `json:"pixels"` // how many pixels of the image are of this class
}

// Segmentation is what a Segmenter finds in one image. A caller that passes
// the same Segmentation to every SegmentInto call allocates nothing once it
// has seen the largest image.
type Segmentation struct {
	// Width and Height are the image's size (its Bounds().Dx() and Dy()).
	Width, Height int
	// Mask is the category mask: the class index of every pixel of the
	// image, Width×Height bytes, row after row from the top left of the
	// image's bounds (pixel (x, y) of the bounds' origin is
	// Mask[y*Width+x]). The model's output grid is stretched over the whole
	// image, as its input was, and each image pixel takes the class of the
	// output cell its centre falls in.
	Mask []uint8
	// Classes lists the classes present in Mask, most pixels first (lower
	// class first on a tie).
	Classes []SegmentClass
	// WithConfidence, set by the caller, asks SegmentInto to fill
	// Confidence. It is ignored for models that output a class map.
	WithConfidence bool
	// Confidence holds, when asked for and the model outputs scores, one
	// mask per class at the model's output size, ConfidenceWidth ×
	// ConfidenceHeight values row after row: the class's dequantized score
	// (for SegmentSigmoid, 1−p for class 0 and p for class 1). It covers
	// the whole image, stretched; ConfidenceAt reads it at an image pixel.
	// Nil otherwise.
	Confidence                        [][]float32
	ConfidenceWidth, ConfidenceHeight int
}

// ClassCount returns how many pixels of Mask are of class c.
func (s *Segmentation) ClassCount(c int) int {
	for _, k := range s.Classes {
		if k.Class == c {
			return k.Pixels
		}
	}
	return 0
}

// ConfidenceAt returns class c's confidence at pixel (x, y) of the image
// (relative to its bounds' origin), read from the output cell the pixel's
// centre falls in, and false when there is no confidence mask for c or
// (x, y) is outside the image.
func (s *Segmentation) ConfidenceAt(c, x, y int) (float32, bool) {
	if c < 0 || c >= len(s.Confidence) || x < 0 || y < 0 || x >= s.Width || y >= s.Height {
		return 0, false
	}
	cx, cy := cell(x, s.Width, s.ConfidenceWidth), cell(y, s.Height, s.ConfidenceHeight)
	return s.Confidence[c][cy*s.ConfidenceWidth+cx], true
}

// cell is the index, among n cells stretched over size pixels, of the cell
// pixel p's centre falls in: floor((p+½)·n/size).
func cell(p, size, n int) int {
	return min((2*p+1)*n/(2*size), n-1)
}

// Segmenter labels every pixel of an image with a semantic segmentation
// model (DeepLab and the like): its one output is a class map (a model
// ending in ARG_MAX), a score per class, or one sigmoid channel (see
// SegmenterOutput and CheckTask). Images are resized to the model's input
// as a whole, as TFLite's Task Library does. Its calls are serialized: a
// Segmenter runs one image at a time whatever the number of goroutines
// calling it (use a SegmenterPool to run several at once).
//
// Options.MinScore and MaxResults do not apply.
//
// Close it when done. It keeps what it needs of the model, so the model
// may be closed first; every call after Close returns an error wrapping
// ErrClosed.
type Segmenter struct {
	s       *session
	out     *nn.Tensor
	kind    SegmenterOutput
	classes int // number of classes, at most MaxSegmentClasses
	oh, ow  int // the output grid
	// threshold is SegmentSigmoid's: a quantized output value above it
	// (or a float above it) is foreground.
	threshold float32
	logits    bool // SegmentSigmoid's output is a logit, not a probability

	grid       []uint8 // the class of every output cell
	cols, rows []int   // the output cell of every image column and row
	counts     [MaxSegmentClasses]int
}

// NewSegmenter prepares a segmenter for m. It fails, naming what it found,
// when m is not a segmentation model (see CheckTask), when the labels do
// not name as many classes as the model has, when opts are out of range
// (see Options.Validate), or when percept cannot run one of m's operators
// (an error wrapping nn.ErrUnsupported).
//
// A score model's classes are its channels; a class map's, the channels of
// the ARG_MAX input, else the labels, else MaxSegmentClasses. A sigmoid
// model has two, named "background" and "foreground" unless labels say
// otherwise. Labels must name every class; lines past the model's classes
// are dropped, as label files carry notes after the names (Coral's PASCAL
// VOC labels end with one).
func NewSegmenter(m *tflite.Model, opts *Options) (*Segmenter, error) {
	s, err := newSession(m, opts, TaskSegmenter)
	if err != nil {
		return nil, err
	}
	seg, err := newSegmenter(s)
	if err != nil {
		s.close()
		return nil, fmt.Errorf("models: %s: %w", TaskSegmenter, err)
	}
	return seg, nil
}

// newSegmenter binds the output the signature check found.
func newSegmenter(s *session) (*Segmenter, error) {
	m := s.it.Model()
	sig, err := segmenterSignature(m)
	if err != nil {
		return nil, err
	}
	out := s.it.Output(0)
	g := &Segmenter{s: s, out: out, kind: sig.kind, oh: sig.height, ow: sig.width, classes: sig.classes}
	cells := g.oh * g.ow
	if out.NumElements() != cells*max(sig.channels, 1) {
		return nil, fmt.Errorf("output %v does not hold the %d×%d grid the model declares", out, g.ow, g.oh)
	}
	switch g.kind {
	case SegmentClassMap:
		if g.classes == 0 {
			g.classes = MaxSegmentClasses
			if n := labelCount(s.labels); n > 0 {
				g.classes = n
			}
		}
	case SegmentSigmoid:
		g.classes = 2
		if s.labels == nil {
			s.labels = Labels{0: "background", 1: "foreground"}
		}
		g.logits = !outputsProbabilities(m)
		var p float32 = 0.5
		if g.logits {
			p = 0
		}
		g.threshold = p
		if out.Type != tflite.TypeFloat32 {
			// q > zp + p/scale ⇔ (q − zp)·scale > p, with scale > 0.
			g.threshold = float32(out.ZeroPoint()) + p/out.Scale()
		}
	}
	if g.classes > MaxSegmentClasses {
		return nil, fmt.Errorf("the model has %d classes; a category mask holds at most %d", g.classes, MaxSegmentClasses)
	}
	switch n := labelCount(s.labels); {
	case n > 0 && n < g.classes:
		return nil, fmt.Errorf("the labels name %d classes (indices 0 to %d) but the model has %d", n, n-1, g.classes)
	case n > g.classes:
		s.labels = firstLabels(s.labels, g.classes)
	}
	g.grid = make([]uint8, cells)
	return g, nil
}

// firstLabels returns the labels of classes 0 to n−1.
func firstLabels(labels Labels, n int) Labels {
	kept := make(Labels, n)
	for i, l := range labels {
		if i < n {
			kept[i] = l
		}
	}
	return kept
}

// labelCount is the number of classes labels name: their highest index
// plus one (0 for none).
func labelCount(labels Labels) int {
	n := 0
	for i := range labels {
		n = max(n, i+1)
	}
	return n
}

// Output says what the model outputs per pixel.
func (g *Segmenter) Output() SegmenterOutput { return g.kind }

// NumClasses is the number of classes the model tells apart; a mask's
// values are below it.
func (g *Segmenter) NumClasses() int { return g.classes }

// Segment labels every pixel of img. It gives up between operators when
// ctx is done, returning ctx.Err(). A nil image, an image with no pixels
// and an image over Options.MaxPixels are errors.
func (g *Segmenter) Segment(ctx context.Context, img image.Image) (*Segmentation, error) {
	dst := &Segmentation{}
	if err := g.SegmentInto(ctx, dst, img); err != nil {
		return nil, err
	}
	return dst, nil
}

// SegmentInto is Segment writing into dst, reusing its storage: a caller
// that passes the same dst every time allocates nothing once dst has held
// the largest image. dst.WithConfidence asks for the confidence masks. On
// error dst is left with no pixels and no classes.
func (g *Segmenter) SegmentInto(ctx context.Context, dst *Segmentation, img image.Image) error {
	if dst == nil {
		return fmt.Errorf("%s: nil Segmentation", TaskSegmenter)
	}
	dst.Width, dst.Height, dst.Mask, dst.Classes = 0, 0, dst.Mask[:0], dst.Classes[:0]
	g.s.mu.Lock()
	defer g.s.mu.Unlock()
	if err := g.s.run(ctx, img); err != nil {
		return err
	}
	if err := g.classify(); err != nil {
		return fmt.Errorf("%s: %w", TaskSegmenter, err)
	}
	b := img.Bounds()
	g.fillMask(dst, b.Dx(), b.Dy())
	dst.Confidence, dst.ConfidenceWidth, dst.ConfidenceHeight = dst.Confidence[:0], 0, 0
	if dst.WithConfidence && g.kind != SegmentClassMap {
		g.fillConfidence(dst)
	}
	return nil
}

// classify writes the class of every output cell into g.grid.
func (g *Segmenter) classify() error {
	switch g.kind {
	case SegmentClassMap:
		if g.out.Type == tflite.TypeInt64 {
			return classMap(g.grid, g.out.Int64s(), g.classes)
		}
		return classMap(g.grid, g.out.Int32s(), g.classes)
	case SegmentSigmoid:
		switch g.out.Type {
		case tflite.TypeUint8:
			foreground(g.grid, g.out.Uint8s(), g.threshold)
		case tflite.TypeInt8:
			foreground(g.grid, g.out.Int8s(), g.threshold)
		default:
			foreground(g.grid, g.out.Float32s(), g.threshold)
		}
	default:
		switch g.out.Type {
		case tflite.TypeUint8:
			argmax(g.grid, g.out.Uint8s(), g.classes)
		case tflite.TypeInt8:
			argmax(g.grid, g.out.Int8s(), g.classes)
		default:
			argmax(g.grid, g.out.Float32s(), g.classes)
		}
	}
	return nil
}

// classMap copies a model's class indices, refusing one outside [0, n).
func classMap[T int32 | int64](grid []uint8, v []T, n int) error {
	for i, c := range v {
		if c < 0 || c >= T(n) {
			return fmt.Errorf("the model output class %d at cell %d, outside [0, %d)", c, i, n)
		}
		grid[i] = uint8(c)
	}
	return nil
}

// foreground marks the cells whose value is above threshold.
func foreground[T uint8 | int8 | float32](grid []uint8, v []T, threshold float32) {
	for i, x := range v {
		grid[i] = 0
		if float32(x) > threshold {
			grid[i] = 1
		}
	}
}

// argmax writes the index of each cell's highest score, the first on a
// tie (TFLite's ARG_MAX). A NaN loses to any number.
func argmax[T uint8 | int8 | float32](grid []uint8, v []T, n int) {
	for i := range grid {
		scores := v[i*n : i*n+n]
		best := 0
		for c := 1; c < n; c++ {
			if scores[c] > scores[best] || math.IsNaN(float64(scores[best])) {
				best = c
			}
		}
		grid[i] = uint8(best)
	}
}

// fillMask stretches g.grid over a w×h image into dst.Mask and counts the
// classes.
func (g *Segmenter) fillMask(dst *Segmentation, w, h int) {
	g.cols = cells(g.cols, w, g.ow)
	g.rows = cells(g.rows, h, g.oh)
	dst.Width, dst.Height = w, h
	dst.Mask = grow(dst.Mask, w*h)
	clear(g.counts[:])
	for y, r := range g.rows {
		src, out := g.grid[r*g.ow:(r+1)*g.ow], dst.Mask[y*w:(y+1)*w]
		for x, c := range g.cols {
			out[x] = src[c]
			g.counts[src[c]]++
		}
	}
	for c, n := range g.counts[:g.classes] {
		if n > 0 {
			dst.Classes = append(dst.Classes, SegmentClass{Class: c, Label: g.s.labels[c], Pixels: n})
		}
	}
	slices.SortFunc(dst.Classes, func(a, b SegmentClass) int {
		return cmp.Or(cmp.Compare(b.Pixels, a.Pixels), cmp.Compare(a.Class, b.Class))
	})
}

// cells returns, for each of size pixels, the index of the cell its centre
// falls in among n, reusing dst.
func cells(dst []int, size, n int) []int {
	dst = grow(dst, size)
	for p := range dst {
		dst[p] = cell(p, size, n)
	}
	return dst
}

// grow returns s resized to n, reallocated only when its capacity is short.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// fillConfidence writes the dequantized scores as one mask per class.
func (g *Segmenter) fillConfidence(dst *Segmentation) {
	cells := g.oh * g.ow
	dst.ConfidenceWidth, dst.ConfidenceHeight = g.ow, g.oh
	dst.Confidence = grow(dst.Confidence, g.classes)
	for c := range dst.Confidence {
		dst.Confidence[c] = grow(dst.Confidence[c], cells)
	}
	scale, zero := g.out.Scale(), float32(g.out.ZeroPoint())
	channels := g.classes
	if g.kind == SegmentSigmoid {
		channels = 1
	}
	value := func(i int) float32 {
		switch g.out.Type {
		case tflite.TypeUint8:
			return (float32(g.out.Uint8s()[i]) - zero) * scale
		case tflite.TypeInt8:
			return (float32(g.out.Int8s()[i]) - zero) * scale
		}
		return g.out.Float32s()[i]
	}
	for i := range cells {
		if g.kind == SegmentSigmoid {
			p := value(i)
			if g.logits {
				p = float32(1 / (1 + math.Exp(-float64(p))))
			}
			dst.Confidence[0][i], dst.Confidence[1][i] = 1-p, p
			continue
		}
		for c := range channels {
			dst.Confidence[c][i] = value(i*channels + c)
		}
	}
}

// Input describes how images are prepared for the model. Like Labels, it
// is plain data and stays available after Close.
func (g *Segmenter) Input() InputSpec { return g.s.loader.spec }

// Labels returns the class names (index i names class i). It stays
// available after Close.
func (g *Segmenter) Labels() Labels { return g.s.labels }

// Close waits for a call in flight, then stops the segmenter's worker
// threads and releases its hold on the model. Later calls return an error
// wrapping ErrClosed; Close itself may be called again and returns nil.
func (g *Segmenter) Close() error { return g.s.close() }

// Interpreter gives access to the underlying interpreter, for raw tensors
// and profiling. It must not be invoked while the Segmenter is in use, and
// is closed with it.
func (g *Segmenter) Interpreter() *nn.Interpreter { return g.s.it }

// segmentSignature is what segmenterSignature finds.
type segmentSignature struct {
	kind          SegmenterOutput
	height, width int
	channels      int // score channels; 0 for a class map
	classes       int // 0 when a class map's producer does not say
}

// segmenterSignature checks the input and the one per-pixel output.
func segmenterSignature(m *tflite.Model) (segmentSignature, error) {
	if err := imageInput(m); err != nil {
		return segmentSignature{}, err
	}
	sg := &m.Subgraphs[0]
	const want = "a segmenter needs one output: a class map [1, H, W] of INT32 or INT64 (ARG_MAX), " +
		"or scores [1, H, W, C] of UINT8, INT8 or FLOAT32"
	if len(sg.Outputs) != 1 {
		return segmentSignature{}, fmt.Errorf("it has %s (%s); %s", count(len(sg.Outputs), "output"), describe(sg, sg.Outputs), want)
	}
	t := &sg.Tensors[sg.Outputs[0]]
	bad := func(why string) (segmentSignature, error) {
		return segmentSignature{}, fmt.Errorf("its output %s %s; %s", describe(sg, sg.Outputs), why, want)
	}
	s := t.Shape
	if (len(s) != 3 && len(s) != 4) || s[0] != 1 || s[1] < 1 || s[2] < 1 || (len(s) == 4 && s[3] < 1) {
		return bad("is not a grid [1, H, W] or [1, H, W, C]")
	}
	in := sg.Tensors[sg.Inputs[0]].Shape // [1, height, width, channels]: imageInput checked it
	if s[1] < 2 || s[2] < 2 || abs(int64(s[1])*int64(in[2])-int64(s[2])*int64(in[1])) > int64(max(in[1], in[2])) {
		return bad(fmt.Sprintf("is not a grid of at least 2×2 cells with the input's aspect ratio (%d×%d)", in[2], in[1]))
	}
	sig := segmentSignature{height: int(s[1]), width: int(s[2])}
	switch t.Type {
	case tflite.TypeInt32, tflite.TypeInt64:
		if len(s) == 4 && s[3] != 1 {
			return bad("has integer values but more than one channel")
		}
		sig.kind = SegmentClassMap
		sig.classes = argMaxClasses(m, sg, sg.Outputs[0])
		return sig, nil
	case tflite.TypeUint8, tflite.TypeInt8:
		if q := t.Quantization; q == nil || len(q.Scale) != 1 || !(q.Scale[0] > 0) {
			return bad("has no per-tensor quantization scale to turn it into scores")
		}
	case tflite.TypeFloat32:
	default:
		return bad("is " + t.Type.String())
	}
	if len(s) == 3 {
		return bad("has scores but no channel dimension")
	}
	sig.channels = int(s[3])
	sig.kind, sig.classes = SegmentScores, sig.channels
	if sig.channels == 1 {
		sig.kind, sig.classes = SegmentSigmoid, 2
	}
	if sig.classes > MaxSegmentClasses {
		return bad(fmt.Sprintf("has %d classes, more than a category mask's %d", sig.classes, MaxSegmentClasses))
	}
	return sig, nil
}

// argMaxClasses is the number of classes of a class map written by an
// ARG_MAX over the channels (the last axis) of a [1, H, W, C] tensor, or 0
// when idx does not come from one.
func argMaxClasses(m *tflite.Model, sg *tflite.Subgraph, idx int32) int {
	op := producer(sg, idx)
	if op == nil || int(op.OpcodeIndex) >= len(m.OperatorCodes) || m.OperatorCodes[op.OpcodeIndex].Builtin != tflite.OpArgMax ||
		len(op.Inputs) == 0 || op.Inputs[0] < 0 || int(op.Inputs[0]) >= len(sg.Tensors) {
		return 0
	}
	in, out := sg.Tensors[op.Inputs[0]].Shape, sg.Tensors[idx].Shape
	if len(in) != 4 || in[3] < 1 || len(out) < 3 || in[1] != out[1] || in[2] != out[2] {
		return 0
	}
	return int(in[3])
}

// abs is |v|.
func abs(v int64) int64 { return max(v, -v) }
