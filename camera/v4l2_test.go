//go:build linux

package camera

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

const is64Bit = unsafe.Sizeof(uintptr(0)) == 8

// pick returns the 64-bit or the 32-bit value of a layout fact.
func pick(on64, on32 uintptr) uintptr {
	if is64Bit {
		return on64
	}
	return on32
}

// The expected sizes and offsets below are worked out by hand from the
// struct definitions of include/uapi/linux/videodev2.h with the C ABI rules
// (natural alignment; long and pointers 8 bytes on 64-bit, 4 on 32-bit).
func TestV4L2StructLayout(t *testing.T) {
	var capability v4l2Capability
	assert.EqualValues(t, 104, unsafe.Sizeof(capability))
	assert.EqualValues(t, 16, unsafe.Offsetof(capability.card))
	assert.EqualValues(t, 48, unsafe.Offsetof(capability.busInfo))
	assert.EqualValues(t, 80, unsafe.Offsetof(capability.version))
	assert.EqualValues(t, 84, unsafe.Offsetof(capability.capabilities))
	assert.EqualValues(t, 88, unsafe.Offsetof(capability.deviceCaps))
	assert.EqualValues(t, 92, unsafe.Offsetof(capability.reserved))

	var pix v4l2PixFormat
	assert.EqualValues(t, 48, unsafe.Sizeof(pix))
	assert.EqualValues(t, 8, unsafe.Offsetof(pix.pixelFormat))
	assert.EqualValues(t, 16, unsafe.Offsetof(pix.bytesPerLine))
	assert.EqualValues(t, 20, unsafe.Offsetof(pix.sizeImage))
	assert.EqualValues(t, 44, unsafe.Offsetof(pix.xferFunc))

	// The fmt union contains struct v4l2_window, which holds pointers.
	var format v4l2Format
	assert.Equal(t, pick(208, 204), unsafe.Sizeof(format))
	assert.Equal(t, pick(8, 4), unsafe.Offsetof(format.pix))

	var request v4l2RequestBuffers
	assert.EqualValues(t, 20, unsafe.Sizeof(request))
	assert.EqualValues(t, 8, unsafe.Offsetof(request.memory))
	assert.EqualValues(t, 12, unsafe.Offsetof(request.capabilities))
	assert.EqualValues(t, 16, unsafe.Offsetof(request.flags))

	assert.EqualValues(t, 16, unsafe.Sizeof(v4l2Timecode{}))

	// struct timeval is two longs; the union m is as wide as unsigned long.
	var buffer v4l2Buffer
	assert.Equal(t, pick(88, 68), unsafe.Sizeof(buffer))
	assert.EqualValues(t, 8, unsafe.Offsetof(buffer.bytesUsed))
	assert.EqualValues(t, 16, unsafe.Offsetof(buffer.field))
	assert.Equal(t, pick(24, 20), unsafe.Offsetof(buffer.timestamp))
	assert.Equal(t, pick(40, 28), unsafe.Offsetof(buffer.timecode))
	assert.Equal(t, pick(56, 44), unsafe.Offsetof(buffer.sequence))
	assert.Equal(t, pick(60, 48), unsafe.Offsetof(buffer.memory))
	assert.Equal(t, pick(64, 52), unsafe.Offsetof(buffer.m))
	assert.Equal(t, pick(8, 4), unsafe.Sizeof(buffer.m))
	assert.Equal(t, pick(72, 56), unsafe.Offsetof(buffer.length))
	assert.Equal(t, pick(76, 60), unsafe.Offsetof(buffer.reserved2))
	assert.Equal(t, pick(80, 64), unsafe.Offsetof(buffer.requestFD))

	var param v4l2StreamParm
	assert.EqualValues(t, 204, unsafe.Sizeof(param))
	assert.EqualValues(t, 4, unsafe.Offsetof(param.capture))
	assert.EqualValues(t, 40, unsafe.Sizeof(param.capture))
	assert.EqualValues(t, 8, unsafe.Offsetof(param.capture.timePerFrame))
}

