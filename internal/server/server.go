// Package server serves a live vision task over HTTP: a capture loop runs
// a camera source through a model (a detector, classifier, segmenter, pose
// estimator or face detector: see Task), and handlers publish the newest
// result as JSON, as server-sent events, as JPEG frames, as a page that
// draws them in a browser, and as Prometheus metrics; POST /api/detect (and
// POST /api/<task>) runs the model on an uploaded image.
//
//	srv, err := server.New(server.Config{Source: src, Detector: pool})
//	srv, err := server.New(server.Config{Source: src, Task: server.PoseTask(pool)})
//	go srv.Run(ctx)                 // the capture loop, until ctx ends
//	hs := server.NewHTTPServer(":8080", srv.Handler())
//	hs.ListenAndServe()
//
// Serve does both and stops them in the right order:
//
//	err := srv.Serve(ctx, ln)       // until ctx ends or either fails
//	pool.Close()                    // nothing uses the model any more
//
// To run them separately, end Run's context first (streams then finish),
// then call http.Server.Shutdown, and close the model after both.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/percept-robotics/percept/camera"
)

// Defaults for the zero fields of Config.
const (
	DefaultMaxBodyBytes   = 16 << 20
	DefaultMaxImagePixels = 25_000_000
	DefaultStaleAfter     = 5 * time.Second
	DefaultShutdownGrace  = 5 * time.Second
	// DefaultQueuePerRunner is how many uploads per runner may be admitted
	// at once (waiting for a runner or using one) when Config.MaxQueue is 0.
	DefaultQueuePerRunner = 4
	// BytesPerPixel is what the memory budget reserves for each pixel an
	// upload's header declares: the decoded image (up to 4 bytes a pixel)
	// and the model's packed RGB copy of it (3).
	BytesPerPixel = 7
	// degradedWindow is how far back the stream's frame rate is measured
	// against Config.TargetFPS.
	degradedWindow = 3 * time.Second
	// degradedShare is the share of TargetFPS below which the stream is
	// degraded.
	degradedShare = 0.8
)

// DefaultMemoryBudget is the memory budget percept serve derives from its
// model and flags: one upload at the limits (a maxBody-byte body decoding
// to maxPixels pixels), plus, for each of the runners, room for an image of
// 16 times the model's input area (inputPixels) as body and pixels — so
// that one largest legal upload is always admitted and camera-sized
// uploads run on every runner beside it.
func DefaultMemoryBudget(runners, inputPixels int, maxBody int64, maxPixels int) int64 {
	typical := int64(16*inputPixels) * (BytesPerPixel + 1)
	return maxBody + int64(maxPixels)*BytesPerPixel + int64(max(runners, 1))*typical
}

