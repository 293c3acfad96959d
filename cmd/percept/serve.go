package main

import (
	"bytes"
	"cmp"
	"context"
	"flag"
	"fmt"
	"image"
	"io"
	"net"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/camera"
	"github.com/percept-robotics/percept/internal/server"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/tflite"
)

// defaultHold is how long serve shows each image of file:, dir: and the
// embedded samples.
const defaultHold = 3 * time.Second

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
	taskName := fs.String("task", "", "what to run on each frame: "+strings.Join(serveTaskNames, ", ")+
		"; default: the task the -model fits, detect with the embedded model")
	modelPath := fs.String("model", "", "model (.tflite) for the task; default: the embedded model of the task "+
		"(SSD-MobileNet v1 for detect, MobileNet v1 0.25 for classify, DeepLab v3 PASCAL VOC for segment, "+
		"MoveNet lightning for pose, BlazeFace short-range for faces)")
	labelsPath := fs.String("labels", "", "label file, overriding the labels packed in the model")
	threshold := fs.Float64("threshold", 0.5, "minimum score, from 0 to 1, of a detection; given explicitly, also of a listed class "+
		"(classify), a pose (pose: the mean of its keypoints' scores) or a face (faces, where the default is MediaPipe's for the model)")
	top := fs.Int("top", 5, "classes listed per frame with -task classify, highest score first")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	threads := fs.Int("threads", 0, "threads per model instance (0: the cores shared among the -detectors instances)")
	detectors := fs.Int("detectors", 2, "model instances shared by the stream and uploads to POST /api/detect (each holds its own arena); "+
		"the stream always goes first, and with a camera source and two or more instances one is kept for it while uploads share the others")
	profiling := fs.Bool("pprof", false, "serve Go's profiles (net/http/pprof) under /debug/pprof/ on the same address, "+
		"for profiling a robot in the field; they expose the command line and the program's internals: never on by default")
	hold := fs.Duration("hold", defaultHold, "how long each image of file:, dir: and the embedded photos stays on the page. "+
		"Every image of file: or dir: is detected in turn, none skipped however slow the detector, so that a folder "+
		"of photos can be looked through; files that are not images or are over -max-pixels are skipped and logged. "+
		"0: play them at -rate like video frames, still every one detected")
	rate := fs.Float64("rate", 15, "frames per second for test: and the embedded photos, and for file: and dir: with -hold 0 "+
		"(0: unpaced, which keeps a core busy reading frames; to measure throughput, pick a rate above the detector's); "+
		"for cameras, test: and the photos also the rate below 80% of which /healthz reports the stream degraded")
	maxPixels := fs.Int("max-pixels", camera.DefaultMaxPixels, "refuse an image (file:, dir:, MJPEG camera frame or upload) whose header declares more pixels than this, before decoding it")
	maxBody := fs.Int64("max-body", server.DefaultMaxBodyBytes, "largest image POST /api/detect accepts, in bytes")
	queue := fs.Int("queue", 0, fmt.Sprintf("uploads admitted at once, waiting for a model instance or using one; more get 503 "+
		"with Retry-After at once (0: %d per -detectors instance)", server.DefaultQueuePerRunner))
	memory := fs.Int64("memory", 0, fmt.Sprintf("memory budget in bytes for the bodies and decoded images of the uploads admitted at once: "+
		"each reserves its Content-Length (or -max-body) on arrival and %d bytes per pixel its header declares before "+
		"decoding; an upload that does not fit gets 503 with Retry-After at once (0: -max-body + %d×-max-pixels, one "+
		"upload at the limits, plus per -detectors instance %d bytes × 16 × the model's input pixels; %d MB for "+
		"the embedded detector with the defaults)", server.BytesPerPixel, server.BytesPerPixel, server.BytesPerPixel+1,
		server.DefaultMemoryBudget(2, 300*300, server.DefaultMaxBodyBytes, camera.DefaultMaxPixels)/1_000_000))
	statsEvery := fs.Duration("stats", 0, "print frame rate and latency at this interval (0: never)")
	tpu := addEdgeTPUFlags(fs)
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageError{fmt.Sprintf("unexpected argument %q (the source is given with -source)", fs.Arg(0))}
	case *taskName != "" && !slices.Contains(serveTaskNames, *taskName):
		return usageError{fmt.Sprintf("-task %q: want one of %s", *taskName, strings.Join(serveTaskNames, ", "))}
	case *threshold < 0 || *threshold > 1:
		return usageError{fmt.Sprintf("-threshold %g: want a score from 0 to 1", *threshold)}
	case *top < 1:
		return usageError{fmt.Sprintf("-top %d: want at least 1", *top)}
	case *threads < 0:
		return usageError{"-threads must not be negative"}
	case *detectors < 1:
		return usageError{"-detectors must be at least 1"}
	case *hold < 0:
		return usageError{"-hold must not be negative"}
	case *rate < 0:
		return usageError{"-rate must not be negative"}
	case *maxPixels < 1:
		return usageError{fmt.Sprintf("-max-pixels %d: want at least 1", *maxPixels)}
	case *maxBody < 1:
		return usageError{"-max-body must be at least 1"}
	case *queue < 0:
		return usageError{"-queue must not be negative"}
	case *memory < 0:
		return usageError{"-memory must not be negative"}
	case *statsEvery < 0:
		return usageError{"-stats must not be negative"}
	}
	var c checks
	tpu.check(&c)
	if c.err != nil {
		return c.err
	}

	thresholdSet := false
	fs.Visit(func(f *flag.Flag) { thresholdSet = thresholdSet || f.Name == "threshold" })

	opts := &models.Options{MinScore: float32(*threshold), Threads: *threads, MaxPixels: *maxPixels}
	if err := loadLabels(*labelsPath, opts); err != nil {
		return err
	}
	closeFallback, err := tpu.apply(opts, "serve", stdout)
	if err != nil {
		return err
	}
	defer closeFallback()
	name, m, err := openServeModel(*taskName, *modelPath)
	if err != nil {
		return err
	}
	defer m.Close()
	if name == "segment" && *modelPath == "" && opts.Labels == nil {
		// The embedded DeepLab's class names come beside it.
		if opts.Labels, err = models.ParseLabels(assets.SegmenterLabels); err != nil {
			return err
		}
	}
	tpu.checkModel(m, "serve", stdout)
	if name == "classify" {
		opts.MaxResults = *top
	}
	if name != "detect" && !thresholdSet {
		// A classifier lists its top classes whatever their score, a pose
		// estimator keeps its pose, and a face detector keeps MediaPipe's
		// threshold for its model, unless -threshold says otherwise.
		opts.MinScore = 0
	}
	task, closeTask, inputPixels, err := newServeTask(name, m, opts, *detectors)
	if err != nil {
		return err
	}
	// Deferred after the model's Close, so run before it; and reached only
	// once srv.Serve has returned, when nothing uses the pool any more.
	defer closeTask()

	plan, err := openServeSource(*spec, sourceTiming{rate: *rate, hold: *hold, maxPixels: *maxPixels})
	if err != nil {
		return err
	}
	srv, err := server.New(server.Config{
		Source:         plan.src,
		SourceName:     plan.name,
		Task:           task,
		MaxBodyBytes:   *maxBody,
		MaxImagePixels: *maxPixels,
		Runners:        *detectors,
		ReserveRunner:  plan.camera,
		MaxQueue:       *queue,
		MemoryBudget:   cmp.Or(*memory, server.DefaultMemoryBudget(*detectors, inputPixels, *maxBody, *maxPixels)),
		TargetFPS:      plan.targetFPS,
		StaleAfter:     plan.staleAfter,
		ReadEveryFrame: plan.everyFrame,
		Logf:           func(format string, args ...any) { fmt.Fprintf(stdout, "percept serve: "+format+"\n", args...) },
		ShutdownGrace:  shutdownGrace,
		Profiling:      *profiling,
	})
	if err != nil {
		plan.src.Close()
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		plan.src.Close()
		return err
	}
	fmt.Fprintf(stdout, "percept serve: %s in %s%s; open http://%s/\n", serveDoing[name], plan.name, plan.note, ln.Addr())
	if *profiling {
		fmt.Fprintf(stdout, "percept serve: profiles at http://%s/debug/pprof/\n", ln.Addr())
	}
	if listening != nil {
		listening(ln.Addr())
	}

	if *statsEvery > 0 {
		stopStats := make(chan struct{})
		statsDone := make(chan struct{})
		go func() {
			defer close(statsDone)
			ticker := time.NewTicker(*statsEvery)
			defer ticker.Stop()
			for last := srv.Stats(); ; {
				select {
				case <-ticker.C:
					now := srv.Stats()
					printStats(stdout, last, now, *statsEvery)
					last = now
				case <-stopStats:
					return
				}
			}
		}()
		defer func() { close(stopStats); <-statsDone }()
	}
	// Serve stops the capture loop, then the HTTP server, and returns when
	// neither can call the pool again.
	return srv.Serve(ctx, ln)
}

