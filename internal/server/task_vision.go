package server

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"slices"
	"strings"
	"sync"

	"github.com/percept-robotics/percept/internal/annotate"
	"github.com/percept-robotics/percept/models"
)

// Segmenter labels every pixel of images. Segment is called from many
// goroutines at once and returns a Segmentation the caller keeps;
// *models.SegmenterPool is one.
type Segmenter interface {
	// Segment returns the category mask of img and the classes in it,
	// giving up when ctx is done.
	Segment(ctx context.Context, img image.Image) (*models.Segmentation, error)
}

// SegmentTask runs s: each result is a SegmentResult, the classes in view
// with their pixel counts and a small picture of the category mask.
func SegmentTask(s Segmenter) Task { return segmentTask{s} }

type segmentTask struct{ s Segmenter }

func (segmentTask) Name() string   { return "segment" }
func (segmentTask) info() TaskInfo { return TaskInfo{Task: "segment"} }
func (t segmentTask) check() error { return nilModel(t.s == nil, "SegmentTask") }
func (t segmentTask) run(ctx context.Context, img image.Image) (output, error) {
	seg, err := t.s.Segment(ctx, img)
	if err != nil {
		return nil, err
	}
	return newSegmentation(seg)
}

// maskSide bounds the longer side of the mask sent with each result: the
// page stretches it over the frame, and 256 pixels keep a PNG of a few
// kilobytes, small enough to travel in every event.
const maskSide = 256

// maskEncoder encodes the masks, reusing its compressor's state (about a
// megabyte) from frame to frame.
var maskEncoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &pngBuffers{}}

// pngBuffers keeps png.Encoder's buffers between calls.
type pngBuffers struct{ pool sync.Pool }

func (p *pngBuffers) Get() *png.EncoderBuffer {
	b, _ := p.pool.Get().(*png.EncoderBuffer)
	return b
}

func (p *pngBuffers) Put(b *png.EncoderBuffer) { p.pool.Put(b) }

// maskAlpha is the opacity of a class's colour over the frame.
const maskAlpha = 140

// SegmentResult is the segmentation of one image: the classes `percept
// segment -json` lists with the image's size and a reduced mask, the body
// of POST /api/segment.
type SegmentResult struct {
	Task    string                `json:"task"`    // "segment"
	Image   string                `json:"image"`   // where the image came from
	Width   int                   `json:"width"`   // image width in pixels
	Height  int                   `json:"height"`  // image height in pixels
	Classes []models.SegmentClass `json:"classes"` // the classes present, most pixels first
	Mask    Mask                  `json:"mask"`
}

// Mask is a segmentation's category mask reduced to at most 256 pixels a
// side (nearest neighbour), as an 8-bit paletted PNG: each pixel's palette
// index is its class, and palette entry i holds class i's colour of the
// live view, translucent, or nothing for a background class (labelled
// "background", or class 0 of a model without labels). Stretched over the
// image, it is the live view's overlay.
type Mask struct {
	Width  int    `json:"width"`  // the PNG's width
	Height int    `json:"height"` // the PNG's height
	PNG    []byte `json:"png"`    // the PNG, base64 in JSON
}

// segmentation is the output of SegmentTask.
type segmentation struct {
	seg     *models.Segmentation
	classes []models.SegmentClass
	colours color.Palette // by class
	mask    Mask
}

// newSegmentation makes the output of seg, encoding its reduced mask.
func newSegmentation(seg *models.Segmentation) (*segmentation, error) {
	s := &segmentation{seg: seg, classes: nonNil(seg.Classes), colours: maskPalette(seg.Classes)}
	w, h := seg.Width, seg.Height
	if w > maskSide || h > maskSide {
		if w >= h {
			w, h = maskSide, max(1, (h*maskSide+seg.Width/2)/seg.Width)
		} else {
			w, h = max(1, (w*maskSide+seg.Height/2)/seg.Height), maskSide
		}
	}
	small := image.NewPaletted(image.Rect(0, 0, w, h), s.colours)
	for y := range h {
		sy := (2*y + 1) * seg.Height / (2 * h) // the source row under the centre of row y
		for x := range w {
			small.Pix[y*small.Stride+x] = seg.Mask[sy*seg.Width+(2*x+1)*seg.Width/(2*w)]
		}
	}
	var buf bytes.Buffer
	if err := maskEncoder.Encode(&buf, small); err != nil {
		return nil, err
	}
	s.mask = Mask{Width: w, Height: h, PNG: buf.Bytes()}
	return s, nil
}

// maskPalette gives each of the 256 classes a mask has room for its
// colour at maskAlpha (premultiplied, as color.RGBA is), and the
// background classes among classes nothing.
func maskPalette(classes []models.SegmentClass) color.Palette {
	p := slices.Clone(classPalette)
	for _, c := range classes {
		if strings.EqualFold(c.Label, "background") || (c.Class == 0 && c.Label == "") {
			p[c.Class] = transparent
		}
	}
	return p
}

// classPalette is every class's colour at maskAlpha.
var classPalette = func() color.Palette {
	p := make(color.Palette, models.MaxSegmentClasses)
	for i := range p {
		c := classColour(i)
		p[i] = color.RGBA{premultiply(c.R), premultiply(c.G), premultiply(c.B), maskAlpha}
	}
	return p
}()

// transparent is the background's entry of a mask palette.
var transparent color.Color = color.RGBA{}

