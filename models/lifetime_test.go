package models_test

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/tflitetest"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// These tests run under -short and -race: a full SSD inference takes
// seconds with the race detector and the generic kernels, so calls on the
// detector that need no result run a bounded number of operators
// (stepContext) and full results come from MobileNet v1 0.25.

// stepContext lets the interpreter run n operators: it asks Err before
// each one, and Err reports context.Canceled from the (n+1)th time.
type stepContext struct {
	context.Context
	left atomic.Int64
	done chan struct{} // never closed: only its being non-nil matters
}

func steps(n int64) *stepContext {
	c := &stepContext{Context: context.Background(), done: make(chan struct{})}
	c.left.Store(n)
	return c
}

func (c *stepContext) Done() <-chan struct{} { return c.done }

func (c *stepContext) Err() error {
	if c.left.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

// taskRunner is what the lifetime tests call on every task type.
type taskRunner struct {
	name  string
	model []byte
	build func(m *tflite.Model, o *models.Options) (closer, error)
	// call runs the task on img; its error is what the test checks.
	call func(r closer, ctx context.Context, img image.Image) error
}

type closer interface{ Close() error }

// detector and classifier are what a task and its pool have in common.
type detector interface {
	Detect(context.Context, image.Image) ([]models.Detection, error)
	DetectInto(context.Context, []models.Detection, image.Image) ([]models.Detection, error)
}

type classifier interface {
	Classify(context.Context, image.Image) ([]models.Class, error)
	ClassifyInto(context.Context, []models.Class, image.Image) ([]models.Class, error)
}

// noResultsWithError passes err on, unless n results came with it.
func noResultsWithError(n int, err error) error {
	if err != nil && n != 0 {
		return fmt.Errorf("%d results with error %w", n, err)
	}
	return err
}

func runners() []taskRunner {
	detect := func(r closer, ctx context.Context, img image.Image) error {
		_, err := r.(detector).Detect(ctx, img)
		return err
	}
	detectInto := func(r closer, ctx context.Context, img image.Image) error {
		dst, err := r.(detector).DetectInto(ctx, make([]models.Detection, 3), img)
		return noResultsWithError(len(dst), err)
	}
	classify := func(r closer, ctx context.Context, img image.Image) error {
		_, err := r.(classifier).Classify(ctx, img)
		return err
	}
	classifyInto := func(r closer, ctx context.Context, img image.Image) error {
		dst, err := r.(classifier).ClassifyInto(ctx, make([]models.Class, 3), img)
		return noResultsWithError(len(dst), err)
	}
	var rs []taskRunner
	for _, call := range []struct {
		name       string
		det, class func(closer, context.Context, image.Image) error
	}{{"plain", detect, classify}, {"into", detectInto, classifyInto}} {
		rs = append(rs,
			taskRunner{"Detector/" + call.name, assets.DetectorModel, func(m *tflite.Model, o *models.Options) (closer, error) {
				return models.NewDetector(m, o)
			}, call.det},
			taskRunner{"DetectorPool/" + call.name, assets.DetectorModel, func(m *tflite.Model, o *models.Options) (closer, error) {
				return models.NewDetectorPool(m, o, 2)
			}, call.det},
			taskRunner{"Classifier/" + call.name, assets.ClassifierModel, func(m *tflite.Model, o *models.Options) (closer, error) {
				return models.NewClassifier(m, o)
			}, call.class},
			taskRunner{"ClassifierPool/" + call.name, assets.ClassifierModel, func(m *tflite.Model, o *models.Options) (closer, error) {
				return models.NewClassifierPool(m, o, 2)
			}, call.class})
	}
	return rs
}

// TestCloseThenUse: after Close, every call of every task type returns an
// error wrapping models.ErrClosed (also nn's and tflite's), with one and
// two threads; Close is idempotent; Input and Labels stay readable.
func TestCloseThenUse(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for _, r := range runners() {
		for _, threads := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/threads=%d", r.name, threads), func(t *testing.T) {
				m, err := tflite.Parse(r.model)
				require.NoError(t, err)
				x, err := r.build(m, &models.Options{Threads: threads})
				require.NoError(t, err)
				// A call before Close runs (two operators, then the context ends).
				assert.ErrorIs(t, r.call(x, steps(2), img), context.Canceled)
				require.NoError(t, x.Close())
				for range 2 {
					err := r.call(x, context.Background(), img)
					require.Error(t, err)
					assert.ErrorIs(t, err, models.ErrClosed)
					assert.ErrorIs(t, err, nn.ErrClosed)
					assert.ErrorIs(t, err, tflite.ErrClosed)
				}
				assert.NoError(t, x.Close(), "second Close")
				if x, ok := x.(interface{ Input() models.InputSpec }); ok {
					assert.Positive(t, x.Input().Width, "Input after Close")
				}
			})
		}
	}
}

// typedNil is an image.Image whose methods would dereference nil.
var typedNil *image.RGBA