// serveTaskNames are the tasks serve runs, in the order in which it tries
// them on a -model given without -task.
var serveTaskNames = []string{"detect", "classify", "segment", "pose", "faces"}

// serveDoing says what serve does for each task, for its start-up line.
var serveDoing = map[string]string{
	"detect":   "detecting objects",
	"classify": "classifying",
	"segment":  "segmenting",
	"pose":     "estimating poses",
	"faces":    "finding faces",
}

// serveModelTasks maps serve's task names to the models package's.
var serveModelTasks = map[string]models.Task{
	"detect":   models.TaskDetector,
	"classify": models.TaskClassifier,
	"segment":  models.TaskSegmenter,
	"pose":     models.TaskPose,
	"faces":    models.TaskFaces,
}

// serveEmbedded holds the embedded model of each task.
var serveEmbedded = map[string][]byte{
	"detect":   assets.DetectorModel,
	"classify": assets.ClassifierModel,
	"segment":  assets.SegmenterModel,
	"pose":     assets.PoseModel,
	"faces":    assets.FaceModel,
}

// openServeModel opens the model at path (or the task's embedded one when
// path is empty) and settles the task: the one asked for, which the model
// must fit, or else the first of serveTaskNames it fits.
func openServeModel(task, path string) (string, *tflite.Model, error) {
	if path == "" {
		if task == "" {
			task = "detect"
		}
		m, err := tflite.Parse(serveEmbedded[task])
		return task, m, err
	}
	m, err := tflite.Open(path)
	if err != nil {
		return "", nil, err
	}
	if task != "" {
		if err := checkServeTask(m, task); err != nil {
			m.Close()
			return "", nil, fmt.Errorf("%s: %w", path, err)
		}
		return task, m, nil
	}
	for _, t := range serveTaskNames {
		if checkServeTask(m, t) == nil {
			return t, m, nil
		}
	}
	err = checkServeTask(m, "detect")
	m.Close()
	return "", nil, fmt.Errorf("%s fits none of serve's tasks (%s): %w", path, strings.Join(serveTaskNames, ", "), err)
}