// Config is what a Server serves.
type Config struct {
	// Source yields the live frames. Run reads it through camera.Latest,
	// so a slow detector skips frames instead of queueing them, and closes
	// it when it returns. Wrap cameras in camera.Reconnecting to ride out
	// failures.
	Source camera.Source
	// SourceName is reported as the "image" of each frame result.
	SourceName string
	// Task is what the server runs on every frame and upload; a nil Task
	// with Detector set is DetectTask(Detector). Its model is called and
	// closed as Detector's is.
	Task Task
	// Detector serves both the capture loop and POST /api/detect, from
	// several goroutines at once (set it or Task, not both). A
	// *models.DetectorPool fits: each call takes an idle detector, so a
	// pool of two lets one upload run beside the stream while further
	// uploads wait their turn. The caller closes
	// it once Serve has returned (or, without Serve, after Run and the
	// HTTP server have finished); a call after that may only fail, with
	// models.ErrClosed, which uploads answer with 503.
	Detector Detector
	// MaxBodyBytes bounds uploads (default 16 MiB);
	// larger bodies get 413.
	MaxBodyBytes int64
	// MaxImagePixels bounds the decoded size of uploads (default 25
	// megapixels), so that a small compressed body cannot claim gigabytes.
	MaxImagePixels int
	// Runners is how many calls the model serves at once: the size of its
	// pool (default: the model's Size() when it has one, else 1). The
	// capture loop goes first whenever it waits for one.
	Runners int
	// ReserveRunner keeps one of two or more runners for the capture loop,
	// so that it always finds one free and uploads use the others: for a
	// robot's own camera, whose frames come first. percept serve sets it
	// for cameras; a service fed by uploads (a file or the embedded photos
	// as its stream) leaves it off and uploads use every runner.
	ReserveRunner bool
	// MaxQueue bounds the uploads admitted at once, waiting for a runner
	// or using one (default DefaultQueuePerRunner per runner); more get
	// 503 with Retry-After at once.
	MaxQueue int
	// MemoryBudget bounds, in bytes, what the uploads admitted at once may
	// hold: each reserves its declared Content-Length (MaxBodyBytes when
	// it declares none) on arrival, then BytesPerPixel for each pixel its
	// header declares before a pixel is decoded. An upload that does not
	// fit gets 503 with Retry-After at once. Default: MaxBodyBytes plus
	// BytesPerPixel×MaxImagePixels, one upload at the limits.
	MemoryBudget int64
	// TargetFPS is the capture loop's expected frame rate (the source's):
	// /healthz reports the stream degraded (503) when, over the last 3 s,
	// it processed fewer than 80% of that. 0: not checked.
	TargetFPS float64
	// StaleAfter is how long /healthz tolerates no new frame before it
	// reports 503 (default 5 s).
	StaleAfter time.Duration
	// ReadEveryFrame makes Run read Source directly instead of through
	// camera.Latest: every frame is detected, none is dropped, and the
	// source waits for the detector. It suits sources that make frames on
	// demand (file:, dir:, test:), whose images Latest would otherwise read
	// and discard while the detector works; a live camera needs Latest.
	ReadEveryFrame bool
	// Logf, when set, receives a line for each event of the capture loop
	// worth a log entry: each file the source skips (once, with its name)
	// and each source failure.
	Logf func(format string, args ...any)
	// ShutdownGrace bounds Serve's wait for requests in flight when it
	// stops (default 5 s); requests still running then are cancelled.
	ShutdownGrace time.Duration
	// Profiling mounts net/http/pprof's handlers under /debug/pprof/ on
	// Handler, for profiling a robot in the field. Off by default: the
	// profiles show the program's command line and internals, and a CPU
	// profile or trace costs time while it runs.
	Profiling bool
}

// Server is the capture loop and the HTTP handlers around its results.
type Server struct {
	cfg      Config
	task     Task
	hub      *hub
	metrics  *metrics
	admit    *admission
	sched    *scheduler
	started  atomic.Bool
	inFlight atomic.Int64 // requests being handled, for the shutdown's log

	mu          sync.Mutex
	uploads     int        // POST /api/detect calls using the detector
	uploadsIdle *sync.Cond // signalled, with mu, when uploads falls to 0
	released    bool       // the detector is no longer lent to uploads
	running     bool
	stopErr     error           // why Run returned, once it has
	sourceErr   error           // the source's latest failure since the last frame
	detectErr   error           // the detector's latest failure since the last frame
	lastSkip    error           // the latest file the source skipped
	lastPublish time.Time       // when the newest result was published
	recent      [1024]time.Time // publication times, a ring indexed by frames published
	published   uint64          // frames published, indexing recent
	runSince    time.Time       // when Run started
}

