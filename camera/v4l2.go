//go:build linux

package camera

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/percept-robotics/percept/internal/imagedecode"
)

// The V4L2 user API of <linux/videodev2.h>, in Go. Every struct below has
// the kernel's size and field offsets on 64-bit and 32-bit Linux; the
// tests check them against the values the C header yields.

// v4l2Capability is struct v4l2_capability (VIDIOC_QUERYCAP).
type v4l2Capability struct {
	driver       [16]byte
	card         [32]byte
	busInfo      [32]byte
	version      uint32
	capabilities uint32 // of the whole physical device
	deviceCaps   uint32 // of this node; valid when capabilities has capDeviceCaps
	reserved     [3]uint32
}

// v4l2PixFormat is struct v4l2_pix_format.
type v4l2PixFormat struct {
	width        uint32
	height       uint32
	pixelFormat  uint32 // fourcc
	field        uint32 // enum v4l2_field
	bytesPerLine uint32
	sizeImage    uint32
	colorspace   uint32
	priv         uint32
	flags        uint32
	ycbcrEnc     uint32
	quantization uint32
	xferFunc     uint32
}

// v4l2Format is struct v4l2_format (VIDIOC_G_FMT, VIDIOC_S_FMT): a type and
// a 200-byte union whose members include pointers (struct v4l2_window), so
// the union is pointer-aligned.
type v4l2Format struct {
	typ uint32
	_   [0]uintptr
	pix v4l2PixFormat
	_   [200 - unsafe.Sizeof(v4l2PixFormat{})]byte
}

// v4l2RequestBuffers is struct v4l2_requestbuffers (VIDIOC_REQBUFS).
type v4l2RequestBuffers struct {
	count        uint32
	typ          uint32
	memory       uint32
	capabilities uint32
	flags        uint8
	reserved     [3]uint8
}

// v4l2Timecode is struct v4l2_timecode.
type v4l2Timecode struct {
	typ      uint32
	flags    uint32
	frames   uint8
	seconds  uint8
	minutes  uint8
	hours    uint8
	userBits [4]uint8
}

// v4l2BufferLocation is the union m of struct v4l2_buffer: __u32 offset,
// unsigned long userptr, struct v4l2_plane *planes, __s32 fd, as wide as
// unsigned long. Only offset, element 0 on any byte order, is used here.
// (An array rather than a struct with a trailing zero-size pad field,
// which Go would pad.)
type v4l2BufferLocation [unsafe.Sizeof(uintptr(0)) / 4]uint32

// v4l2Buffer is struct v4l2_buffer (VIDIOC_QUERYBUF, QBUF, DQBUF). Its
// timestamp is a struct timeval of the native word size: 16 bytes on
// 64-bit, 8 on 32-bit (the kernel's time32 layout, which unix.Timeval has).
type v4l2Buffer struct {
	index     uint32
	typ       uint32
	bytesUsed uint32
	flags     uint32
	field     uint32
	timestamp unix.Timeval
	timecode  v4l2Timecode
	sequence  uint32
	memory    uint32
	m         v4l2BufferLocation
	length    uint32
	reserved2 uint32
	requestFD int32 // union with __u32 reserved
}

// v4l2Fract is struct v4l2_fract.
type v4l2Fract struct {
	numerator   uint32
	denominator uint32
}

// v4l2CaptureParm is struct v4l2_captureparm.
type v4l2CaptureParm struct {
	capability   uint32
	captureMode  uint32
	timePerFrame v4l2Fract
	extendedMode uint32
	readBuffers  uint32
	reserved     [4]uint32
}

// v4l2StreamParm is struct v4l2_streamparm (VIDIOC_S_PARM): a type and a
// 200-byte union of 32-bit fields.
type v4l2StreamParm struct {
	typ     uint32
	capture v4l2CaptureParm
	_       [200 - unsafe.Sizeof(v4l2CaptureParm{})]byte
}

// Constants of <linux/videodev2.h>.
const (
	bufTypeVideoCapture = 1 // V4L2_BUF_TYPE_VIDEO_CAPTURE
	memoryMMAP          = 1 // V4L2_MEMORY_MMAP
	fieldNone           = 1 // V4L2_FIELD_NONE

	capVideoCapture = 0x00000001 // V4L2_CAP_VIDEO_CAPTURE
	capStreaming    = 0x04000000 // V4L2_CAP_STREAMING
	capDeviceCaps   = 0x80000000 // V4L2_CAP_DEVICE_CAPS

	bufFlagError = 0x00000040 // V4L2_BUF_FLAG_ERROR

	videoMaxFrame = 32 // VIDEO_MAX_FRAME, the most buffers a queue holds
)