// checkServeTask is models.CheckTask for one of serve's task names; a task
// this build cannot run fits no model.
func checkServeTask(m *tflite.Model, task string) error {
	t, ok := serveModelTasks[task]
	if !ok {
		return fmt.Errorf("task %s is not built in", task)
	}
	return models.CheckTask(m, t)
}

// newServeTask builds a pool of size instances of m for the task, and
// returns the server's task over it, the pool's Close and the pixels of
// the model's input.
func newServeTask(task string, m *tflite.Model, opts *models.Options, size int) (server.Task, func() error, int, error) {
	pixels := func(in models.InputSpec) int { return in.Width * in.Height }
	switch task {
	case "detect":
		pool, err := models.NewDetectorPool(m, opts, size)
		if err != nil {
			return nil, nil, 0, err
		}
		return server.DetectTask(pool), pool.Close, pixels(pool.Input()), nil
	case "classify":
		pool, err := models.NewClassifierPool(m, opts, size)
		if err != nil {
			return nil, nil, 0, err
		}
		return server.ClassifyTask(pool), pool.Close, pixels(pool.Input()), nil
	case "segment":
		pool, err := models.NewSegmenterPool(m, opts, size)
		if err != nil {
			return nil, nil, 0, err
		}
		return server.SegmentTask(pool), pool.Close, pixels(pool.Input()), nil
	case "pose":
		pool, err := models.NewPoseEstimatorPool(m, opts, size)
		if err != nil {
			return nil, nil, 0, err
		}
		return server.PoseTask(pool), pool.Close, pixels(pool.Input()), nil
	case "faces":
		pool, err := models.NewFaceDetectorPool(m, opts, size)
		if err != nil {
			return nil, nil, 0, err
		}
		return server.FaceTask(pool), pool.Close, pixels(pool.Input()), nil
	}
	return nil, nil, 0, fmt.Errorf("task %s is not built in", task)
}