func premultiply(v uint8) uint8 { return uint8((int(v)*maskAlpha + 127) / 255) }

func (s *segmentation) value(name string, width, height int, f *frameInfo) any {
	r := SegmentResult{Task: "segment", Image: name, Width: width, Height: height, Classes: s.classes, Mask: s.mask}
	if f == nil {
		return r
	}
	return struct {
		SegmentResult
		frameInfo
	}{r, *f}
}

// annotate blends each pixel's class colour over the frame, as the page
// does with the mask, but at the frame's full resolution.
func (s *segmentation) annotate(img *image.RGBA) *image.RGBA {
	out := clone(img)
	b := out.Rect
	if s.seg.Width != b.Dx() || s.seg.Height != b.Dy() {
		return out // not this frame's mask: nothing to draw
	}
	for y := range s.seg.Height {
		row := out.Pix[y*out.Stride:]
		for x, class := range s.seg.Mask[y*s.seg.Width : (y+1)*s.seg.Width] {
			c := s.colours[class].(color.RGBA)
			if c.A == 0 {
				continue
			}
			px := row[4*x : 4*x+4]
			for i, v := range [3]uint8{c.R, c.G, c.B} {
				px[i] = v + uint8((int(px[i])*(255-maskAlpha)+127)/255)
			}
		}
	}
	return out
}

// PoseEstimator finds people's body keypoints. Estimate is called from
// many goroutines at once and returns a slice the caller keeps;
// *models.PoseEstimatorPool is one.
type PoseEstimator interface {
	// Estimate returns the poses in img, giving up when ctx is done.
	Estimate(ctx context.Context, img image.Image) ([]models.Pose, error)
}

// PoseTask runs p: each result is a PoseResult, and the page joins the
// keypoints by models.Skeleton.
func PoseTask(p PoseEstimator) Task { return poseTask{p} }

type poseTask struct{ p PoseEstimator }

func (poseTask) Name() string { return "pose" }
func (poseTask) info() TaskInfo {
	return TaskInfo{Task: "pose", Skeleton: models.Skeleton[:]}
}
func (t poseTask) check() error { return nilModel(t.p == nil, "PoseTask") }
func (t poseTask) run(ctx context.Context, img image.Image) (output, error) {
	poses, err := t.p.Estimate(ctx, img)
	return posesOutput(nonNil(poses)), err
}

// PoseResult is the poses in one image: `percept pose -json`'s line, the
// body of POST /api/pose.
type PoseResult struct {
	Task   string        `json:"task"`   // "pose"
	Image  string        `json:"image"`  // where the image came from
	Width  int           `json:"width"`  // image width in pixels
	Height int           `json:"height"` // image height in pixels
	Poses  []models.Pose `json:"poses"`
}

// minKeypointScore is the score below which a keypoint is not drawn, as
// MoveNet's authors advise (the page has the same).
const minKeypointScore = 0.3

// posesOutput is the output of PoseTask.
type posesOutput []models.Pose

func (p posesOutput) value(name string, width, height int, f *frameInfo) any {
	r := PoseResult{Task: "pose", Image: name, Width: width, Height: height, Poses: p}
	if f == nil {
		return r
	}
	return struct {
		PoseResult
		frameInfo
	}{r, *f}
}

// annotate draws the poses as percept pose -out does.
func (p posesOutput) annotate(img *image.RGBA) *image.RGBA {
	return annotate.DrawPoses(img, p, minKeypointScore)
}

// FaceDetector finds faces. Detect is called from many goroutines at once
// and returns a slice the caller keeps; *models.FaceDetectorPool is one.
type FaceDetector interface {
	// Detect returns the faces in img, giving up when ctx is done.
	Detect(ctx context.Context, img image.Image) ([]models.Face, error)
}

// FaceTask runs f: each result is a FaceResult, boxes and six keypoints.
func FaceTask(f FaceDetector) Task { return faceTask{f} }

type faceTask struct{ f FaceDetector }

func (faceTask) Name() string   { return "faces" }
func (faceTask) info() TaskInfo { return TaskInfo{Task: "faces"} }
func (t faceTask) check() error { return nilModel(t.f == nil, "FaceTask") }
func (t faceTask) run(ctx context.Context, img image.Image) (output, error) {
	faces, err := t.f.Detect(ctx, img)
	return facesOutput(nonNil(faces)), err
}

// FaceResult is the faces in one image: `percept faces -json`'s line, the
// body of POST /api/faces.
type FaceResult struct {
	Task   string        `json:"task"`   // "faces"
	Image  string        `json:"image"`  // where the image came from
	Width  int           `json:"width"`  // image width in pixels
	Height int           `json:"height"` // image height in pixels
	Faces  []models.Face `json:"faces"`  // highest score first
}

// facesOutput is the output of FaceTask.
type facesOutput []models.Face

func (fs facesOutput) value(name string, width, height int, f *frameInfo) any {
	r := FaceResult{Task: "faces", Image: name, Width: width, Height: height, Faces: fs}
	if f == nil {
		return r
	}
	return struct {
		FaceResult
		frameInfo
	}{r, *f}
}

func (fs facesOutput) annotate(img *image.RGBA) *image.RGBA { return annotate.DrawFaces(img, fs) }

// nonNil returns s, or an empty slice when s is nil, so that a result
// with nothing in it is [] in JSON rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