// fourcc packs four characters as v4l2_fourcc does.
func fourcc(code string) uint32 {
	return uint32(code[0]) | uint32(code[1])<<8 | uint32(code[2])<<16 | uint32(code[3])<<24
}

var (
	pixFmtYUYV  = fourcc("YUYV") // V4L2_PIX_FMT_YUYV
	pixFmtMJPEG = fourcc("MJPG") // V4L2_PIX_FMT_MJPEG
)

// fourccString spells a fourcc for error messages.
func fourccString(code uint32) string {
	return string([]byte{byte(code), byte(code >> 8), byte(code >> 16), byte(code >> 24)})
}

// ioctl request encoding of <asm-generic/ioctl.h> (x86, ARM, RISC-V and
// most others): direction in bits 30–31, argument size in 16–29, type
// character in 8–15, number in 0–7.
const (
	iocWrite = 1
	iocRead  = 2

	iocNumberShift = 0
	iocTypeShift   = 8
	iocSizeShift   = 16
	iocDirShift    = 30
)

// vidioc builds the request number of a 'V' ioctl, as _IOR/_IOW/_IOWR do.
func vidioc(dir, number, size uintptr) uintptr {
	return dir<<iocDirShift | size<<iocSizeShift | 'V'<<iocTypeShift | number<<iocNumberShift
}

// The ioctl requests used, with the numbers of <linux/videodev2.h>.
var (
	vidiocQueryCap  = vidioc(iocRead, 0, unsafe.Sizeof(v4l2Capability{}))
	vidiocGFmt      = vidioc(iocRead|iocWrite, 4, unsafe.Sizeof(v4l2Format{}))
	vidiocSFmt      = vidioc(iocRead|iocWrite, 5, unsafe.Sizeof(v4l2Format{}))
	vidiocReqBufs   = vidioc(iocRead|iocWrite, 8, unsafe.Sizeof(v4l2RequestBuffers{}))
	vidiocQueryBuf  = vidioc(iocRead|iocWrite, 9, unsafe.Sizeof(v4l2Buffer{}))
	vidiocQBuf      = vidioc(iocRead|iocWrite, 15, unsafe.Sizeof(v4l2Buffer{}))
	vidiocDQBuf     = vidioc(iocRead|iocWrite, 17, unsafe.Sizeof(v4l2Buffer{}))
	vidiocStreamOn  = vidioc(iocWrite, 18, unsafe.Sizeof(int32(0)))
	vidiocStreamOff = vidioc(iocWrite, 19, unsafe.Sizeof(int32(0)))
	vidiocGParm     = vidioc(iocRead|iocWrite, 21, unsafe.Sizeof(v4l2StreamParm{}))
	vidiocSParm     = vidioc(iocRead|iocWrite, 22, unsafe.Sizeof(v4l2StreamParm{}))
)

// device is the system side of a V4L2 node, so that tests can replace the
// kernel with a fake.
type device interface {
	// ioctl issues request req with argument arg (a pointer to the
	// request's struct); failures are unix.Errno values.
	ioctl(req uintptr, arg unsafe.Pointer) error
	// mmap maps length bytes of the device at offset, shared and read-write.
	mmap(offset int64, length int) ([]byte, error)
	munmap(mapped []byte) error
	// wait blocks until a buffer is ready to dequeue, ctx ends or timeout
	// passes (returning errWaitTimeout).
	wait(ctx context.Context, timeout time.Duration) error
	close() error
}

// errWaitTimeout is what device.wait returns when its timeout passes.
var errWaitTimeout = errors.New("no buffer ready within the timeout")

// streamBufferCount is how many mmap buffers are requested: one being
// filled, one ready, one being copied out, one spare.
const streamBufferCount = 4

// v4l2Source streams frames from a V4L2 capture device.
type v4l2Source struct {
	dev       device
	path      string
	buffers   [][]byte // the mmapped driver buffers, by index
	streaming bool
	delivered uint64 // frames returned so far
	lastSeq   uint32 // driver sequence number of the previous frame
	frame     Frame
	interval  time.Duration // the driver's frame interval; 0 if it does not say
	stall     time.Duration // no frame for this long is a stall; 0 = never
	lastFrame time.Time     // when the previous frame (or streaming) started
	closed    bool
}

