// Package server serves live object detection over HTTP: a capture loop
// runs a camera source through a detector, and handlers publish the newest
// result as JSON, as server-sent events, as JPEG frames, as a page that
// draws them in a browser, and as Prometheus metrics; POST /api/detect runs
// the detector on an uploaded image.
//
//	srv, err := server.New(server.Config{Source: src, Detector: pool})
//	go srv.Run(ctx)                 // the capture loop, until ctx ends
//	hs := server.NewHTTPServer(":8080", srv.Handler())
//	hs.ListenAndServe()
//
// To stop, end Run's context first (streams then finish), then call
// http.Server.Shutdown.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/percept-robotics/percept/camera"
	"github.com/percept-robotics/percept/models"
)

// Defaults for the zero fields of Config.
const (
	DefaultMaxBodyBytes   = 16 << 20
	DefaultMaxImagePixels = 25_000_000
	DefaultStaleAfter     = 5 * time.Second
)

// Config is what a Server serves.
type Config struct {
	// Source yields the live frames. Run reads it through camera.Latest,
	// so a slow detector skips frames instead of queueing them, and closes
	// it when it returns. Wrap cameras in camera.Reconnecting to ride out
	// failures.
	Source camera.Source
	// SourceName is reported as the "image" of each frame result.
	SourceName string
	// Detector serves both the capture loop and POST /api/detect, from
	// several goroutines at once. A *models.DetectorPool fits: each call
	// takes an idle detector, so a pool of two lets one upload run beside
	// the stream while further uploads wait their turn. The caller closes
	// it after Run and the HTTP server have finished.
	Detector Detector
	// MaxBodyBytes bounds uploads to POST /api/detect (default 16 MiB);
	// larger bodies get 413.
	MaxBodyBytes int64
	// MaxImagePixels bounds the decoded size of uploads (default 25
	// megapixels), so that a small compressed body cannot claim gigabytes.
	MaxImagePixels int
	// StaleAfter is how long /healthz tolerates no new frame before it
	// reports 503 (default 5 s).
	StaleAfter time.Duration
}

// Detector finds objects in images. Detect is called from many goroutines
// at once and returns a slice the caller keeps; *models.DetectorPool is
// one.
type Detector interface {
	// Detect finds the objects in img, giving up when ctx is done.
	Detect(ctx context.Context, img image.Image) ([]models.Detection, error)
}

// Server is the capture loop and the HTTP handlers around its results.
type Server struct {
	cfg     Config
	hub     *hub
	metrics *metrics
	started atomic.Bool

	mu          sync.Mutex
	running     bool
	stopErr     error     // why Run returned, once it has
	sourceErr   error     // the source's latest failure
	lastPublish time.Time // when the newest result was published
}

// New checks cfg and makes a server. Nothing runs until Run.
func New(cfg Config) (*Server, error) {
	if cfg.Source == nil {
		return nil, errors.New("server: Config.Source is nil")
	}
	if cfg.Detector == nil {
		return nil, errors.New("server: Config.Detector is nil")
	}
	if cfg.MaxBodyBytes < 0 || cfg.MaxImagePixels < 0 || cfg.StaleAfter < 0 {
		return nil, fmt.Errorf("server: negative limit in Config (MaxBodyBytes %d, MaxImagePixels %d, StaleAfter %v)",
			cfg.MaxBodyBytes, cfg.MaxImagePixels, cfg.StaleAfter)
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
	return &Server{cfg: cfg, hub: newHub(), metrics: newMetrics()}, nil
}

// Stats returns the capture loop's counters.
func (s *Server) Stats() Stats { return s.metrics.stats() }

// Run is the capture loop: it reads frames, detects objects and publishes
// the results until ctx ends (returning nil), the source ends (io.EOF,
// returning nil) or fails with anything but camera.ErrReconnecting, or the
// detector fails. It closes the source and ends the event streams before
// returning. Run may be called once.
func (s *Server) Run(ctx context.Context) error {
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("server: Run called twice")
	}
	src := camera.Latest(s.cfg.Source)
	s.mu.Lock()
	s.running = true
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

// capture runs frames through the detector until the loop must end.
func (s *Server) capture(ctx context.Context, src camera.Source) error {
	var frameImage camera.FrameImage
	for seq := uint64(0); ; {
		frame, err := src.Next(ctx)
		switch {
		case ctx.Err() != nil, errors.Is(err, io.EOF):
			return nil
		case errors.Is(err, camera.ErrReconnecting):
			s.sourceFailed(err)
			continue
		case err != nil:
			s.sourceFailed(err)
			return fmt.Errorf("server: source: %w", err)
		}
		s.metrics.captured.Add(1 + frame.Dropped)
		s.metrics.dropped.Add(frame.Dropped)
		img, err := frame.Image(&frameImage)
		if err != nil {
			s.sourceFailed(err)
			continue
		}

		start := time.Now()
		dets, err := s.cfg.Detector.Detect(ctx, img)
		inference := time.Since(start)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return fmt.Errorf("server: frame %d: %w", seq, err)
		}
		if dets == nil {
			dets = []models.Detection{}
		}
		b := img.Bounds()
		snap := &snapshot{img: image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))}
		draw.Draw(snap.img, snap.img.Rect, img, b.Min, draw.Src) // the frame buffer is reused; the snapshot outlives it
		latency := time.Since(frame.Time)
		snap.result = FrameResult{
			Result:      Result{Image: s.cfg.SourceName, Width: b.Dx(), Height: b.Dy(), Detections: dets},
			Seq:         seq,
			Time:        frame.Time,
			Dropped:     frame.Dropped,
			InferenceMS: milliseconds(inference),
			LatencyMS:   milliseconds(latency),
		}
		if snap.body, err = json.Marshal(snap.result); err != nil {
			return fmt.Errorf("server: encoding frame %d: %w", seq, err)
		}
		s.hub.publish(snap)
		s.metrics.frameProcessed(inference, latency)
		s.mu.Lock()
		s.lastPublish = time.Now()
		s.sourceErr = nil
		s.mu.Unlock()
		seq++
	}
}

// sourceFailed records a failure of the source.
func (s *Server) sourceFailed(err error) {
	s.metrics.sourceErrors.Add(1)
	s.mu.Lock()
	s.sourceErr = err
	s.mu.Unlock()
}

// health explains why the server is unhealthy, or returns "" when the
// capture loop runs and its newest result is recent.
func (s *Server) health() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var problem string
	switch {
	case !s.running && s.stopErr != nil:
		return "capture loop ended: " + s.stopErr.Error()
	case !s.running:
		return "capture loop not started"
	case s.lastPublish.IsZero():
		problem = "no frame processed yet"
	case time.Since(s.lastPublish) > s.cfg.StaleAfter:
		problem = fmt.Sprintf("no frame for %v", time.Since(s.lastPublish).Round(time.Millisecond))
	default:
		return ""
	}
	if s.sourceErr != nil {
		problem += ": " + s.sourceErr.Error()
	}
	return problem
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