// sourceTiming is how serve paces and bounds its source.
type sourceTiming struct {
	rate      float64       // frames per second of test: (and file:/dir: when hold is 0)
	hold      time.Duration // how long each image of file:, dir: and the samples stays
	maxPixels int           // pixel budget of images and MJPEG frames
}

// servePlan is the source serve reads and how the server treats it.
type servePlan struct {
	src        camera.Source
	name       string        // for the results
	note       string        // how the source is played, for the start-up line
	everyFrame bool          // read without camera.Latest: every image is detected
	staleAfter time.Duration // 0: the server's default
	targetFPS  float64       // the rate the stream should keep (0: none)
	camera     bool          // a live camera: one runner is kept for it
}

// openServeSource opens the frames named by spec, or the embedded sample
// photos when spec is empty. A named source is opened now, so that a typo
// or an unreadable file fails at once.
//
// file: and dir: make their images on demand: they are read without
// camera.Latest (which would decode and discard the images a slower
// detector has no time for), so every image is detected, each shown for
// the hold time, and a file that is not an image is skipped and logged. A
// bad file: or a dir: without a single image ends serve with the reason;
// there is nothing to reconnect to. Cameras (camera:, v4l2:, gocv:) are
// reopened with back-off whenever they fail.
func openServeSource(spec string, timing sourceTiming) (servePlan, error) {
	if spec == "" {
		var photos []image.Image
		for _, data := range [][]byte{assets.DogsJPEG, assets.BurgerJPEG} {
			img, err := models.DecodeImage(bytes.NewReader(data))
			if err != nil {
				return servePlan{}, fmt.Errorf("embedded sample: %w", err)
			}
			photos = append(photos, img)
		}
		holdFrames := max(1, int(timing.rate*timing.hold.Seconds()))
		src, err := server.NewImageSource(photos, timing.rate, holdFrames)
		return servePlan{src: src, name: "embedded:dogs.jpg,burger.jpg", targetFPS: timing.rate}, err
	}
	opts := camera.Options{Loop: true, Rate: timing.rate, MaxPixels: timing.maxPixels}
	scheme, _, _ := strings.Cut(spec, ":")
	switch scheme {
	case "file", "dir":
		plan := servePlan{name: spec, everyFrame: true}
		if timing.hold > 0 {
			opts.Rate = 1 / timing.hold.Seconds()
			plan.note = fmt.Sprintf(", each image for %v", timing.hold)
			// An image shown for longer than the server's staleness limit
			// is not a stalled source.
			plan.staleAfter = max(server.DefaultStaleAfter, 2*timing.hold)
		}
		src, err := camera.Open(spec, opts)
		plan.src = src
		return plan, err
	case "test":
		src, err := camera.Open(spec, opts)
		return servePlan{src: src, name: spec, targetFPS: timing.rate}, err
	}
	first, err := camera.Open(spec, opts)
	if err != nil {
		return servePlan{}, err
	}
	reopen := func() (camera.Source, error) {
		if first != nil {
			src := first
			first = nil
			return src, nil
		}
		return camera.Open(spec, opts)
	}
	return servePlan{src: camera.Reconnecting(reopen, camera.Backoff{}), name: spec, targetFPS: timing.rate, camera: true}, nil
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
	fmt.Fprintf(w, "%s, dropped %d, source errors %d, detection errors %d\n", line,
		after.Dropped-before.Dropped, after.SourceErrors-before.SourceErrors, after.DetectErrors-before.DetectErrors)
}