// startV4L2 negotiates a format on dev, maps its buffers and starts
// streaming. On failure it releases everything, dev included.
func startV4L2(dev device, path string, opts Options) (*v4l2Source, error) {
	s := &v4l2Source{dev: dev, path: path}
	if err := s.start(opts); err != nil {
		// The setup error is the one to report.
		_ = s.release()
		return nil, err
	}
	return s, nil
}

func (s *v4l2Source) start(opts Options) error {
	var capability v4l2Capability
	if err := s.dev.ioctl(vidiocQueryCap, unsafe.Pointer(&capability)); err != nil {
		return s.errorf("VIDIOC_QUERYCAP: %w (is it a V4L2 device?)", err)
	}
	caps := capability.capabilities
	if caps&capDeviceCaps != 0 {
		caps = capability.deviceCaps
	}
	if caps&capVideoCapture == 0 || caps&capStreaming == 0 {
		return s.errorf("not a streaming video capture device (capabilities %#x)", caps)
	}
	if err := s.negotiateFormat(opts); err != nil {
		return err
	}
	if err := s.setFrameRate(opts.FPS); err != nil {
		return err
	}
	s.interval = s.frameInterval()
	s.stall = stallTimeout(opts.StallTimeout, s.interval)
	if err := s.mapBuffers(); err != nil {
		return err
	}
	for i := range s.buffers {
		if err := s.queue(uint32(i)); err != nil {
			return err
		}
	}
	bufType := int32(bufTypeVideoCapture)
	if err := s.dev.ioctl(vidiocStreamOn, unsafe.Pointer(&bufType)); err != nil {
		return s.errorf("VIDIOC_STREAMON: %w", err)
	}
	s.streaming = true
	s.lastFrame = time.Now()
	return nil
}

// negotiateFormat asks for the preferred format at the requested size (or,
// where Options leave it zero, the device's current size) and falls back
// to the other of YUYV and MJPEG. Drivers adjust the size to one they
// support; the frames report what was granted.
func (s *v4l2Source) negotiateFormat(opts Options) error {
	current := v4l2Format{typ: bufTypeVideoCapture}
	if err := s.dev.ioctl(vidiocGFmt, unsafe.Pointer(&current)); err != nil {
		return s.errorf("VIDIOC_G_FMT: %w", err)
	}
	width, height := opts.Width, opts.Height
	if width == 0 {
		width = int(current.pix.width)
	}
	if height == 0 {
		height = int(current.pix.height)
	}
	if width <= 0 || height <= 0 || width > maxDimension || height > maxDimension {
		width, height = DefaultWidth, DefaultHeight
	}
	order := []PixelFormat{YUYV, MJPEG}
	if opts.Format == MJPEG {
		order = []PixelFormat{MJPEG, YUYV}
	}
	var offered uint32
	for _, want := range order {
		code := pixFmtYUYV
		if want == MJPEG {
			code = pixFmtMJPEG
		}
		format := v4l2Format{typ: bufTypeVideoCapture}
		format.pix = v4l2PixFormat{width: uint32(width), height: uint32(height), pixelFormat: code, field: fieldNone}
		if err := s.dev.ioctl(vidiocSFmt, unsafe.Pointer(&format)); err != nil {
			return s.errorf("VIDIOC_S_FMT %s %d×%d: %w", fourccString(code), width, height, err)
		}
		if format.pix.pixelFormat != code {
			offered = format.pix.pixelFormat
			continue
		}
		return s.acceptFormat(want, format.pix, opts.maxPixels())
	}
	return s.errorf("offers neither YUYV nor MJPEG (it chose %q)", fourccString(offered))
}