// Request numbers as the C macros produce them: 0xc0585611 is
// _IOWR('V', 17, 88 bytes) and so on.
func TestV4L2IoctlNumbers(t *testing.T) {
	assert.Equal(t, uintptr(0x80685600), vidiocQueryCap)
	assert.Equal(t, pick(0xc0d05604, 0xc0cc5604), vidiocGFmt)
	assert.Equal(t, pick(0xc0d05605, 0xc0cc5605), vidiocSFmt)
	assert.Equal(t, uintptr(0xc0145608), vidiocReqBufs)
	assert.Equal(t, pick(0xc0585609, 0xc0445609), vidiocQueryBuf)
	assert.Equal(t, pick(0xc058560f, 0xc044560f), vidiocQBuf)
	assert.Equal(t, pick(0xc0585611, 0xc0445611), vidiocDQBuf)
	assert.Equal(t, uintptr(0x40045612), vidiocStreamOn)
	assert.Equal(t, uintptr(0x40045613), vidiocStreamOff)
	assert.Equal(t, uintptr(0xc0cc5615), vidiocGParm)
	assert.Equal(t, uintptr(0xc0cc5616), vidiocSParm)
	assert.EqualValues(t, 0x56595559, pixFmtYUYV)
	assert.EqualValues(t, 0x47504a4d, pixFmtMJPEG)
}

// fakeDevice plays a V4L2 capture driver: it validates what the kernel
// would, serves payloads through mmapped buffers and can fail mid-stream.
type fakeDevice struct {
	t            *testing.T
	capabilities uint32
	accepts      []uint32 // fourccs it can stream; the first is its fallback
	maxWidth     uint32
	maxHeight    uint32
	payloads     [][]byte // frame contents, served in order
	sequenceStep uint32   // driver sequence increment per frame (default 1)
	errorFlagged int      // index of a payload delivered with V4L2_BUF_FLAG_ERROR, or -1
	failAfter    int      // DQBUF fails with ENODEV after this many frames, or -1
	sParmErr     error    // what S_PARM returns

	format    v4l2PixFormat
	fps       v4l2Fract
	buffers   [][]byte
	queued    []uint32
	served    int
	sequence  uint32
	streaming bool
	mapped    int
	closed    bool
}

const fakeBufferBytes = 4096

func newFakeDevice(t *testing.T, payloads ...[]byte) *fakeDevice {
	return &fakeDevice{
		t:            t,
		capabilities: capVideoCapture | capStreaming,
		accepts:      []uint32{pixFmtYUYV, pixFmtMJPEG},
		maxWidth:     4,
		maxHeight:    2,
		payloads:     payloads,
		errorFlagged: -1,
		failAfter:    -1,
		format:       v4l2PixFormat{width: 4, height: 2, pixelFormat: pixFmtYUYV},
	}
}

