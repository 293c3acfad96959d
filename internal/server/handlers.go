package server

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"net/http"
	"net/http/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/percept-robotics/percept/internal/imagedecode"
	"github.com/percept-robotics/percept/models"
)

// indexHTML is the live view: it follows the event stream, loads each
// frame's JPEG and draws the task's results on a canvas.
//
//go:embed web/index.html
var indexHTML []byte

// keepAlive is how often an idle event stream sends a comment, so that
// proxies keep it open and a vanished client is noticed.
const keepAlive = 15 * time.Second

// Handler returns the HTTP API:
//
//	GET  /                      the live view (HTML, self-contained)
//	GET  /api/task              TaskInfo as JSON: the task the server runs
//	GET  /api/detections        the newest frame's result as JSON (for
//	                            DetectTask a FrameResult; for the others
//	                            their result's fields, then the frame's);
//	                            with ?stream=1 or Accept: text/event-stream,
//	                            one server-sent event per processed frame
//	GET  /api/frame.jpg         the newest frame as JPEG; ?seq=N picks one
//	                            of the last few, &annotated=1 draws the
//	                            result on it
//	POST /api/detect            the task's result for the JPEG, PNG, GIF or
//	                            BMP body (the name is kept from the days of
//	                            detection only); POST /api/<task> (such as
//	                            /api/pose) is the same for the server's task
//	GET  /healthz               "ok", or 503 and the reason; then a
//	                            line on skipped files and one on frames the
//	                            model failed on, if any
//	GET  /api/health            Health as JSON (503 when not OK)
//	GET  /metrics               Prometheus text format
//	GET  /debug/pprof/...       net/http/pprof, with Config.Profiling only
//
// Errors are JSON objects {"error": "..."}.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.serveIndex)
	mux.HandleFunc("GET /api/task", s.serveTask)
	mux.HandleFunc("GET /api/detections", s.serveDetections)
	mux.HandleFunc("GET /api/frame.jpg", s.serveFrame)
	mux.HandleFunc("/api/detect", s.serveDetect)
	if name := s.task.Name(); name != "detect" {
		mux.HandleFunc("/api/"+name, s.serveDetect)
	}
	mux.HandleFunc("GET /healthz", s.serveHealth)
	mux.HandleFunc("GET /api/health", s.serveHealthJSON)
	mux.HandleFunc("GET /metrics", s.serveMetrics)
	if s.cfg.Profiling {
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("POST /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	return s.countRequests(mux)
}

// serveTask is GET /api/task.
func (s *Server) serveTask(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.task.info())
}

// statusRecorder remembers the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(p []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's flusher and
// deadlines.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// countRequests counts requests by route pattern (not raw path, so that
// scanning clients cannot grow the metrics without bound) and status.
func (s *Server) countRequests(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		s.inFlight.Add(1)
		mux.ServeHTTP(rec, r)
		s.inFlight.Add(-1)
		path := r.Pattern // set by the mux on r itself
		if _, route, found := strings.Cut(path, " "); found {
			path = route
		}
		path = strings.TrimSuffix(path, "{$}") // "/{$}" is the page at "/"
		if path == "" {
			path = "unmatched"
		}
		code := rec.code
		if code == 0 {
			code = http.StatusOK
		}
		s.metrics.request(path, code)
	})
}

// writeJSON writes v with the given status.
func writeJSON(w http.ResponseWriter, code int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"encoding the response failed"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(append(body, '\n'))
}

// errorBody is the JSON of every error response.
type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, code int, format string, args ...any) {
	writeJSON(w, code, errorBody{Error: fmt.Sprintf(format, args...)})
}

func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(indexHTML)
}

// noFrameBody is the 503 answer of the frame endpoints before the first
// frame: why there is none, and the health the page shows.
type noFrameBody struct {
	Error  string `json:"error"`
	Health Health `json:"health"`
}

// noFrame answers a request for a frame when none has been processed.
func (s *Server) noFrame(w http.ResponseWriter) {
	h := s.Health()
	problem := h.Problem
	if problem == "" { // a frame was published since the caller looked
		problem = "no frame processed yet"
	}
	w.Header().Set("Retry-After", "1")
	writeJSON(w, http.StatusServiceUnavailable, noFrameBody{Error: problem, Health: h})
}

// wantsStream reports whether r asks for server-sent events.
func wantsStream(r *http.Request) bool {
	if v := r.URL.Query().Get("stream"); v != "" {
		on, err := strconv.ParseBool(v)
		return err == nil && on
	}
	return strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}