// New checks cfg and makes a server. Nothing runs until Run.
func New(cfg Config) (*Server, error) {
	if cfg.Source == nil {
		return nil, errors.New("server: Config.Source is nil")
	}
	task, err := newTask(&cfg)
	if err != nil {
		return nil, err
	}
	if cfg.MaxBodyBytes < 0 || cfg.MaxImagePixels < 0 || cfg.StaleAfter < 0 || cfg.ShutdownGrace < 0 ||
		cfg.Runners < 0 || cfg.MaxQueue < 0 || cfg.MemoryBudget < 0 || cfg.TargetFPS < 0 {
		return nil, fmt.Errorf("server: negative limit in Config (MaxBodyBytes %d, MaxImagePixels %d, StaleAfter %v, ShutdownGrace %v, "+
			"Runners %d, MaxQueue %d, MemoryBudget %d, TargetFPS %g)",
			cfg.MaxBodyBytes, cfg.MaxImagePixels, cfg.StaleAfter, cfg.ShutdownGrace, cfg.Runners, cfg.MaxQueue, cfg.MemoryBudget, cfg.TargetFPS)
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxImagePixels == 0 {
		cfg.MaxImagePixels = DefaultMaxImagePixels
	}
	if cfg.StaleAfter == 0 {
		cfg.StaleAfter = DefaultStaleAfter
	}
	if cfg.ShutdownGrace == 0 {
		cfg.ShutdownGrace = DefaultShutdownGrace
	}
	if cfg.Runners == 0 {
		cfg.Runners = taskRunners(task)
	}
	if cfg.MaxQueue == 0 {
		cfg.MaxQueue = DefaultQueuePerRunner * cfg.Runners
	}
	if cfg.MemoryBudget == 0 {
		cfg.MemoryBudget = cfg.MaxBodyBytes + int64(cfg.MaxImagePixels)*BytesPerPixel
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	s := &Server{cfg: cfg, task: task, hub: newHub(), metrics: newMetrics(),
		admit: &admission{maxQueue: cfg.MaxQueue, budget: cfg.MemoryBudget}, sched: newScheduler(cfg.Runners, cfg.ReserveRunner)}
	s.uploadsIdle = sync.NewCond(&s.mu)
	s.metrics.admitted = s.admit.state
	return s, nil
}

// Stats returns the capture loop's counters.
func (s *Server) Stats() Stats { return s.metrics.stats() }

// Run is the capture loop: it reads frames, runs the task on them and
// publishes the results until ctx ends (returning nil), the source ends (io.EOF,
// returning nil) or fails with anything but camera.ErrReconnecting or
// camera.ErrSkipped (which are counted, logged and waited out). A frame the
// detector fails on is counted (Stats.DetectErrors, Health.DetectError),
// logged once per run of identical failures, and passed over. It closes
// the source and ends the event streams before returning. Run may be
// called once.
func (s *Server) Run(ctx context.Context) error {
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("server: Run called twice")
	}
	src := s.cfg.Source
	if !s.cfg.ReadEveryFrame {
		src = camera.Latest(src)
	}
	s.mu.Lock()
	s.running = true
	s.runSince = time.Now()
	s.mu.Unlock()

	err := s.capture(ctx, src)
	if closeErr := src.Close(); err == nil && closeErr != nil {
		err = fmt.Errorf("server: closing the source: %w", closeErr)
	}
	s.mu.Lock()
	s.running = false
	s.stopErr = err
	if err == nil {
		s.stopErr = errors.New("stopped")
	}
	s.mu.Unlock()
	s.hub.end()
	return err
}

// capture runs frames through the task until the loop must end.
func (s *Server) capture(ctx context.Context, src camera.Source) error {
	var frameImage camera.FrameImage
	for seq := uint64(0); ; {
		frame, err := src.Next(ctx)
		switch {
		case ctx.Err() != nil, errors.Is(err, io.EOF):
			return nil
		case errors.Is(err, camera.ErrSkipped):
			s.fileSkipped(err)
			continue
		case errors.Is(err, camera.ErrReconnecting):
			s.sourceFailed(err)
			continue
		case err != nil:
			s.recordSourceError(err) // Run's caller reports it
			return fmt.Errorf("server: source: %w", err)
		}
		s.metrics.captured.Add(1 + frame.Dropped)
		s.metrics.dropped.Add(frame.Dropped)
		img, err := frame.Image(&frameImage)
		if err != nil {
			s.sourceFailed(err)
			continue
		}

		if s.sched.acquire(ctx, true) != nil {
			return nil
		}
		start := time.Now()
		out, err := s.task.run(ctx, img)
		inference := time.Since(start)
		s.sched.release()
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			// A failed detection (an Edge TPU request that failed, say) is
			// that frame's failure: counted, kept for the health report
			// (which turns stale when every frame fails), and the loop
			// goes on with the next frame.
			s.detectFailed(err)
			continue
		}
		b := img.Bounds()
		snap := &snapshot{seq: seq, out: out, img: image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))}
		draw.Draw(snap.img, snap.img.Rect, img, b.Min, draw.Src) // the frame buffer is reused; the snapshot outlives it
		latency := time.Since(frame.Time)
		meta := frameInfo{
			Seq:         seq,
			Time:        frame.Time,
			Dropped:     frame.Dropped,
			InferenceMS: milliseconds(inference),
			LatencyMS:   milliseconds(latency),
		}
		if snap.body, err = json.Marshal(out.value(s.cfg.SourceName, b.Dx(), b.Dy(), &meta)); err != nil {
			return fmt.Errorf("server: encoding frame %d: %w", seq, err)
		}
		s.hub.publish(snap)
		s.metrics.frameProcessed(inference, latency)
		s.mu.Lock()
		s.lastPublish = time.Now()
		s.recent[s.published%uint64(len(s.recent))] = s.lastPublish
		s.published++
		s.sourceErr = nil
		s.detectErr = nil
		s.mu.Unlock()
		seq++
	}
}