func (d *fakeDevice) ioctl(req uintptr, arg unsafe.Pointer) error {
	require.False(d.t, d.closed, "ioctl on a closed device")
	switch req {
	case vidiocQueryCap:
		c := (*v4l2Capability)(arg)
		copy(c.driver[:], "fake")
		c.capabilities = d.capabilities | capDeviceCaps
		c.deviceCaps = d.capabilities
	case vidiocGFmt:
		f := (*v4l2Format)(arg)
		if f.typ != bufTypeVideoCapture {
			return unix.EINVAL
		}
		f.pix = d.format
	case vidiocSFmt:
		f := (*v4l2Format)(arg)
		if f.typ != bufTypeVideoCapture {
			return unix.EINVAL
		}
		code := d.accepts[0]
		for _, accepted := range d.accepts {
			if accepted == f.pix.pixelFormat {
				code = accepted
			}
		}
		f.pix.pixelFormat = code
		f.pix.width = min(f.pix.width, d.maxWidth)
		f.pix.height = min(f.pix.height, d.maxHeight)
		f.pix.bytesPerLine = 0
		if code == pixFmtYUYV {
			f.pix.bytesPerLine = 2 * f.pix.width
		}
		d.format = f.pix
	case vidiocSParm:
		p := (*v4l2StreamParm)(arg)
		require.EqualValues(d.t, bufTypeVideoCapture, p.typ)
		if d.sParmErr != nil {
			return d.sParmErr
		}
		d.fps = p.capture.timePerFrame
	case vidiocGParm:
		p := (*v4l2StreamParm)(arg)
		require.EqualValues(d.t, bufTypeVideoCapture, p.typ)
		if d.sParmErr != nil {
			return d.sParmErr
		}
		p.capture.timePerFrame = d.fps
	case vidiocReqBufs:
		r := (*v4l2RequestBuffers)(arg)
		if r.typ != bufTypeVideoCapture || r.memory != memoryMMAP {
			return unix.EINVAL
		}
		r.count = min(r.count, 3) // drivers may grant fewer than asked
		d.buffers = make([][]byte, r.count)
		for i := range d.buffers {
			d.buffers[i] = make([]byte, fakeBufferBytes)
		}
	case vidiocQueryBuf:
		b := (*v4l2Buffer)(arg)
		if int(b.index) >= len(d.buffers) {
			return unix.EINVAL
		}
		b.length = fakeBufferBytes
		b.m[0] = b.index * fakeBufferBytes
	case vidiocQBuf:
		b := (*v4l2Buffer)(arg)
		if int(b.index) >= len(d.buffers) || b.memory != memoryMMAP {
			return unix.EINVAL
		}
		d.queued = append(d.queued, b.index)
	case vidiocDQBuf:
		b := (*v4l2Buffer)(arg)
		if !d.streaming {
			return unix.EINVAL
		}
		if d.failAfter >= 0 && d.served >= d.failAfter {
			return unix.ENODEV
		}
		if d.served == len(d.payloads) || len(d.queued) == 0 {
			return unix.EAGAIN
		}
		index := d.queued[0]
		d.queued = d.queued[1:]
		payload := d.payloads[d.served]
		copy(d.buffers[index], payload)
		*b = v4l2Buffer{index: index, typ: bufTypeVideoCapture, memory: memoryMMAP, bytesUsed: uint32(len(payload)), sequence: d.sequence}
		if d.served == d.errorFlagged {
			b.flags |= bufFlagError
		}
		step := d.sequenceStep
		if step == 0 {
			step = 1
		}
		d.sequence += step
		d.served++
	case vidiocStreamOn:
		require.EqualValues(d.t, bufTypeVideoCapture, *(*int32)(arg))
		d.streaming = true
	case vidiocStreamOff:
		d.streaming = false
	default:
		d.t.Errorf("unexpected ioctl %#x", req)
		return unix.ENOTTY
	}
	return nil
}

func (d *fakeDevice) mmap(offset int64, length int) ([]byte, error) {
	index := int(offset / fakeBufferBytes)
	if offset%fakeBufferBytes != 0 || index >= len(d.buffers) || length != fakeBufferBytes {
		return nil, unix.EINVAL
	}
	d.mapped++
	return d.buffers[index], nil
}

func (d *fakeDevice) munmap([]byte) error {
	d.mapped--
	return nil
}

func (d *fakeDevice) wait(ctx context.Context, timeout time.Duration) error {
	if d.served < len(d.payloads) {
		return nil
	}
	if timeout <= 0 {
		<-ctx.Done()
		return ctx.Err()
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return errWaitTimeout
	}
}

func (d *fakeDevice) close() error {
	d.closed = true
	return nil
}

// yuyv4x2 is a 4×2 YUYV frame: rows of two Y0 U Y1 V macropixels.
func yuyv4x2(base byte) []byte {
	return []byte{
		base, 100, base + 1, 200, base + 2, 101, base + 3, 201,
		base + 4, 102, base + 5, 202, base + 6, 103, base + 7, 203,
	}
}

