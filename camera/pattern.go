package camera

import (
	"context"
	"time"
)

// patternSource is the test: source: a white square sliding over a colour
// gradient. Frame n (Seq n) of a W×H pattern is, pixel by pixel:
//
//	background  R = 255·x/(W−1), G = 255·y/(H−1), B = 64  (integer division; 0 when W or H is 1)
//	square      side s = max(1, min(W, H)/4), top-left corner
//	            x0 = 4n mod (W−s+1), y0 = 2n mod (H−s+1), colour (255, 255, 255)
type patternSource struct {
	background []byte // the gradient, rendered once
	frame      Frame
	pace       pacer
	seq        uint64
	closed     bool
}

func openPattern(opts Options) (Source, error) {
	width, height, err := opts.size()
	if err != nil {
		return nil, err
	}
	background := make([]byte, 3*width*height)
	for y := range height {
		for x := range width {
			px := background[3*(y*width+x):]
			px[0] = gradientLevel(x, width)
			px[1] = gradientLevel(y, height)
			px[2] = 64
		}
	}
	return &patternSource{
		background: background,
		frame: Frame{
			Data:   make([]byte, len(background)),
			Width:  width,
			Height: height,
			Stride: 3 * width,
			Format: RGB,
		},
		pace: newPacer(opts.Rate),
	}, nil
}

// gradientLevel is 255·i/(n−1), or 0 for n = 1.
func gradientLevel(i, n int) byte {
	if n == 1 {
		return 0
	}
	return byte(255 * i / (n - 1))
}

// Next renders the next frame of the pattern; it never ends.
func (s *patternSource) Next(ctx context.Context) (*Frame, error) {
	if s.closed {
		return nil, ErrClosed
	}
	if err := s.pace.wait(ctx); err != nil {
		return nil, err
	}
	width, height := s.frame.Width, s.frame.Height
	side := max(1, min(width, height)/4)
	x0 := int(4 * s.seq % uint64(width-side+1))
	y0 := int(2 * s.seq % uint64(height-side+1))

	data := s.frame.Data
	copy(data, s.background)
	for y := y0; y < y0+side; y++ {
		row := data[3*(y*width+x0) : 3*(y*width+x0+side)]
		for i := range row {
			row[i] = 255
		}
	}
	s.frame.Time = time.Now()
	s.frame.Seq = s.seq
	s.seq++
	return &s.frame, nil
}

// Close ends the source.
func (s *patternSource) Close() error {
	s.closed = true
	return nil
}