// sourceFailed records and logs a failure of the source that the capture
// loop waits out. A run of identical failures (a camera sending broken
// frames) is logged once.
func (s *Server) sourceFailed(err error) {
	if repeated := s.recordSourceError(err); !repeated {
		s.cfg.Logf("%v", err)
	}
}

// recordSourceError counts a failure of the source and keeps it for the
// health report; it says whether the previous failure was the same.
func (s *Server) recordSourceError(err error) (repeated bool) {
	s.metrics.sourceErrors.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	repeated = s.sourceErr != nil && s.sourceErr.Error() == err.Error()
	s.sourceErr = err
	return repeated
}

// detectFailed counts a frame the detector failed on and keeps the error
// for the health report; a run of identical failures is logged once.
func (s *Server) detectFailed(err error) {
	s.metrics.detectErrors.Add(1)
	s.mu.Lock()
	repeated := s.detectErr != nil && s.detectErr.Error() == err.Error()
	s.detectErr = err
	s.mu.Unlock()
	if !repeated {
		s.cfg.Logf("detection failed: %v", err)
	}
}

// fileSkipped records and logs a file the source passed over.
func (s *Server) fileSkipped(err error) {
	s.metrics.skipped.Add(1)
	s.mu.Lock()
	s.lastSkip = err
	s.mu.Unlock()
	s.cfg.Logf("%v", err)
}

// The states of Health.State.
const (
	StateNotStarted   = "not started"  // Run has not been called
	StateWaiting      = "waiting"      // no frame processed yet
	StateLive         = "live"         // frames are being processed
	StateStale        = "stale"        // no new frame for longer than StaleAfter
	StateDegraded     = "degraded"     // frames are processed, below 80% of TargetFPS
	StateReconnecting = "reconnecting" // the source failed and is being reopened
	StateEnded        = "ended"        // the capture loop has returned
)

// Health is what the server knows of its capture loop and source: the body
// of GET /api/health, and what GET /healthz and the live page say.
type Health struct {
	// OK is true while the capture loop runs and its newest result is
	// younger than StaleAfter: /healthz then answers 200.
	OK bool `json:"ok"`
	// State is one of the State constants.
	State string `json:"state"`
	// Problem says why OK is false, as /healthz does.
	Problem string `json:"problem,omitempty"`
	// Source is Config.SourceName.
	Source string `json:"source"`
	// Frames counts the frames processed so far.
	Frames uint64 `json:"frames"`
	// FPS is the stream's frame rate over the last 3 s, TargetFPS the
	// rate below 80% of which the stream is degraded (0: not checked).
	FPS       float64 `json:"fps"`
	TargetFPS float64 `json:"target_fps,omitempty"`
	// LastFrame is when the newest result was published.
	LastFrame time.Time `json:"last_frame,omitzero"`
	// SourceError is the source's latest failure since the last frame
	// (an outage being waited out, a frame that did not decode).
	SourceError string `json:"source_error,omitempty"`
	// Skipped counts the files the source passed over (camera.ErrSkipped);
	// LastSkipped names the latest and why.
	Skipped     uint64 `json:"skipped"`
	LastSkipped string `json:"last_skipped,omitempty"`
	// DetectErrors counts the frames the detector failed on; DetectError
	// is its latest failure since the last published frame.
	DetectErrors uint64 `json:"detect_errors"`
	DetectError  string `json:"detect_error,omitempty"`
}

// Health reports the state of the capture loop and its source.
func (s *Server) Health() Health {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := Health{
		Source:    s.cfg.SourceName,
		Frames:    s.metrics.processed.Load(),
		LastFrame: s.lastPublish,
		Skipped:   s.metrics.skipped.Load(),

		DetectErrors: s.metrics.detectErrors.Load(),
	}
	if s.detectErr != nil {
		h.DetectError = s.detectErr.Error()
	}
	if s.sourceErr != nil {
		h.SourceError = s.sourceErr.Error()
	}
	if s.lastSkip != nil {
		h.LastSkipped = s.lastSkip.Error()
	}
	switch {
	case !s.running && s.stopErr != nil:
		h.State, h.Problem = StateEnded, "capture loop ended: "+s.stopErr.Error()
		return h
	case !s.running:
		h.State, h.Problem = StateNotStarted, "capture loop not started"
		return h
	case s.lastPublish.IsZero():
		h.State, h.Problem = StateWaiting, "no frame processed yet"
	case time.Since(s.lastPublish) > s.cfg.StaleAfter:
		h.State, h.Problem = StateStale, fmt.Sprintf("no frame for %v", time.Since(s.lastPublish).Round(time.Millisecond))
	default:
		h.OK, h.State = true, StateLive
	}
	h.FPS, h.TargetFPS = s.recentFPS(), s.cfg.TargetFPS
	if h.OK && h.TargetFPS > 0 && time.Since(s.runSince) >= degradedWindow && h.FPS < degradedShare*h.TargetFPS {
		h.OK, h.State = false, StateDegraded
		h.Problem = fmt.Sprintf("stream degraded: %.1f fps over the last %v, below %.0f%% of its %g fps target",
			h.FPS, degradedWindow, 100*degradedShare, h.TargetFPS)
	}
	if errors.Is(s.sourceErr, camera.ErrReconnecting) {
		h.State = StateReconnecting
	}
	if !h.OK && s.sourceErr != nil {
		h.Problem += ": " + h.SourceError
	}
	if !h.OK && s.detectErr != nil {
		h.Problem += ": detection failing: " + h.DetectError
	}
	return h
}