// acceptFormat checks the granted format and records it in s.frame. A
// size over maxPixels is refused, and frames carry maxPixels so that
// Frame.Image checks each MJPEG frame's own header against it.
func (s *v4l2Source) acceptFormat(format PixelFormat, pix v4l2PixFormat, maxPixels int) error {
	if pix.width == 0 || pix.height == 0 || pix.width > maxDimension || pix.height > maxDimension {
		return s.errorf("driver granted frame size %d×%d", pix.width, pix.height)
	}
	width, height := int(pix.width), int(pix.height)
	stride := 0
	if format == YUYV {
		stride = int(pix.bytesPerLine)
		if stride == 0 {
			stride = 2 * width
		}
		if stride < 2*width || stride > 8*maxDimension {
			return s.errorf("driver granted YUYV stride %d for width %d", stride, width)
		}
	}
	if err := imagedecode.Check(format.String(), width, height, maxPixels); err != nil {
		return s.errorf("driver granted a frame size over the pixel budget: %w", err)
	}
	s.frame = Frame{Width: width, Height: height, Stride: stride, Format: format, MaxPixels: maxPixels}
	return nil
}

// setFrameRate requests fps frames per second. Drivers without frame-rate
// control refuse with EINVAL or ENOTTY; they stream at their own rate.
func (s *v4l2Source) setFrameRate(fps float64) error {
	if fps <= 0 {
		return nil
	}
	param := v4l2StreamParm{typ: bufTypeVideoCapture}
	param.capture.timePerFrame = v4l2Fract{numerator: 1000, denominator: uint32(fps*1000 + 0.5)}
	err := s.dev.ioctl(vidiocSParm, unsafe.Pointer(&param))
	if err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOTTY) {
		return s.errorf("VIDIOC_S_PARM %g fps: %w", fps, err)
	}
	return nil
}

// frameInterval asks the driver for its frame interval (VIDIOC_G_PARM);
// 0 when it does not say.
func (s *v4l2Source) frameInterval() time.Duration {
	param := v4l2StreamParm{typ: bufTypeVideoCapture}
	if err := s.dev.ioctl(vidiocGParm, unsafe.Pointer(&param)); err != nil {
		return 0
	}
	perFrame := param.capture.timePerFrame
	if perFrame.numerator == 0 || perFrame.denominator == 0 {
		return 0
	}
	interval := time.Duration(uint64(perFrame.numerator) * uint64(time.Second) / uint64(perFrame.denominator))
	return min(interval, time.Hour) // a garbage fraction must not disable the watchdog
}

// maxBufferBytes bounds one driver buffer: far above any 16k×16k YUYV frame
// and small enough to catch garbage lengths.
const maxBufferBytes = 1 << 30

// mapBuffers requests the driver's buffers and maps them.
func (s *v4l2Source) mapBuffers() error {
	request := v4l2RequestBuffers{count: streamBufferCount, typ: bufTypeVideoCapture, memory: memoryMMAP}
	if err := s.dev.ioctl(vidiocReqBufs, unsafe.Pointer(&request)); err != nil {
		return s.errorf("VIDIOC_REQBUFS: %w", err)
	}
	if request.count == 0 || request.count > videoMaxFrame {
		return s.errorf("driver granted %d streaming buffers", request.count)
	}
	for i := range request.count {
		buffer := v4l2Buffer{index: i, typ: bufTypeVideoCapture, memory: memoryMMAP}
		if err := s.dev.ioctl(vidiocQueryBuf, unsafe.Pointer(&buffer)); err != nil {
			return s.errorf("VIDIOC_QUERYBUF %d: %w", i, err)
		}
		if buffer.length == 0 || buffer.length > maxBufferBytes {
			return s.errorf("buffer %d has length %d", i, buffer.length)
		}
		mapped, err := s.dev.mmap(int64(buffer.m[0]), int(buffer.length))
		if err != nil {
			return s.errorf("mmap of buffer %d: %w", i, err)
		}
		s.buffers = append(s.buffers, mapped)
	}
	return nil
}

// queue hands buffer index back to the driver.
func (s *v4l2Source) queue(index uint32) error {
	buffer := v4l2Buffer{index: index, typ: bufTypeVideoCapture, memory: memoryMMAP}
	if err := s.dev.ioctl(vidiocQBuf, unsafe.Pointer(&buffer)); err != nil {
		return s.errorf("VIDIOC_QBUF %d: %w", index, err)
	}
	return nil
}

