package camera

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/percept-robotics/percept/internal/imagedecode"
)

// rgbPacker turns decoded images into packed RGB bytes, reusing its
// buffers from one image to the next.
type rgbPacker struct {
	scratch *image.RGBA // conversion target for image types without a direct path
	packed  []byte
}

// pack returns img as packed RGB (stride 3·width). The result aliases the
// packer's buffer and is overwritten by the next call. Transparent pixels
// come out composed over black.
func (p *rgbPacker) pack(img image.Image) (data []byte, width, height int) {
	bounds := img.Bounds()
	width, height = bounds.Dx(), bounds.Dy()
	size := 3 * width * height
	if cap(p.packed) < size {
		p.packed = make([]byte, size)
	}
	p.packed = p.packed[:size]

	var rgba *image.RGBA
	origin := image.Point{} // where the image's pixels start in rgba
	switch src := img.(type) {
	case *image.RGBA:
		rgba, origin = src, bounds.Min
	case *image.Gray:
		for y := range height {
			start := src.PixOffset(bounds.Min.X, bounds.Min.Y+y)
			row := src.Pix[start : start+width]
			out := p.packed[3*width*y:]
			for x, v := range row {
				out[3*x], out[3*x+1], out[3*x+2] = v, v, v
			}
		}
		return p.packed, width, height
	default:
		if p.scratch == nil || p.scratch.Rect.Dx() != width || p.scratch.Rect.Dy() != height {
			p.scratch = image.NewRGBA(image.Rect(0, 0, width, height))
		}
		draw.Draw(p.scratch, p.scratch.Rect, img, bounds.Min, draw.Src)
		rgba = p.scratch
	}
	for y := range height {
		start := rgba.PixOffset(origin.X, origin.Y+y)
		row := rgba.Pix[start : start+4*width]
		out := p.packed[3*width*y:]
		for x := range width {
			out[3*x], out[3*x+1], out[3*x+2] = row[4*x], row[4*x+1], row[4*x+2]
		}
	}
	return p.packed, width, height
}

// ErrSkipped is wrapped by the error a dir: source's Next returns for a
// file it passes over: one that is not a decodable image or whose header
// declares more than Options.MaxPixels. The source drops the file from
// its list (a looping source reports it once, not on every pass) and goes
// on with the next one: keep calling Next. Latest passes these reports on
// like ErrReconnecting, and Reconnecting does not treat them as outages.
var ErrSkipped = errors.New("camera: file skipped")

// SkipError is the error a dir: source returns for a file it skips. It
// wraps ErrSkipped and the cause (for an oversized image, an
// *ImageTooLargeError naming its dimensions).
type SkipError struct {
	Path    string // the file skipped
	Err     error  // why
	Skipped int    // files this source has skipped so far, this one included
}

// Error names the file and the cause.
func (e *SkipError) Error() string {
	return fmt.Sprintf("camera: skipping %s: %v", e.Path, e.Err)
}

// Unwrap returns ErrSkipped and the cause.
func (e *SkipError) Unwrap() []error { return []error{ErrSkipped, e.Err} }

// ImageTooLargeError reports an image file or MJPEG frame whose header
// declares more pixels than the budget (Options.MaxPixels); it names the
// dimensions. Use errors.As to find it.
type ImageTooLargeError = imagedecode.TooLargeError

// decodeFile decodes the image at path within a budget of maxPixels. Its
// errors do not name the path; the callers do.
func decodeFile(path string, maxPixels int) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			return nil, pathErr.Err // the callers name the path
		}
		return nil, err
	}
	defer f.Close()
	img, _, err := imagedecode.Decode(f, maxPixels)
	return img, err
}

