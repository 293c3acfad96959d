package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/camera"
	"github.com/percept-robotics/percept/internal/server"
	"github.com/percept-robotics/percept/models"
)

// sampleSeconds is how long the embedded demo shows each sample photo.
const sampleSeconds = 3

// shutdownGrace bounds the wait for requests in flight at shutdown.
const shutdownGrace = 5 * time.Second

func serveCmd(args []string, stdout io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, args, stdout, nil)
}

// serve runs `percept serve` until ctx ends (a clean stop, returning nil)
// or the capture loop or the HTTP server fails. When listening is not nil
// it receives the address the server listens on.
func serve(ctx context.Context, args []string, stdout io.Writer, listening func(addr net.Addr)) error {
	fs := newFlags("serve")
	spec := fs.String("source", "", "frames: camera:N, v4l2:/dev/videoN, file:PATH, dir:GLOB, test: or gocv:URL; default: the embedded sample photos")
	modelPath := fs.String("model", "", "detection model (.tflite); default: the embedded SSD-MobileNet v1")
	labelsPath := fs.String("labels", "", "label file, overriding the labels packed in the model")
	threshold := fs.Float64("threshold", 0.5, "minimum score")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	threads := fs.Int("threads", 0, "threads per detector (0: the cores shared among the detectors)")
	detectors := fs.Int("detectors", 2, "detectors shared by the stream and POST /api/detect (each holds its own arena)")
	rate := fs.Float64("rate", 15, "frames per second for file:, dir:, test: and the embedded photos (0: unpaced, which keeps a core busy reading frames; to measure throughput, pick a rate above the detector's)")
	maxBody := fs.Int64("max-body", server.DefaultMaxBodyBytes, "largest image POST /api/detect accepts, in bytes")
	statsEvery := fs.Duration("stats", 0, "print frame rate and latency at this interval (0: never)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageError{fmt.Sprintf("unexpected argument %q (the source is given with -source)", fs.Arg(0))}
	case *threads < 0:
		return usageError{"-threads must not be negative"}
	case *detectors < 1:
		return usageError{"-detectors must be at least 1"}
	case *rate < 0:
		return usageError{"-rate must not be negative"}
	case *maxBody < 1:
		return usageError{"-max-body must be at least 1"}
	case *statsEvery < 0:
		return usageError{"-stats must not be negative"}
	}

	opts := &models.Options{MinScore: float32(*threshold), Threads: *threads}
	if err := loadLabels(*labelsPath, opts); err != nil {
		return err
	}
	m, err := openModel(*modelPath, assets.DetectorModel)
	if err != nil {
		return err
	}
	defer m.Close()
	pool, err := models.NewDetectorPool(m, opts, *detectors)
	if err != nil {
		return err
	}
	defer pool.Close()

	src, name, err := openServeSource(*spec, *rate)
	if err != nil {
		return err
	}
	srv, err := server.New(server.Config{Source: src, SourceName: name, Detector: pool, MaxBodyBytes: *maxBody})
	if err != nil {
		src.Close()
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		src.Close()
		return err
	}
	hs := server.NewHTTPServer(*addr, srv.Handler())
	fmt.Fprintf(stdout, "percept serve: detecting in %s; open http://%s/\n", name, ln.Addr())
	if listening != nil {
		listening(ln.Addr())
	}

	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	runDone := make(chan error, 1)
	go func() { runDone <- srv.Run(runCtx) }()
	serveDone := make(chan error, 1)
	go func() { serveDone <- hs.Serve(ln) }()
	var statsTick <-chan time.Time
	if *statsEvery > 0 {
		ticker := time.NewTicker(*statsEvery)
		defer ticker.Stop()
		statsTick = ticker.C
	}

	var runErr, serveErr error
	runEnded, serveEnded := false, false
	for last := srv.Stats(); !runEnded && !serveEnded; {
		select {
		case <-ctx.Done():
			stopRun()
			runErr, runEnded = <-runDone, true
		case runErr = <-runDone:
			runEnded = true
		case serveErr = <-serveDone:
			serveEnded = true
		case <-statsTick:
			now := srv.Stats()
			printStats(stdout, last, now, *statsEvery)
			last = now
		}
	}
	// The capture loop ends first, which ends the event streams, so that
	// Shutdown finds no endless response to wait for.
	stopRun()
	if !runEnded {
		runErr = <-runDone
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	shutdownErr := hs.Shutdown(shutdownCtx)
	if !serveEnded {
		serveErr = <-serveDone
	}
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	if ctx.Err() == nil && runErr == nil && serveErr == nil {
		runErr = errors.New("the source ended")
	}
	return errors.Join(runErr, serveErr, shutdownErr)
}

// openServeSource opens the frames named by spec, or the embedded sample
// photos when spec is empty, and returns them with a name for the results.
// A named source is opened once now, so that a typo fails at once, and is
// reopened with back-off whenever it fails later.
func openServeSource(spec string, rate float64) (camera.Source, string, error) {
	if spec == "" {
		var photos []image.Image
		for _, data := range [][]byte{assets.DogsJPEG, assets.BurgerJPEG} {
			img, err := models.DecodeImage(bytes.NewReader(data))
			if err != nil {
				return nil, "", fmt.Errorf("embedded sample: %w", err)
			}
			photos = append(photos, img)
		}
		hold := max(1, int(rate*sampleSeconds))
		src, err := server.NewImageSource(photos, rate, hold)
		return src, "embedded:dogs.jpg,burger.jpg", err
	}
	opts := camera.Options{Loop: true, Rate: rate}
	first, err := camera.Open(spec, opts)
	if err != nil {
		return nil, "", err
	}
	reopen := func() (camera.Source, error) {
		if first != nil {
			src := first
			first = nil
			return src, nil
		}
		return camera.Open(spec, opts)
	}
	return camera.Reconnecting(reopen, camera.Backoff{}), spec, nil
}

// printStats prints the frame rate and mean latencies between two readings
// of the server's counters.
func printStats(w io.Writer, before, after server.Stats, interval time.Duration) {
	frames := after.Processed - before.Processed
	line := fmt.Sprintf("percept serve: %.1f fps", float64(frames)/interval.Seconds())
	if frames > 0 {
		inference := (after.InferenceTotal - before.InferenceTotal) / time.Duration(frames)
		latency := (after.LatencyTotal - before.LatencyTotal) / time.Duration(frames)
		line += fmt.Sprintf(", inference %.1f ms, capture→result %.1f ms",
			inference.Seconds()*1000, latency.Seconds()*1000)
	}
	fmt.Fprintf(w, "%s, dropped %d, source errors %d\n", line,
		after.Dropped-before.Dropped, after.SourceErrors-before.SourceErrors)
}
