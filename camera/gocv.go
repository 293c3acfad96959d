//go:build gocv

package camera

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"gocv.io/x/gocv"

	"github.com/percept-robotics/percept/internal/imagedecode"
)

// gocvSource reads frames through OpenCV's VideoCapture: a device index,
// a video file, a stream URL or a GStreamer pipeline.
type gocvSource struct {
	capture *gocv.VideoCapture
	target  string
	bgr     gocv.Mat // Read's reused destination
	rgb     gocv.Mat // BGR→RGB conversion's reused destination
	isFile  bool     // target is a file on disk: a failed read is its end
	frame   Frame
	pace    pacer
	seq     uint64
	closed  bool
	// maxPixels is the pixel budget of a frame. OpenCV has decoded a
	// frame (an MJPEG one too) before Go sees it: the budget bounds what
	// is converted and copied, and a capture that reports a size over it
	// is refused at open.
	maxPixels int
}

// openGoCV opens target: a non-negative integer is a device index,
// anything else a file, URL or pipeline.
func openGoCV(target string, opts Options) (Source, error) {
	var capture *gocv.VideoCapture
	var err error
	if index, convErr := strconv.Atoi(target); convErr == nil && index >= 0 {
		capture, err = gocv.VideoCaptureDevice(index)
	} else {
		capture, err = gocv.VideoCaptureFile(target)
	}
	if err != nil {
		if capture != nil {
			_ = capture.Close() // the open error is the one to report
		}
		return nil, fmt.Errorf("camera: gocv:%s: %w", target, err)
	}
	if opts.Width > 0 {
		capture.Set(gocv.VideoCaptureFrameWidth, float64(opts.Width))
	}
	if opts.Height > 0 {
		capture.Set(gocv.VideoCaptureFrameHeight, float64(opts.Height))
	}
	if opts.FPS > 0 {
		capture.Set(gocv.VideoCaptureFPS, opts.FPS)
	}
	width, height := int(capture.Get(gocv.VideoCaptureFrameWidth)), int(capture.Get(gocv.VideoCaptureFrameHeight))
	if width > 0 && height > 0 {
		if err := imagedecode.Check("gocv", width, height, opts.maxPixels()); err != nil {
			_ = capture.Close() // the size is the error to report
			return nil, fmt.Errorf("camera: gocv:%s: frame size over the pixel budget: %w", target, err)
		}
	}
	return &gocvSource{
		capture:   capture,
		target:    target,
		isFile:    isRegularFile(target),
		maxPixels: opts.maxPixels(),
		bgr:       gocv.NewMat(),
		rgb:       gocv.NewMat(),
		frame:     Frame{Format: RGB},
		pace:      newPacer(opts.Rate),
	}, nil
}

// Next reads the next frame and converts it to RGB. OpenCV's Read cannot
// be interrupted: ctx is checked before each read only. A failed read is
// io.EOF for a video file and an error for a device or stream (so that
// Reconnecting reopens it).
func (s *gocvSource) Next(ctx context.Context) (*Frame, error) {
	if s.closed {
		return nil, ErrClosed
	}
	if err := s.pace.wait(ctx); err != nil {
		return nil, err
	}
	if !s.capture.Read(&s.bgr) || s.bgr.Empty() {
		if s.isFile {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("camera: gocv:%s: read failed", s.target)
	}
	if s.bgr.Type() != gocv.MatTypeCV8UC3 {
		return nil, fmt.Errorf("camera: gocv:%s: frame has Mat type %v, want 8-bit BGR", s.target, s.bgr.Type())
	}
	if err := imagedecode.Check("gocv", s.bgr.Cols(), s.bgr.Rows(), s.maxPixels); err != nil {
		return nil, fmt.Errorf("camera: gocv:%s: frame %d: %w", s.target, s.seq, err)
	}
	gocv.CvtColor(s.bgr, &s.rgb, gocv.ColorBGRToRGB)
	pixels, err := s.rgb.DataPtrUint8()
	if err != nil {
		return nil, fmt.Errorf("camera: gocv:%s: %w", s.target, err)
	}
	width, height := s.rgb.Cols(), s.rgb.Rows()
	if len(pixels) < 3*width*height {
		return nil, fmt.Errorf("camera: gocv:%s: %d×%d frame has only %d bytes", s.target, width, height, len(pixels))
	}
	// Copy out of OpenCV's memory so that the frame survives Close.
	s.frame.Data = append(s.frame.Data[:0], pixels[:3*width*height]...)
	s.frame.Width, s.frame.Height, s.frame.Stride = width, height, 3*width
	s.frame.Time = time.Now()
	s.frame.Seq = s.seq
	s.seq++
	return &s.frame, nil
}

func isRegularFile(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular()
}

// Close releases the capture and the reused Mats.
func (s *gocvSource) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	// Closing the Mats frees C memory and cannot meaningfully fail.
	_ = s.bgr.Close()
	_ = s.rgb.Close()
	return s.capture.Close()
}