// TestBadImages: nil, typed-nil, empty, absurdly large and inconsistent
// images are errors on every task type, never panics.
func TestBadImages(t *testing.T) {
	short := &image.RGBA{Pix: make([]byte, 10), Stride: 40, Rect: image.Rect(0, 0, 10, 10)}
	cases := []struct {
		name string
		img  image.Image
		want string
	}{
		{"nil", nil, "nil image"},
		{"typed nil", typedNil, "nil *image.RGBA image"},
		{"empty", image.NewRGBA(image.Rect(0, 0, 0, 5)), "no pixels"},
		{"uniform", image.NewUniform(color.White), "over the limit"},
		{"short pixels", short, "shorter than its bounds"},
	}
	for _, r := range runners() {
		m, err := tflite.Parse(r.model)
		require.NoError(t, err)
		x, err := r.build(m, &models.Options{Threads: 2})
		require.NoError(t, err)
		for _, c := range cases {
			t.Run(r.name+"/"+c.name, func(t *testing.T) {
				err := r.call(x, context.Background(), c.img)
				require.Error(t, err)
				assert.Contains(t, err.Error(), c.want)
			})
		}
		t.Run(r.name+"/nil context", func(t *testing.T) {
			//lint:ignore SA1012 a nil context is the misuse under test
			err := r.call(x, nil, image.NewRGBA(image.Rect(0, 0, 8, 8)))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "nil context")
		})
		require.NoError(t, x.Close())
	}
	var uniformErr *models.ImageTooLargeError
	det, err := models.NewDetector(embeddedDetectorModel(t), nil)
	require.NoError(t, err)
	defer det.Close()
	_, err = det.Detect(context.Background(), image.NewUniform(color.Black))
	require.ErrorAs(t, err, &uniformErr)
	assert.Equal(t, models.DefaultMaxPixels, uniformErr.MaxPixels)

	// Options.MaxPixels moves the budget both ways: the 640×427 photo is
	// refused one pixel below its size and accepted at it.
	dogs := decode(t, assets.DogsJPEG)
	for limit, ok := range map[int]bool{640*427 - 1: false, 640 * 427: true} {
		cls, err := models.NewClassifier(embeddedClassifierModel(t), &models.Options{MaxPixels: limit})
		require.NoError(t, err)
		_, err = cls.Classify(context.Background(), dogs)
		if ok {
			require.NoError(t, err)
		} else {
			require.ErrorAs(t, err, &uniformErr)
			assert.Equal(t, limit, uniformErr.MaxPixels)
		}
		require.NoError(t, cls.Close())
	}
	_, err = models.NewDetector(embeddedDetectorModel(t), &models.Options{MaxPixels: -1})
	require.ErrorContains(t, err, "MaxPixels -1 is negative")
}