// imageListSource yields decoded images from a list of files: file: is a
// list of one, dir: the matches of a glob.
type imageListSource struct {
	spec      string   // "file:PATH" or "dir:GLOB", for errors
	paths     []string // the files still to show; dir: drops those it skips
	loop      bool
	maxPixels int
	pace      pacer
	paced     bool   // the pacer's wait for the frame being looked for is done
	next      int    // index into paths of the next image
	loaded    string // the path whose pixels the frame holds, "" for none
	seq       uint64
	skipped   int   // files skipped so far
	lastSkip  error // why the last one was skipped
	packer    rgbPacker
	frame     Frame
	closed    bool
}

func openFile(path string, opts Options) (Source, error) {
	if path == "" {
		return nil, fmt.Errorf("camera: file: needs a path such as file:photo.jpg")
	}
	src := &imageListSource{spec: "file:" + path, paths: []string{path}, loop: opts.Loop,
		maxPixels: opts.maxPixels(), pace: newPacer(opts.Rate)}
	// Decode now, once: a missing, broken or oversized file fails Open,
	// and every repetition of a looped file reuses the pixels.
	if err := src.load(path); err != nil {
		return nil, fmt.Errorf("camera: %s: %w", src.spec, err)
	}
	return src, nil
}

func openDir(pattern string, opts Options) (Source, error) {
	if pattern == "" {
		return nil, fmt.Errorf("camera: dir: needs a glob such as dir:frames/*.png")
	}
	if info, err := os.Stat(pattern); err == nil && info.IsDir() {
		pattern = filepath.Join(pattern, "*")
	}
	matches, err := filepath.Glob(pattern)
	if err != nil {
		return nil, fmt.Errorf("camera: dir:%s: %w", pattern, err)
	}
	paths := matches[:0]
	for _, m := range matches {
		if info, err := os.Stat(m); err == nil && info.Mode().IsRegular() {
			paths = append(paths, m)
		}
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("camera: dir:%s matches no files", pattern)
	}
	sort.Strings(paths)
	return &imageListSource{spec: "dir:" + pattern, paths: paths, loop: opts.Loop,
		maxPixels: opts.maxPixels(), pace: newPacer(opts.Rate)}, nil
}

// Next decodes the next image. A dir: source returns a *SkipError for a
// file it cannot decode and moves on to the next file at the following
// call; at the end of a pass in which every remaining file was skipped, it
// fails (rather than loop over nothing).
func (s *imageListSource) Next(ctx context.Context) (*Frame, error) {
	if s.closed {
		return nil, ErrClosed
	}
	if s.next == len(s.paths) {
		if len(s.paths) == 0 {
			// %v, not %w: this is the end, not one more skip to step over.
			return nil, fmt.Errorf("camera: %s: none of its %d files is a decodable image (the last: %v)",
				s.spec, s.skipped, s.lastSkip)
		}
		if !s.loop {
			return nil, io.EOF
		}
		s.next = 0
	}
	// A skipped file costs no frame interval: the wait is done once per
	// frame delivered.
	if !s.paced {
		if err := s.pace.wait(ctx); err != nil {
			return nil, err
		}
		s.paced = true
	}
	path := s.paths[s.next]
	if path != s.loaded {
		if err := s.load(path); err != nil {
			// Only dir: sources get here: a file: source decoded its one
			// image at Open.
			s.paths = slices.Delete(s.paths, s.next, s.next+1)
			s.skipped++
			skip := &SkipError{Path: path, Err: err, Skipped: s.skipped}
			s.lastSkip = skip
			return nil, skip
		}
	}
	s.next++
	s.paced = false
	s.frame.Time = time.Now()
	s.frame.Seq = s.seq
	s.seq++
	return &s.frame, nil
}

// load decodes path into the source's frame.
func (s *imageListSource) load(path string) error {
	s.frame.Data, s.loaded = nil, "" // a failed decode leaves no stale pixels behind
	img, err := decodeFile(path, s.maxPixels)
	if err != nil {
		return err
	}
	data, width, height := s.packer.pack(img)
	s.frame = Frame{Data: data, Width: width, Height: height, Stride: 3 * width, Format: RGB}
	s.loaded = path
	return nil
}

// Close ends the source.
func (s *imageListSource) Close() error {
	s.closed = true
	return nil
}