// recentFPS is the frames published per second over the last
// degradedWindow (s.mu held): those within it among the last len(recent).
func (s *Server) recentFPS() float64 {
	since := time.Now().Add(-degradedWindow)
	window := degradedWindow
	if s.runSince.After(since) {
		since, window = s.runSince, time.Since(s.runSince)
	}
	if window <= 0 {
		return 0
	}
	n := 0
	for _, t := range s.recent {
		if !t.IsZero() && t.After(since) {
			n++
		}
	}
	return float64(n) / window.Seconds()
}

// Serve runs the capture loop and serves Handler on ln until ctx ends
// (returning nil), the capture loop ends or the HTTP server fails. It then
// stops them in order: the capture loop first, which ends the event
// streams; then the HTTP server, which waits up to ShutdownGrace for the
// requests in flight and then cuts the ones still running (a slow upload,
// say), logging how many; cutting them is part of a clean stop. When Serve
// returns, neither the source nor the detector is in use: close the
// detector then, never before. A source that ends (io.EOF) leaves the
// server nothing to show and is an error here.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	// Requests keep running through the grace period after ctx ends, and
	// are cancelled with requests when it is over.
	requests, cancelRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRequests()
	hs := NewHTTPServer(ln.Addr().String(), s.Handler())
	hs.BaseContext = func(net.Listener) context.Context { return requests }

	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	runDone := make(chan error, 1)
	go func() { runDone <- s.Run(runCtx) }()
	serveDone := make(chan error, 1)
	go func() { serveDone <- hs.Serve(ln) }()

	var runErr, serveErr error
	runEnded, serveEnded := false, false
	select {
	case <-ctx.Done():
	case runErr = <-runDone:
		runEnded = true
		if runErr == nil && ctx.Err() == nil {
			runErr = errors.New("server: the source ended")
		}
	case serveErr = <-serveDone:
		serveEnded = true
	}
	stopRun()
	if !runEnded {
		runErr = <-runDone
	}
	grace, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownGrace)
	defer cancel()
	if err := hs.Shutdown(grace); err != nil {
		// The grace period is over: what still runs is cut, which is
		// the stop asked for, not a failure of the server.
		s.cfg.Logf("shutdown: cut %d requests still running after the %v grace period", s.inFlight.Load(), s.cfg.ShutdownGrace)
		cancelRequests()
		hs.Close()
	}
	if !serveEnded {
		serveErr = <-serveDone
	}
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	s.releaseDetector()
	return errors.Join(runErr, serveErr)
}

// borrowDetector lends the detector to an upload, or returns false once
// Serve has released it.
func (s *Server) borrowDetector() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.released {
		return false
	}
	s.uploads++
	return true
}

// returnDetector ends an upload's loan.
func (s *Server) returnDetector() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.uploads--
	if s.uploads == 0 {
		s.uploadsIdle.Broadcast()
	}
}

// releaseDetector refuses further uploads and waits for those in flight.
func (s *Server) releaseDetector() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.released = true
	for s.uploads > 0 {
		s.uploadsIdle.Wait()
	}
}

// NewHTTPServer returns an http.Server for handler with timeouts that suit
// these handlers: a slow or stalled client cannot hold a connection open
// (headers within 5 s, a 16 MiB upload within 30 s, a response within 30
// s, idle connections closed after 2 min) while event streams, which lift
// their own write deadline, run as long as their client listens.
func NewHTTPServer(addr string, handler http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}