func TestV4L2CapturesYUYV(t *testing.T) {
	dev := newFakeDevice(t, yuyv4x2(16), yuyv4x2(50), yuyv4x2(80))
	src, err := startV4L2(dev, "/dev/fake", Options{Width: 640, Height: 480, FPS: 30})
	require.NoError(t, err)
	assert.Equal(t, v4l2Fract{numerator: 1000, denominator: 30000}, dev.fps, "1/30 s per frame")
	assert.Equal(t, 3, dev.mapped, "every granted buffer is mapped")
	assert.Len(t, dev.queued, 3, "and queued before streaming")
	assert.True(t, dev.streaming)

	var dst FrameImage
	for seq, base := range []byte{16, 50, 80} {
		f, err := src.Next(context.Background())
		require.NoError(t, err)
		assert.EqualValues(t, seq, f.Seq)
		assert.Equal(t, YUYV, f.Format)
		assert.Equal(t, 4, f.Width, "the size the driver granted")
		assert.Equal(t, 2, f.Height)
		assert.Equal(t, 8, f.Stride)
		assert.Equal(t, yuyv4x2(base), f.Data)
		img, err := f.Image(&dst)
		require.NoError(t, err)
		ycc := img.(*image.YCbCr)
		assert.Equal(t, []byte{base, base + 1, base + 2, base + 3, base + 4, base + 5, base + 6, base + 7}, ycc.Y)
		assert.Equal(t, []byte{100, 101, 102, 103}, ycc.Cb)
		assert.Equal(t, []byte{200, 201, 202, 203}, ycc.Cr)
	}
	assert.Len(t, dev.queued, 3, "each buffer goes back to the driver after its copy")

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = src.Next(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "no frame: Next waits for ctx")

	require.NoError(t, src.Close())
	assert.False(t, dev.streaming)
	assert.Zero(t, dev.mapped, "Close unmaps every buffer")
	assert.True(t, dev.closed)
	_, err = src.Next(context.Background())
	assert.ErrorIs(t, err, ErrClosed)
	assert.NoError(t, src.Close())
}

func TestV4L2CapturesMJPEG(t *testing.T) {
	var jpegFrame bytes.Buffer
	require.NoError(t, jpeg.Encode(&jpegFrame, image.NewGray(image.Rect(0, 0, 4, 2)), nil))
	dev := newFakeDevice(t, jpegFrame.Bytes())
	src, err := startV4L2(dev, "/dev/fake", Options{Format: MJPEG})
	require.NoError(t, err)
	defer src.Close()
	assert.Equal(t, pixFmtMJPEG, dev.format.pixelFormat)
	assert.EqualValues(t, 4, dev.format.width, "zero Options size keeps the device's current size")

	f, err := src.Next(context.Background())
	require.NoError(t, err)
	assert.Equal(t, MJPEG, f.Format)
	assert.Equal(t, jpegFrame.Bytes(), f.Data)
	img, err := f.Image(nil)
	require.NoError(t, err)
	assert.Equal(t, image.Rect(0, 0, 4, 2), img.Bounds())
}

func TestV4L2FallsBackToTheOtherFormat(t *testing.T) {
	dev := newFakeDevice(t, []byte{1})
	dev.accepts = []uint32{pixFmtMJPEG}
	src, err := startV4L2(dev, "/dev/fake", Options{Format: YUYV})
	require.NoError(t, err)
	defer src.Close()
	f, err := src.Next(context.Background())
	require.NoError(t, err)
	assert.Equal(t, MJPEG, f.Format)
}

func TestV4L2FailsMidStream(t *testing.T) {
	dev := newFakeDevice(t, yuyv4x2(0), yuyv4x2(10), yuyv4x2(20))
	dev.failAfter = 2
	src, err := startV4L2(dev, "/dev/fake", Options{})
	require.NoError(t, err)
	for range 2 {
		_, err := src.Next(context.Background())
		require.NoError(t, err)
	}
	_, err = src.Next(context.Background())
	require.ErrorIs(t, err, unix.ENODEV)
	assert.ErrorContains(t, err, "/dev/fake: VIDIOC_DQBUF")
	require.NoError(t, src.Close())
	assert.Zero(t, dev.mapped)
	assert.True(t, dev.closed)
}