func (s *Server) serveDetections(w http.ResponseWriter, r *http.Request) {
	if wantsStream(r) {
		s.stream(w, r)
		return
	}
	snap, _ := s.hub.current()
	if snap == nil {
		s.noFrame(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(append(snap.body, '\n'))
}

// stream sends one server-sent event per published frame, always the
// newest (a slow client skips frames), until the client leaves or the
// capture loop ends.
func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	select {
	case <-s.hub.done:
		writeError(w, http.StatusServiceUnavailable, "the capture loop has ended")
		return
	default:
	}
	rc := http.NewResponseController(w)
	// The server's WriteTimeout would cut the stream; this response lives
	// as long as its client.
	if err := rc.SetWriteDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
		writeError(w, http.StatusInternalServerError, "cannot stream: %v", err)
		return
	}
	s.metrics.streamClients.Add(1)
	defer s.metrics.streamClients.Add(-1)

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // tell nginx-style proxies not to buffer
	w.WriteHeader(http.StatusOK)
	if _, err := io.WriteString(w, "retry: 1000\n\n"); err != nil || rc.Flush() != nil {
		return
	}

	ticker := time.NewTicker(keepAlive)
	defer ticker.Stop()
	var sent uint64
	sentAny := false
	for {
		snap, changed := s.hub.current()
		if snap != nil && (!sentAny || snap.seq > sent) {
			if _, err := fmt.Fprintf(w, "id: %d\ndata: %s\n\n", snap.seq, snap.body); err != nil {
				return
			}
			if rc.Flush() != nil {
				return
			}
			sent, sentAny = snap.seq, true
		}
		select {
		case <-changed:
		case <-ticker.C:
			if _, err := io.WriteString(w, ": keep-alive\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		case <-r.Context().Done():
			return
		case <-s.hub.done:
			return
		}
	}
}

func (s *Server) serveFrame(w http.ResponseWriter, r *http.Request) {
	query := r.URL.Query()
	var snap *snapshot
	if v := query.Get("seq"); v != "" {
		seq, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, "seq %q is not a frame number", v)
			return
		}
		if snap = s.hub.frame(seq); snap == nil {
			writeError(w, http.StatusNotFound, "frame %d is not among the last %d", seq, recentFrames)
			return
		}
	} else if snap, _ = s.hub.current(); snap == nil {
		s.noFrame(w)
		return
	}

	var body []byte
	var err error
	if on, _ := strconv.ParseBool(query.Get("annotated")); on {
		var buf bytes.Buffer
		err = jpeg.Encode(&buf, snap.out.annotate(snap.img), &jpeg.Options{Quality: jpegQuality})
		body = buf.Bytes()
	} else {
		body, err = snap.encodeJPEG()
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encoding frame %d: %v", snap.seq, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/jpeg")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Seq", strconv.FormatUint(snap.seq, 10))
	w.Write(body)
}

// serveDetect runs the task on an uploaded image. Admission comes first
// and refuses at once (503, Retry-After) rather than queueing without
// bound: a place among Config.MaxQueue, then the body's declared length
// (or MaxBodyBytes) from the memory budget, then, from the image's header
// and before a pixel is decoded, its pixels. The body is streamed into the
// decoder; a slow client holds its place and its reservation while it
// sends, never a runner. The queue time reported is the time from arrival
// to a runner less the decoding.
func (s *Server) serveDetect(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "%s not allowed: POST an image", r.Method)
		return
	}
	if r.ContentLength > s.cfg.MaxBodyBytes {
		writeError(w, http.StatusRequestEntityTooLarge, "image larger than the %d-byte limit", s.cfg.MaxBodyBytes)
		return
	}
	if r.ContentLength == 0 {
		writeError(w, http.StatusBadRequest, "empty body: POST a JPEG, PNG, GIF or BMP image")
		return
	}
	if !s.admit.enter() {
		s.busy(w, "queue", "%d uploads are already admitted (the queue's limit)", s.cfg.MaxQueue)
		return
	}
	defer s.admit.leave()
	reserved := s.cfg.MaxBodyBytes
	if r.ContentLength > 0 {
		reserved = r.ContentLength
	}
	if !s.admit.reserve(reserved) {
		s.busy(w, "memory", "the memory budget of %d bytes has no room for a %d-byte body", s.cfg.MemoryBudget, reserved)
		return
	}
	defer func() { s.admit.release(reserved) }()

	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	var header bytes.Buffer
	cfg, _, headerErr := image.DecodeConfig(io.TeeReader(body, &header))
	if headerErr == nil {
		if err := imagedecode.Check("image", cfg.Width, cfg.Height, s.cfg.MaxImagePixels); err != nil {
			headerErr = err
		}
	}
	if headerErr != nil {
		// The shared decoder words the failure as every entry point does
		// (it reads no further than the header did).
		_, err := s.decodeUpload(io.MultiReader(&header, body), header.Len())
		if err == nil {
			err = fmt.Errorf("body: %w", headerErr)
		}
		s.uploadFailed(w, err)
		return
	}
	pixels := int64(cfg.Width) * int64(cfg.Height) * BytesPerPixel
	if !s.admit.reserve(pixels) {
		s.busy(w, "memory", "the memory budget of %d bytes has no room for a %d×%d image", s.cfg.MemoryBudget, cfg.Width, cfg.Height)
		return
	}
	reserved += pixels

	decodeStart := time.Now()
	img, err := s.decodeUpload(io.MultiReader(&header, body), header.Len())
	if err != nil {
		s.uploadFailed(w, err)
		return
	}
	decoded := time.Since(decodeStart)
	if !s.borrowDetector() {
		writeError(w, http.StatusServiceUnavailable, "the server is shutting down")
		return
	}
	defer s.returnDetector()
	if err := s.sched.acquire(r.Context(), false); err != nil {
		return // the client left, or shutdown cancelled the request
	}
	defer s.sched.release()
	queued := time.Since(arrived) - decoded
	start := time.Now()
	out, err := s.task.run(r.Context(), img)
	inference := time.Since(start)
	switch {
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		return // the client left, or shutdown cancelled the request
	case errors.Is(err, models.ErrClosed):
		writeError(w, http.StatusServiceUnavailable, "the model is closed: the server is shutting down")
		return
	case err != nil:
		writeError(w, http.StatusInternalServerError, "%s failed: %v", s.task.Name(), err)
		return
	}
	s.metrics.requestQueue.observe(queued)
	s.metrics.requestInference.observe(inference)
	b := img.Bounds()
	h := w.Header()
	h.Set("X-Queue-Ms", formatMS(queued))
	h.Set("X-Decode-Ms", formatMS(decoded))
	h.Set("X-Inference-Ms", formatMS(inference))
	result, err := json.Marshal(out.value("upload", b.Dx(), b.Dy(), nil))
	if err != nil || len(result) < 2 || result[len(result)-1] != '}' {
		writeError(w, http.StatusInternalServerError, "encoding the result failed")
		return
	}
	// The result's object, then the upload's times.
	result = fmt.Appendf(result[:len(result)-1], `,"queue_ms":%s,"decode_ms":%s,"inference_ms":%s}`,
		formatMS(queued), formatMS(decoded), formatMS(inference))
	h.Set("Content-Type", "application/json")
	w.Write(append(result, '\n'))
}

