package camera

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// fileDevice is a V4L2 node opened non-blocking.
type fileDevice struct {
	fd int
}

// openV4L2 opens the capture device at path and starts streaming.
func openV4L2(path string, opts Options) (Source, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		// A *fs.PathError, so that Reconnecting can watch for a missing
		// node to reappear.
		return nil, fmt.Errorf("camera: %w", &fs.PathError{Op: "opening", Path: path, Err: err})
	}
	return startV4L2(&fileDevice{fd: fd}, path, opts)
}

func (d *fileDevice) ioctl(req uintptr, arg unsafe.Pointer) error {
	for {
		_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(d.fd), req, uintptr(arg))
		switch errno {
		case 0:
			return nil
		case unix.EINTR:
			continue
		default:
			return errno
		}
	}
}

func (d *fileDevice) mmap(offset int64, length int) ([]byte, error) {
	return unix.Mmap(d.fd, offset, length, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
}

func (d *fileDevice) munmap(mapped []byte) error {
	return unix.Munmap(mapped)
}

// pollInterval bounds how long wait sleeps in poll before looking at ctx.
const pollInterval = 100 * time.Millisecond

// errDeviceGone reports a node that poll flags as failed, typically an
// unplugged camera.
var errDeviceGone = errors.New("device reported an error or hang-up")

func (d *fileDevice) wait(ctx context.Context, timeout time.Duration) error {
	fds := []unix.PollFd{{Fd: int32(d.fd), Events: unix.POLLIN}}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		slice := pollInterval
		if !deadline.IsZero() {
			left := time.Until(deadline)
			if left <= 0 {
				return errWaitTimeout
			}
			slice = min(slice, left)
		}
		n, err := unix.Poll(fds, max(1, int(slice/time.Millisecond)))
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			return err
		case n == 0:
			continue
		case fds[0].Revents&(unix.POLLERR|unix.POLLHUP|unix.POLLNVAL) != 0:
			return errDeviceGone
		default:
			return nil
		}
	}
}

func (d *fileDevice) close() error {
	return unix.Close(d.fd)
}