func TestV4L2SkipsCorruptBuffersAndCountsDriverDrops(t *testing.T) {
	dev := newFakeDevice(t, yuyv4x2(0), yuyv4x2(10), yuyv4x2(20), []byte{}, yuyv4x2(30))
	dev.errorFlagged = 1
	dev.sequenceStep = 3 // the driver lost two frames between each it delivered
	src, err := startV4L2(dev, "/dev/fake", Options{})
	require.NoError(t, err)
	defer src.Close()
	var got []byte
	var dropped []uint64
	for range 3 {
		f, err := src.Next(context.Background())
		require.NoError(t, err)
		got = append(got, f.Data[0])
		dropped = append(dropped, f.Dropped)
	}
	assert.Equal(t, []byte{0, 20, 30}, got, "the flagged and the empty buffer are skipped")
	// Driver sequences 0, 6 and 12 were delivered: 5 frames lost between each.
	assert.Equal(t, []uint64{0, 5, 5}, dropped)
}

func TestV4L2SetupFailuresReleaseTheDevice(t *testing.T) {
	cases := map[string]struct {
		setup func(*fakeDevice)
		want  string
	}{
		"no streaming": {
			setup: func(d *fakeDevice) { d.capabilities = capVideoCapture },
			want:  "not a streaming video capture device",
		},
		"no usable format": {
			setup: func(d *fakeDevice) { d.accepts = []uint32{fourcc("RGB3")} },
			want:  `neither YUYV nor MJPEG (it chose "RGB3")`,
		},
		"frame rate refused hard": {
			setup: func(d *fakeDevice) { d.sParmErr = unix.EBUSY },
			want:  "VIDIOC_S_PARM",
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dev := newFakeDevice(t)
			c.setup(dev)
			src, err := startV4L2(dev, "/dev/fake", Options{FPS: 15})
			assert.ErrorContains(t, err, c.want)
			assert.Nil(t, src)
			assert.True(t, dev.closed)
			assert.Zero(t, dev.mapped)
		})
	}

	dev := newFakeDevice(t, yuyv4x2(0))
	dev.sParmErr = unix.ENOTTY
	src, err := startV4L2(dev, "/dev/fake", Options{FPS: 15})
	require.NoError(t, err, "a driver without frame-rate control still streams")
	require.NoError(t, src.Close())
}

func TestOpenV4L2OnRealFiles(t *testing.T) {
	_, err := Open("v4l2:/nonexistent/video9", Options{})
	assert.ErrorContains(t, err, "/nonexistent/video9")
	_, err = Open("v4l2:/dev/null", Options{})
	assert.ErrorContains(t, err, "VIDIOC_QUERYCAP", "the real ioctl path reaches the kernel and reports its refusal")
	_, err = Open("camera:987", Options{})
	assert.ErrorContains(t, err, "/dev/video987")
}

func TestV4L2MJPEGFramesCarryThePixelBudget(t *testing.T) {
	dev := newFakeDevice(t, jpegDeclaring(t, bombSide, bombSide), jpegDeclaring(t, 16, 8))
	src, err := startV4L2(dev, "/dev/fake", Options{Format: MJPEG, MaxPixels: 100})
	require.NoError(t, err)
	defer src.Close()
	f, err := src.Next(context.Background())
	require.NoError(t, err, "the source delivers the frame; its conversion checks it")
	assert.Equal(t, 100, f.MaxPixels)
	_, err = f.Image(nil)
	requireTooLarge(t, err, bombSide, bombSide, 100)

	f, err = src.Next(context.Background())
	require.NoError(t, err)
	_, err = f.Image(nil)
	var tooLarge *ImageTooLargeError
	require.ErrorAs(t, err, &tooLarge, "16×8 is over Options.MaxPixels 100")
	assert.Equal(t, 100, tooLarge.MaxPixels)
}

func TestV4L2RefusesAGrantedSizeOverThePixelBudget(t *testing.T) {
	dev := newFakeDevice(t)
	_, err := startV4L2(dev, "/dev/fake", Options{MaxPixels: 7})
	var tooLarge *ImageTooLargeError
	require.ErrorAs(t, err, &tooLarge, "the fake grants 4×2 = 8 pixels")
	assert.Equal(t, 4, tooLarge.Width)
	assert.Equal(t, 2, tooLarge.Height)
	assert.True(t, dev.closed, "the device is released")
}