// formatMS writes d in milliseconds with three decimals.
func formatMS(d time.Duration) string {
	return strconv.FormatFloat(milliseconds(d), 'f', 3, 64)
}

// busy refuses an upload that admission has no room for: 503 with
// Retry-After, counted by reason ("queue" or "memory").
func (s *Server) busy(w http.ResponseWriter, reason, format string, args ...any) {
	s.metrics.rejected(reason)
	w.Header().Set("Retry-After", "1")
	writeError(w, http.StatusServiceUnavailable, "busy: "+format+"; retry later", args...)
}

// uploadFailed answers an upload whose body could not be read or decoded:
// 413 over MaxBodyBytes, else 400.
func (s *Server) uploadFailed(w http.ResponseWriter, err error) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		writeError(w, http.StatusRequestEntityTooLarge, "image larger than the %d-byte limit", tooLarge.Limit)
		return
	}
	writeError(w, http.StatusBadRequest, "%v", err)
}

// decodeUpload decodes an uploaded image from its body with the decoder
// every entry point shares, which checks the size the header declares
// against MaxImagePixels before allocating the pixels. headerBytes is how
// many bytes of body the header took, 0 when the body was empty.
func (s *Server) decodeUpload(body io.Reader, headerBytes int) (image.Image, error) {
	img, _, err := imagedecode.Decode(body, s.cfg.MaxImagePixels)
	switch {
	case err != nil && headerBytes == 0:
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, tooLarge
		}
		return nil, errors.New("empty body: POST a JPEG, PNG, GIF or BMP image")
	case err != nil:
		return nil, fmt.Errorf("body: %w", err)
	}
	return img, nil
}

// serveHealth answers "ok" (200) while frames flow, else 503 and the
// problem; a line about skipped files follows either.
func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	h := s.Health()
	if h.OK {
		io.WriteString(w, "ok\n")
	} else {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, h.Problem)
	}
	if h.Skipped > 0 {
		fmt.Fprintf(w, "%d files skipped; the last: %s\n", h.Skipped, h.LastSkipped)
	}
	if h.DetectErrors > 0 {
		fmt.Fprintf(w, "%d frames failed detection", h.DetectErrors)
		if h.DetectError != "" {
			fmt.Fprintf(w, "; the last, since the last frame: %s", h.DetectError)
		}
		fmt.Fprintln(w)
	}
}

// serveHealthJSON is GET /api/health: Health as JSON, with the status
// code of /healthz.
func (s *Server) serveHealthJSON(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	h := s.Health()
	code := http.StatusOK
	if !h.OK {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, h)
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	s.metrics.writeTo(w)
}
