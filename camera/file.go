package camera

import (
	"context"
	"fmt"
	"image"
	"image/draw"
	_ "image/gif" // registers GIF for file: and dir: sources
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	_ "golang.org/x/image/bmp" // registers BMP for file: and dir: sources
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

// decodeFile decodes the image at path with the registered decoders.
func decodeFile(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("camera: %w", err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("camera: decoding %s: %w", path, err)
	}
	if b := img.Bounds(); b.Dx() <= 0 || b.Dy() <= 0 {
		return nil, fmt.Errorf("camera: %s has no pixels", path)
	}
	return img, nil
}

// imageListSource yields decoded images from a list of files: file: is a
// list of one, dir: the matches of a glob.
type imageListSource struct {
	paths  []string
	loop   bool
	pace   pacer
	next   int // index into paths of the next image
	seq    uint64
	packer rgbPacker
	frame  Frame
	closed bool
}

func openFile(path string, opts Options) (Source, error) {
	if path == "" {
		return nil, fmt.Errorf("camera: file: needs a path such as file:photo.jpg")
	}
	src := &imageListSource{paths: []string{path}, loop: opts.Loop, pace: newPacer(opts.Rate)}
	// Decode now, once: a missing or broken file fails Open, and every
	// repetition of a looped file reuses the pixels.
	if err := src.load(path); err != nil {
		return nil, err
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
	return &imageListSource{paths: paths, loop: opts.Loop, pace: newPacer(opts.Rate)}, nil
}

// Next decodes the next image. A file that fails to decode returns an error
// naming it; the following call moves on to the next file.
func (s *imageListSource) Next(ctx context.Context) (*Frame, error) {
	if s.closed {
		return nil, ErrClosed
	}
	if s.next == len(s.paths) {
		if !s.loop {
			return nil, io.EOF
		}
		s.next = 0
	}
	if err := s.pace.wait(ctx); err != nil {
		return nil, err
	}
	path := s.paths[s.next]
	s.next++
	if len(s.paths) > 1 || s.frame.Data == nil {
		if err := s.load(path); err != nil {
			return nil, err
		}
	}
	s.frame.Time = time.Now()
	s.frame.Seq = s.seq
	s.seq++
	return &s.frame, nil
}

// load decodes path into the source's frame.
func (s *imageListSource) load(path string) error {
	s.frame.Data = nil // a failed decode leaves no stale pixels behind
	img, err := decodeFile(path)
	if err != nil {
		return err
	}
	data, width, height := s.packer.pack(img)
	s.frame = Frame{Data: data, Width: width, Height: height, Stride: 3 * width, Format: RGB}
	return nil
}

// Close ends the source.
func (s *imageListSource) Close() error {
	s.closed = true
	return nil
}
