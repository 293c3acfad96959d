package camera

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Options tune a source opened by Open. Zero values pick defaults.
type Options struct {
	// Width and Height are the requested camera frame size (default: the
	// device's current size) and the size of the test pattern (default
	// 640×480). Image files keep their own size.
	Width, Height int
	// FPS is the frame rate requested from a camera (0 = the driver's).
	FPS float64
	// Format is the preferred camera pixel format, YUYV or MJPEG; the
	// other one is tried when the camera refuses it (default YUYV).
	Format PixelFormat
	// Loop restarts file: and dir: sources at their end instead of
	// returning io.EOF.
	Loop bool
	// Rate paces file:, dir: and test: sources to this many frames per
	// second (0 = as fast as they are read). An unpaced file: or dir:
	// source yields a new image as soon as the previous one is read, so
	// behind Latest (which keeps only the newest frame) most images of a
	// directory are decoded and dropped unseen by a slower consumer: read
	// such a source directly to see every image, or pace it at a rate the
	// consumer keeps up with.
	Rate float64
	// MaxPixels is the largest image, in pixels, that file: and dir:
	// sources decode and that Frame.Image decodes from an MJPEG camera's
	// frames (0: DefaultMaxPixels). The image header is checked first, so
	// a small file that declares a huge image is refused before its pixels
	// are allocated. A file: source over the limit fails at Open; a dir:
	// source skips the file (see ErrSkipped).
	MaxPixels int
	// StallTimeout is how long a camera (v4l2:, camera:) may deliver no
	// frame, without reporting an error, before Next fails with an error
	// wrapping ErrStalled, which Reconnecting answers by reopening it.
	// 0: the longer of DefaultStallTimeout and StallIntervals frame
	// intervals at the rate the driver reports; negative: never. Before
	// its first frame a camera gets at least FirstFrameTimeout.
	StallTimeout time.Duration
}

// FirstFrameTimeout is the least time a camera gets, after it starts
// streaming, to deliver its first frame before it counts as stalled: some
// USB cameras take seconds to settle their exposure.
const FirstFrameTimeout = 10 * time.Second

// DefaultStallTimeout is the shortest stall timeout Options.StallTimeout
// picks by itself: a camera changing exposure or a USB hub resetting
// pauses for a moment without having stalled.
const DefaultStallTimeout = 2 * time.Second

// StallIntervals is how many frame intervals without a frame make a stall
// when Options.StallTimeout is 0 and the driver reports its rate.
const StallIntervals = 10

// stallTimeout is the stall timeout a source with the given frame interval
// (0: unknown) uses for the configured value; 0 means never.
func stallTimeout(configured, interval time.Duration) time.Duration {
	switch {
	case configured < 0:
		return 0
	case configured > 0:
		return configured
	}
	return max(DefaultStallTimeout, StallIntervals*interval)
}

// DefaultMaxPixels is the pixel budget of Options.MaxPixels when it is
// zero: 50 megapixels, above any camera or phone photo, far below the
// gigapixels a decompression bomb declares (an RGBA image of 50 MP takes
// 200 MB).
const DefaultMaxPixels = 50_000_000

// Default test pattern and camera frame size.
const (
	DefaultWidth  = 640
	DefaultHeight = 480
)

// maxDimension bounds requested frame sizes so that a mistyped option
// cannot ask for gigabytes of buffer.
const maxDimension = 1 << 14

func (o Options) size() (width, height int, err error) {
	width, height = o.Width, o.Height
	if width == 0 {
		width = DefaultWidth
	}
	if height == 0 {
		height = DefaultHeight
	}
	if width < 0 || height < 0 || width > maxDimension || height > maxDimension {
		return 0, 0, fmt.Errorf("camera: frame size %d×%d out of range 1..%d", o.Width, o.Height, maxDimension)
	}
	return width, height, nil
}

// maxPixels is the pixel budget o asks for.
func (o Options) maxPixels() int {
	if o.MaxPixels == 0 {
		return DefaultMaxPixels
	}
	return o.MaxPixels
}

func (o Options) validate() error {
	if o.MaxPixels < 0 {
		return fmt.Errorf("camera: negative MaxPixels %d", o.MaxPixels)
	}
	if o.Rate < 0 {
		return fmt.Errorf("camera: negative Rate %g", o.Rate)
	}
	if o.FPS < 0 {
		return fmt.Errorf("camera: negative FPS %g", o.FPS)
	}
	_, _, err := o.size()
	return err
}

// Open opens the frame source named by spec:
//
//	file:PATH      one image (JPEG, PNG, GIF or BMP) as RGB; Loop repeats it
//	dir:GLOB       the images matching GLOB (or every file of a directory) in lexical order
//	v4l2:/dev/videoN  a Linux V4L2 camera, streaming YUYV or MJPEG
//	camera:N       the same as v4l2:/dev/videoN
//	test:          a synthetic moving pattern of Width×Height RGB frames
//	gocv:URL|INDEX an OpenCV capture (only in builds with the gocv tag)
func Open(spec string, opts Options) (Source, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	scheme, rest, found := strings.Cut(spec, ":")
	if !found {
		return nil, fmt.Errorf("camera: source %q has no scheme (want file:, dir:, v4l2:, camera:, test: or gocv:)", spec)
	}
	switch scheme {
	case "file":
		return openFile(rest, opts)
	case "dir":
		return openDir(rest, opts)
	case "v4l2":
		if rest == "" {
			return nil, errors.New("camera: v4l2: needs a device path such as v4l2:/dev/video0")
		}
		return openV4L2(rest, opts)
	case "camera":
		index, err := strconv.Atoi(rest)
		if err != nil || index < 0 {
			return nil, fmt.Errorf("camera: camera:%s is not a camera index (want camera:0, camera:1, ...)", rest)
		}
		return openV4L2("/dev/video"+strconv.Itoa(index), opts)
	case "test":
		return openPattern(opts)
	case "gocv":
		if rest == "" {
			return nil, errors.New("camera: gocv: needs a URL, file or device index")
		}
		return openGoCV(rest, opts)
	default:
		return nil, fmt.Errorf("camera: unknown source scheme %q in %q (want file:, dir:, v4l2:, camera:, test: or gocv:)", scheme, spec)
	}
}