// TestModelClosedFirst closes a memory-mapped model while a classifier and
// a detector built on it live: they go on with the same results as before.
func TestModelClosedFirst(t *testing.T) {
	burger := decode(t, assets.BurgerJPEG)
	m, _ := tflitetest.OpenFile(t, assets.ClassifierModel)
	cls, err := models.NewClassifier(m, &models.Options{Threads: 2, MaxResults: 5})
	require.NoError(t, err)
	defer cls.Close()
	pool, err := models.NewClassifierPool(m, &models.Options{MaxResults: 5}, 2)
	require.NoError(t, err)
	defer pool.Close()
	before, err := cls.Classify(context.Background(), burger)
	require.NoError(t, err)
	require.NotEmpty(t, before)
	require.NoError(t, m.Close())
	after, err := cls.Classify(context.Background(), burger)
	require.NoError(t, err)
	assert.Equal(t, before, after)
	fromPool, err := pool.Classify(context.Background(), burger)
	require.NoError(t, err)
	assert.Equal(t, before, fromPool)

	// A new task on the closed model is refused.
	_, err = models.NewClassifier(m, nil)
	assert.ErrorIs(t, err, models.ErrClosed)

	dm, _ := tflitetest.OpenFile(t, assets.DetectorModel)
	det, err := models.NewDetector(dm, &models.Options{Threads: 2})
	require.NoError(t, err)
	defer det.Close()
	require.NoError(t, dm.Close())
	if testing.Short() {
		// The first ten operators read weights that were unmapped if the
		// detector did not hold them: a fault would end the test binary.
		_, err = det.Detect(steps(10), decode(t, assets.DogsJPEG))
		assert.ErrorIs(t, err, context.Canceled)
		return
	}
	dogs := decode(t, assets.DogsJPEG)
	got, err := det.Detect(context.Background(), dogs)
	require.NoError(t, err)
	fresh, err := models.NewDetector(embeddedDetectorModel(t), &models.Options{Threads: 2})
	require.NoError(t, err)
	defer fresh.Close()
	want, err := fresh.Detect(context.Background(), dogs)
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

// gateImage is an image whose first At blocks until the test opens the
// gate, so that a call is provably in flight.
type gateImage struct {
	image.Image
	entered chan struct{}
	gate    chan struct{}
	once    sync.Once
}

func newGate(img image.Image) *gateImage {
	return &gateImage{Image: img, entered: make(chan struct{}), gate: make(chan struct{})}
}

func (g *gateImage) At(x, y int) color.Color {
	g.once.Do(func() {
		close(g.entered)
		<-g.gate
	})
	return g.Image.At(x, y)
}

// TestPoolCloseInFlight closes a pool while one call runs and another
// waits for a member: the running call completes normally, the waiting one
// either runs or gets ErrClosed, Close returns only after the running call
// handed its member back, and later calls get ErrClosed.
func TestPoolCloseInFlight(t *testing.T) {
	burger := decode(t, assets.BurgerJPEG)
	for _, threads := range []int{1, 2} {
		t.Run(fmt.Sprintf("ClassifierPool/threads=%d", threads), func(t *testing.T) {
			m, err := tflite.Parse(assets.ClassifierModel)
			require.NoError(t, err)
			lone, err := models.NewClassifier(m, &models.Options{Threads: threads, MaxResults: 3})
			require.NoError(t, err)
			want, err := lone.Classify(context.Background(), burger)
			require.NoError(t, err)
			lone.Close()

			pool, err := models.NewClassifierPool(m, &models.Options{Threads: threads, MaxResults: 3}, 1)
			require.NoError(t, err)
			g := newGate(burger)
			var running, waiting struct {
				res []models.Class
				err error
			}
			var wg sync.WaitGroup
			wg.Go(func() { running.res, running.err = pool.Classify(context.Background(), g) })
			<-g.entered
			wg.Go(func() { waiting.res, waiting.err = pool.Classify(context.Background(), burger) })
			closed := make(chan error)
			go func() { closed <- pool.Close() }()
			select {
			case <-closed:
				t.Fatal("Close returned while a call was in flight")
			default:
			}
			close(g.gate)
			require.NoError(t, <-closed)
			wg.Wait()
			require.NoError(t, running.err)
			assert.Equal(t, want, running.res)
			if waiting.err != nil {
				assert.ErrorIs(t, waiting.err, models.ErrClosed)
			} else {
				assert.Equal(t, want, waiting.res)
			}
			_, err = pool.Classify(context.Background(), burger)
			assert.ErrorIs(t, err, models.ErrClosed)
			assert.NoError(t, pool.Close())
		})
		t.Run(fmt.Sprintf("DetectorPool/threads=%d", threads), func(t *testing.T) {
			pool, err := models.NewDetectorPool(embeddedDetectorModel(t), &models.Options{Threads: threads}, 2)
			require.NoError(t, err)
			// Both members busy behind gates, a third call waiting, and
			// callers racing Close.
			g1, g2 := newGate(burger), newGate(burger)
			var wg sync.WaitGroup
			errs := make([]error, 3)
			wg.Go(func() { _, errs[0] = pool.Detect(steps(3), g1) })
			wg.Go(func() { _, errs[1] = pool.Detect(steps(3), g2) })
			<-g1.entered
			<-g2.entered
			wg.Go(func() { _, errs[2] = pool.Detect(steps(3), burger) })
			closed := make(chan error)
			go func() { closed <- pool.Close() }()
			var racers sync.WaitGroup
			for range 4 {
				racers.Go(func() {
					// A racer that queues before Close has marked the pool
					// closed is served like the waiting call: its run ends
					// as its context says. Any later one gets ErrClosed.
					_, err := pool.Detect(steps(3), burger)
					if !errors.Is(err, context.Canceled) {
						assert.ErrorIs(t, err, models.ErrClosed)
					}
				})
			}
			close(g1.gate)
			close(g2.gate)
			require.NoError(t, <-closed)
			wg.Wait()
			racers.Wait()
			assert.ErrorIs(t, errs[0], context.Canceled, "the running calls finish as their context says")
			assert.ErrorIs(t, errs[1], context.Canceled)
			if !errors.Is(errs[2], context.Canceled) {
				assert.ErrorIs(t, errs[2], models.ErrClosed)
			}
			_, err = pool.Detect(context.Background(), burger)
			assert.ErrorIs(t, err, models.ErrClosed)
		})
	}
}

// TestDetectorCloseDuringCall closes a lone detector from another
// goroutine while it runs: Close waits for the call, which completes.
func TestDetectorCloseDuringCall(t *testing.T) {
	for _, threads := range []int{1, 2} {
		t.Run(fmt.Sprintf("threads=%d", threads), func(t *testing.T) {
			det, err := models.NewDetector(embeddedDetectorModel(t), &models.Options{Threads: threads})
			require.NoError(t, err)
			g := newGate(decode(t, assets.DogsJPEG))
			done := make(chan error)
			go func() {
				_, err := det.Detect(steps(5), g)
				done <- err
			}()
			<-g.entered
			closed := make(chan error)
			go func() { closed <- det.Close() }()
			close(g.gate)
			assert.ErrorIs(t, <-done, context.Canceled, "the call ran its five operators")
			require.NoError(t, <-closed)
			_, err = det.Detect(context.Background(), g)
			assert.ErrorIs(t, err, models.ErrClosed)
		})
	}
}
