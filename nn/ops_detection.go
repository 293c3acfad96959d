package nn

import (
	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/tflite"
	"slices"
)

// buildDetectionPostProcess prepares the custom operator
// TFLite_Detection_PostProcess: decode SSD box encodings against the
// model's anchors, then non-maximum suppression. Quantized box encodings
// are dequantized into a float scratch buffer as TFLite does, the
// anchors, being constant, once at build time, and quantized class scores
// only where the kernel reads them.
func buildDetectionPostProcess(b *builder) (*op, error) {
	flex, err := tflite.ParseFlexMap(b.op.CustomOptions)
	if err != nil {
		return nil, b.errorf("custom options: %v", err)
	}
	intOpt := func(key string, def int64) int {
		if v, ok := flex.Int(key); ok {
			return int(v)
		}
		return int(def)
	}
	floatOpt := func(key string) float32 {
		v, _ := flex.Float(key)
		return float32(v)
	}
	regular, _ := flex.Bool("use_regular_nms")
	p := kernels.DetectionParams{
		MaxDetections:          intOpt("max_detections", 0),
		MaxClassesPerDetection: intOpt("max_classes_per_detection", 1),
		DetectionsPerClass:     intOpt("detections_per_class", 100),
		NumClasses:             intOpt("num_classes", 0),
		ScoreThreshold:         floatOpt("nms_score_threshold"),
		IoUThreshold:           floatOpt("nms_iou_threshold"),
		YScale:                 floatOpt("y_scale"),
		XScale:                 floatOpt("x_scale"),
		HScale:                 floatOpt("h_scale"),
		WScale:                 floatOpt("w_scale"),
		UseRegularNMS:          regular,
	}
	if p.MaxDetections > 1<<16 || p.MaxClassesPerDetection > 1<<16 {
		return nil, b.errorf("invalid options: %+v", p)
	}
	boxes, err := b.input(0)
	if err != nil {
		return nil, err
	}
	scores, err := b.input(1)
	if err != nil {
		return nil, err
	}
	anchorsT, err := b.input(2)
	if err != nil {
		return nil, err
	}
	if len(boxes.Shape) != 3 || boxes.Shape[0] != 1 || boxes.Shape[2] < 4 {
		return nil, b.errorf("box encodings %v must have shape [1, anchors, ≥4]", boxes)
	}
	anchors := boxes.Shape[1]
	if len(scores.Shape) != 3 || scores.Shape[0] != 1 || scores.Shape[1] != anchors {
		return nil, b.errorf("class predictions %v must have shape [1, %d, classes]", scores, anchors)
	}
	columns := scores.Shape[2]
	if !slices.Equal(anchorsT.Shape, []int{anchors, 4}) || !anchorsT.constant {
		return nil, b.unsupportedf("anchors %v must be a constant [%d, 4] tensor", anchorsT, anchors)
	}
	anchorData, err := b.dequantizedConstant(anchorsT)
	if err != nil {
		return nil, err
	}
	if err := p.Validate(anchors, columns, anchorData); err != nil {
		return nil, b.errorf("%v", err)
	}
	outs := make([]*Tensor, 4)
	n := p.OutputSlots()
	shapes := [][]int{{1, n, 4}, {1, n}, {1, n}, {1}}
	for i := range outs {
		if outs[i], err = b.output(i); err != nil {
			return nil, err
		}
		if err := b.expectType(outs[i], tflite.TypeFloat32); err != nil {
			return nil, err
		}
		if err := b.setShape(outs[i], shapes[i]); err != nil {
			return nil, err
		}
	}
	width := boxes.Shape[2]
	boxF := make([]float32, anchors*width)
	readBoxes, err := b.floatReader(boxes, boxF)
	if err != nil {
		return nil, err
	}
	// Only the first four values of each box encoding are used (TFLite
	// allows extra keypoint columns).
	enc := boxF
	if width != 4 {
		enc = make([]float32, anchors*4)
	}
	scratch := kernels.NewDetectionScratch(b.g.it.target, &p, anchors, columns)
	detect, err := detectionScores(b, scores, &p, scratch, enc, anchorData, anchors, columns)
	if err != nil {
		return nil, err
	}
	return &op{run: func() {
		readBoxes()
		if width != 4 {
			for a := range anchors {
				copy(enc[4*a:4*a+4], boxF[width*a:])
			}
		}
		count := detect(outs[0].Float32s(), outs[1].Float32s(), outs[2].Float32s())
		outs[3].Float32s()[0] = float32(count)
	}}, nil
}

// detectionScores returns the kernel call of the operator for its class
// scores t: 8-bit scores go to DetectionPostProcessQ, which dequantizes
// only the scores it needs (the table of a validated, positive scale is
// non-decreasing, as it requires); float scores are read in place.
func detectionScores(b *builder, t *Tensor, p *kernels.DetectionParams, s *kernels.DetectionScratch, enc, anchorData []float32, anchors, columns int) (func(boxes, classes, scores []float32) int, error) {
	switch t.Type {
	case tflite.TypeUint8:
		return detectionScoresQ[uint8](b, t, p, s, enc, anchorData, anchors, columns)
	case tflite.TypeInt8:
		return detectionScoresQ[int8](b, t, p, s, enc, anchorData, anchors, columns)
	}
	if err := b.expectType(t, tflite.TypeFloat32); err != nil {
		return nil, err
	}
	return func(boxes, classes, scores []float32) int {
		return kernels.DetectionPostProcess(p, s, enc, t.Float32s(), anchorData, anchors, columns, boxes, classes, scores)
	}, nil
}

// detectionScoresQ is detectionScores for 8-bit scores of element type T.
func detectionScoresQ[T int8 | uint8](b *builder, t *Tensor, p *kernels.DetectionParams, s *kernels.DetectionScratch, enc, anchorData []float32, anchors, columns int) (func(boxes, classes, scores []float32) int, error) {
	q, err := b.affine(t)
	if err != nil {
		return nil, err
	}
	table := kernels.NewDequantTable[T](q)
	return func(boxes, classes, scores []float32) int {
		return kernels.DetectionPostProcessQ(p, s, enc, viewAs[T](t), table, anchorData, anchors, columns, boxes, classes, scores)
	}, nil
}

// floatReader returns a function that copies t's current data into dst as
// float32, dequantizing uint8 or int8 data as TFLite does.
func (b *builder) floatReader(t *Tensor, dst []float32) (func(), error) {
	switch t.Type {
	case tflite.TypeFloat32:
		return func() { copy(dst, t.Float32s()) }, nil
	case tflite.TypeUint8:
		return dequantReader[uint8](b, t, dst)
	case tflite.TypeInt8:
		return dequantReader[int8](b, t, dst)
	}
	return nil, b.unsupportedf("%v has type %s", t, t.Type)
}

// dequantReader is floatReader for 8-bit data of element type T.
func dequantReader[T int8 | uint8](b *builder, t *Tensor, dst []float32) (func(), error) {
	q, err := b.affine(t)
	if err != nil {
		return nil, err
	}
	table := kernels.NewDequantTable[T](q)
	return func() { kernels.DequantizeLookup(table, viewAs[T](t), dst) }, nil
}

// dequantizedConstant returns a constant tensor's values as float32.
func (b *builder) dequantizedConstant(t *Tensor) ([]float32, error) {
	dst := make([]float32, t.NumElements())
	read, err := b.floatReader(t, dst)
	if err != nil {
		return nil, err
	}
	read()
	return dst, nil
}
