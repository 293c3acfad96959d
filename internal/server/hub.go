package server

import (
	"bytes"
	"image"
	"image/jpeg"
	"sync"
)

// recentFrames is how many processed frames stay available to
// GET /api/frame.jpg?seq=N after newer ones arrive: a browser that hears of
// frame N fetches its picture while N+1 may already be out.
const recentFrames = 8

// jpegQuality is the quality of the frames served as JPEG.
const jpegQuality = 80

// snapshot is one processed frame: its result, encoded once for every
// client, and its picture. Nothing in it changes after publication except
// the lazily encoded JPEG.
type snapshot struct {
	seq  uint64      // the frame's number
	out  output      // the task's result
	body []byte      // the result as JSON, with the frame's metadata
	img  *image.RGBA // the frame the result refers to

	jpegOnce sync.Once
	jpeg     []byte
	jpegErr  error
}

// encodeJPEG returns the frame as JPEG, encoding it on first use.
func (s *snapshot) encodeJPEG() ([]byte, error) {
	s.jpegOnce.Do(func() {
		var buf bytes.Buffer
		s.jpegErr = jpeg.Encode(&buf, s.img, &jpeg.Options{Quality: jpegQuality})
		s.jpeg = buf.Bytes()
	})
	return s.jpeg, s.jpegErr
}

// hub hands the newest snapshot to every client. Instead of a queue per
// client, each publication closes the channel the waiting clients hold and
// replaces it: a client wakes, takes the newest snapshot and waits again,
// so a slow client skips frames and never delays the capture loop or other
// clients.
type hub struct {
	mu      sync.Mutex
	recent  [recentFrames]*snapshot // indexed by Seq % recentFrames
	latest  *snapshot
	changed chan struct{} // closed by the next publication
	ended   bool

	done chan struct{} // closed when the stream ends
}

func newHub() *hub {
	return &hub{changed: make(chan struct{}), done: make(chan struct{})}
}

// publish makes s the newest snapshot and wakes the waiting clients.
func (h *hub) publish(s *snapshot) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recent[s.seq%recentFrames] = s
	h.latest = s
	close(h.changed)
	h.changed = make(chan struct{})
}

// current returns the newest snapshot (nil before the first) and a channel
// closed when a newer one is published.
func (h *hub) current() (*snapshot, <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.latest, h.changed
}

// frame returns the snapshot numbered seq while it is among the recent
// ones, else nil.
func (h *hub) frame(seq uint64) *snapshot {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.recent[seq%recentFrames]
	if s == nil || s.seq != seq {
		return nil
	}
	return s
}

// end marks the end of the stream: streaming clients finish.
func (h *hub) end() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.ended {
		h.ended = true
		close(h.done)
	}
}