// Next dequeues the next filled buffer, copies it into the frame's own
// buffer (so the frame outlives the mapping) and requeues it at once.
// Buffers the driver marks as corrupt or empty are requeued and skipped.
func (s *v4l2Source) Next(ctx context.Context) (*Frame, error) {
	if s.closed {
		return nil, ErrClosed
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		buffer := v4l2Buffer{typ: bufTypeVideoCapture, memory: memoryMMAP}
		err := s.dev.ioctl(vidiocDQBuf, unsafe.Pointer(&buffer))
		switch {
		case errors.Is(err, unix.EAGAIN):
			if err := s.waitForBuffer(ctx); err != nil {
				return nil, err
			}
			continue
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			return nil, s.errorf("VIDIOC_DQBUF: %w", err)
		}
		if int(buffer.index) >= len(s.buffers) {
			return nil, s.errorf("driver returned unknown buffer %d", buffer.index)
		}
		mapped := s.buffers[buffer.index]
		if int(buffer.bytesUsed) > len(mapped) {
			return nil, s.errorf("buffer %d claims %d bytes of %d", buffer.index, buffer.bytesUsed, len(mapped))
		}
		usable := buffer.flags&bufFlagError == 0 && buffer.bytesUsed > 0
		if usable {
			s.frame.Data = append(s.frame.Data[:0], mapped[:buffer.bytesUsed]...)
		}
		if err := s.queue(buffer.index); err != nil {
			return nil, err
		}
		if !usable {
			continue
		}
		s.frame.Time = time.Now()
		s.lastFrame = s.frame.Time
		s.frame.Seq = s.delivered
		s.frame.Dropped = 0
		if gap := buffer.sequence - s.lastSeq; s.delivered > 0 && gap > 1 {
			s.frame.Dropped = uint64(gap - 1) // frames the driver had no free buffer for
		}
		s.delivered++
		s.lastSeq = buffer.sequence
		return &s.frame, nil
	}
}

// waitForBuffer waits until the driver has a buffer ready. It fails with
// an error wrapping ErrStalled once no frame has come for the stall
// timeout.
func (s *v4l2Source) waitForBuffer(ctx context.Context) error {
	timeout := time.Duration(0) // no limit
	if limit := s.silenceLimit(); limit > 0 {
		silent := time.Since(s.lastFrame)
		if silent >= limit {
			return s.stalled(silent, limit)
		}
		timeout = limit - silent
	}
	err := s.dev.wait(ctx, timeout)
	switch {
	case err == nil, errors.Is(err, errWaitTimeout):
		return nil // Next dequeues again; the next wait sees a stall
	case ctx.Err() != nil:
		return ctx.Err()
	default:
		return s.errorf("waiting for a frame: %w", err)
	}
}

// silenceLimit is how long the source may go without a frame now: the
// stall timeout, at least FirstFrameTimeout before the first frame; 0 for
// no limit.
func (s *v4l2Source) silenceLimit() time.Duration {
	if s.stall <= 0 {
		return 0
	}
	if s.delivered == 0 {
		return max(s.stall, FirstFrameTimeout)
	}
	return s.stall
}

// stalled words a stall of the given length.
func (s *v4l2Source) stalled(silent, limit time.Duration) error {
	expected := "the driver does not say its frame interval"
	if s.interval > 0 {
		expected = fmt.Sprintf("one expected every %v", s.interval)
	}
	what := "stall timeout"
	if s.delivered == 0 {
		what = "first-frame timeout"
	}
	return s.errorf("%w: no frame for %v (%s; %s %v)", ErrStalled, silent.Round(time.Millisecond), expected, what, limit)
}

// Close stops streaming, unmaps the buffers and closes the device.
func (s *v4l2Source) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	return s.release()
}

// release undoes whatever start did.
func (s *v4l2Source) release() error {
	var errs []error
	if s.streaming {
		bufType := int32(bufTypeVideoCapture)
		if err := s.dev.ioctl(vidiocStreamOff, unsafe.Pointer(&bufType)); err != nil {
			errs = append(errs, s.errorf("VIDIOC_STREAMOFF: %w", err))
		}
		s.streaming = false
	}
	for _, mapped := range s.buffers {
		if err := s.dev.munmap(mapped); err != nil {
			errs = append(errs, s.errorf("munmap: %w", err))
		}
	}
	s.buffers = nil
	if err := s.dev.close(); err != nil {
		errs = append(errs, s.errorf("close: %w", err))
	}
	return errors.Join(errs...)
}

func (s *v4l2Source) errorf(format string, args ...any) error {
	return fmt.Errorf("camera: %s: "+format, append([]any{s.path}, args...)...)
}
