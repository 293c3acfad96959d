package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/models"
)

// slowPool stands in for a models pool of size instances whose every call
// takes delay: a call waits for a free instance as the pool's do. It
// counts the calls and the most that ran at once.
type slowPool struct {
	size    int
	delay   time.Duration
	slots   chan struct{}
	calls   atomic.Int64
	running atomic.Int64
	most    atomic.Int64
}

func newSlowPool(size int, delay time.Duration) *slowPool {
	return &slowPool{size: size, delay: delay, slots: make(chan struct{}, size)}
}

func (p *slowPool) Size() int { return p.size }

func (p *slowPool) Detect(ctx context.Context, img image.Image) ([]models.Detection, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-p.slots }()
	p.calls.Add(1)
	n := p.running.Add(1)
	defer p.running.Add(-1)
	for m := p.most.Load(); n > m && !p.most.CompareAndSwap(m, n); m = p.most.Load() {
	}
	select {
	case <-time.After(p.delay):
		return nil, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// heldBody is an upload body that sends its first bytes (an image's
// header) and then waits, like a slow client, until it is released.
type heldBody struct {
	head    []byte
	release chan struct{}
}

func (b *heldBody) Read(p []byte) (int, error) {
	if len(b.head) > 0 {
		n := copy(p, b.head)
		b.head = b.head[n:]
		return n, nil
	}
	<-b.release
	return 0, io.ErrUnexpectedEOF
}

// startHTTP serves srv's handler on loopback until the test ends.
func startHTTP(t *testing.T, srv *Server) (string, *http.Client) {
	t.Helper()
	ts := httptest.NewServer(srv.Handler())
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}
	t.Cleanup(func() {
		client.CloseIdleConnections()
		ts.Close()
	})
	return ts.URL, client
}

// metric reads one sample of GET /metrics.
func metric(t *testing.T, srv *Server, series string) float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(rec.Body.String())
	require.NotNil(t, m, "no %s in\n%s", series, rec.Body)
	v, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	return v
}

// TestAdmissionBoundsMemory: slow uploads declaring 1 MiB each hold
// their reservation while they send; once the budget of three is taken,
// further uploads are answered 503 with Retry-After at once, before their
// bodies are read, and nothing is held once they are all done.
func TestAdmissionBoundsMemory(t *testing.T) {
	const mib = 1 << 20
	const pixels = BytesPerPixel * sceneWidth * sceneHeight // what each scene's header reserves
	srv, err := New(Config{Source: idleSource{}, Detector: newSlowPool(2, 0), MaxBodyBytes: mib, MaxQueue: 100,
		MemoryBudget: 3*(mib+pixels) + pixels/2})
	require.NoError(t, err)
	base, client := startHTTP(t, srv)
	head := encodePNG(t, scene())[:64] // the signature and the header chunk
	release := make(chan struct{})
	var held sync.WaitGroup
	for range 3 {
		held.Go(func() {
			req, err := http.NewRequest(http.MethodPost, base+"/api/detect", &heldBody{head: bytes.Clone(head), release: release})
			require.NoError(t, err)
			req.ContentLength = mib
			if resp, err := client.Do(req); err == nil {
				resp.Body.Close()
			}
		})
	}
	require.Eventually(t, func() bool { return metric(t, srv, "percept_upload_memory_bytes") == 3*(mib+pixels) }, 10*time.Second, 5*time.Millisecond)

	// A small upload: its body fits beside the three, its 160×120 pixels
	// do not.
	start := time.Now()
	resp, err := client.Post(base+"/api/detect", "image/png", bytes.NewReader(encodePNG(t, scene())))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "%s", body)
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))
	assert.Contains(t, string(body), "memory budget")
	assert.Contains(t, string(body), "160×120")

	// A flood of large bodies: each is refused from its Content-Length.
	big := make([]byte, mib)
	var codes sync.Map
	var flood sync.WaitGroup
	for i := range 20 {
		flood.Go(func() {
			resp, err := client.Post(base+"/api/detect", "image/jpeg", bytes.NewReader(big))
			if err != nil {
				codes.Store(i, err.Error())
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			codes.Store(i, resp.StatusCode)
		})
	}
	flood.Wait()
	for i := range 20 {
		code, _ := codes.Load(i)
		assert.Equal(t, http.StatusServiceUnavailable, code, "client %d", i)
	}
	assert.Less(t, time.Since(start), 5*time.Second, "refusals are immediate")
	assert.EqualValues(t, 21, metric(t, srv, `percept_uploads_rejected_total{reason="memory"}`))

	close(release)
	held.Wait()
	require.Eventually(t, func() bool { return metric(t, srv, "percept_upload_memory_bytes") == 0 }, 10*time.Second, 5*time.Millisecond)
	assert.Zero(t, metric(t, srv, "percept_uploads_admitted"))
	code, answer := newUploader(t, srv).post(t, "image/png", encodePNG(t, scene()))
	assert.Equal(t, http.StatusOK, code, "%s", answer)
}

// TestAdmissionChecksPixelsFromTheHeader: an image within MaxImagePixels
// whose declared pixels do not fit the budget is refused from its header
// alone: the 8000×8000 PNG below has a few hundred bytes and no pixel data
// a decoder could read.
func TestAdmissionChecksPixelsFromTheHeader(t *testing.T) {
	pool := newSlowPool(2, 0)
	srv, err := New(Config{Source: idleSource{}, Detector: pool, MaxImagePixels: 100_000_000, MemoryBudget: 64 << 20})
	require.NoError(t, err)
	code, body := newUploader(t, srv).post(t, "image/png", testmodels.HugePNG(8000, 8000))
	assert.Equal(t, http.StatusServiceUnavailable, code, "%s", body)
	assert.Contains(t, string(body), "8000×8000")
	assert.Zero(t, pool.calls.Load())
}

// TestAdmissionBoundsTheQueue: with one runner busy and the queue of two
// full, a third upload is refused at once; the queued ones then finish.
func TestAdmissionBoundsTheQueue(t *testing.T) {
	pool := newSlowPool(1, 300*time.Millisecond)
	srv, err := New(Config{Source: idleSource{}, Detector: pool, MaxQueue: 2})
	require.NoError(t, err)
	u := newUploader(t, srv)
	img := encodePNG(t, scene())
	codes := make(chan int, 2)
	for range 2 {
		go func() {
			code, _ := u.post(t, "image/png", img)
			codes <- code
		}()
	}
	require.Eventually(t, func() bool { return metric(t, srv, "percept_uploads_admitted") == 2 }, 10*time.Second, time.Millisecond)
	start := time.Now()
	code, body := u.post(t, "image/png", img)
	assert.Less(t, time.Since(start), 200*time.Millisecond, "the refusal does not wait for the runner")
	assert.Equal(t, http.StatusServiceUnavailable, code, "%s", body)
	assert.Contains(t, string(body), "2 uploads are already admitted")
	assert.Equal(t, http.StatusOK, <-codes)
	assert.Equal(t, http.StatusOK, <-codes)
	assert.EqualValues(t, 1, metric(t, srv, `percept_uploads_rejected_total{reason="queue"}`))
}

// TestQueueAndInferenceAreSeparate: four uploads at once on one runner
// whose calls take 40 ms: each answer's inference time is its own call,
// and the wait for the runner is the queue time, in the headers, the JSON
// and the metrics.
func TestQueueAndInferenceAreSeparate(t *testing.T) {
	const delay = 40 * time.Millisecond
	srv, err := New(Config{Source: idleSource{}, Detector: newSlowPool(1, delay)})
	require.NoError(t, err)
	base, client := startHTTP(t, srv)
	img := encodePNG(t, scene())
	type times struct{ queue, inference float64 }
	got := make([]times, 4)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() {
			resp, err := client.Post(base+"/api/detect", "image/png", bytes.NewReader(img))
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			var v struct {
				QueueMS     float64 `json:"queue_ms"`
				InferenceMS float64 `json:"inference_ms"`
			}
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&v))
			assert.Equal(t, strconv.FormatFloat(v.QueueMS, 'f', 3, 64), resp.Header.Get("X-Queue-Ms"))
			assert.Equal(t, strconv.FormatFloat(v.InferenceMS, 'f', 3, 64), resp.Header.Get("X-Inference-Ms"))
			got[i] = times{v.QueueMS, v.InferenceMS}
		})
	}
	wg.Wait()
	longest := 0.0
	for _, g := range got {
		assert.GreaterOrEqual(t, g.inference, 40.0)
		assert.Less(t, g.inference, 40.0+80, "inference excludes the wait (%+v)", got)
		longest = max(longest, g.queue)
	}
	assert.GreaterOrEqual(t, longest, 2*40.0, "the last of four waited for the others' calls (%+v)", got)
	assert.EqualValues(t, 4, metric(t, srv, `percept_queue_seconds_count{origin="request"}`))
	assert.GreaterOrEqual(t, metric(t, srv, `percept_queue_seconds_sum{origin="request"}`), 0.040*(1+2))
	assert.Less(t, metric(t, srv, `percept_inference_seconds_sum{origin="request"}`), 4*0.120)
}

// streamFPS runs a server over a 30 fps source and a pool of runners
// whose calls take delay, and returns its frame rate over 1 s while clients
// upload as fast as they can.
func streamFPS(t *testing.T, runners, clients int, delay time.Duration) (float64, *Server) {
	t.Helper()
	src, err := NewImageSource([]image.Image{scene()}, testRate, 1)
	require.NoError(t, err)
	pool := newSlowPool(runners, delay)
	srv, err := New(Config{Source: src, Detector: pool, TargetFPS: testRate, ReserveRunner: true})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	require.Eventually(t, func() bool { return srv.Stats().Processed > 0 }, 10*time.Second, time.Millisecond)

	img := encodePNG(t, scene())
	stop := make(chan struct{})
	var flood sync.WaitGroup
	for range clients {
		flood.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Post(base+"/api/detect", "image/png", bytes.NewReader(img))
				if err != nil {
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusServiceUnavailable {
					time.Sleep(5 * time.Millisecond)
				}
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
	before, start := srv.Stats().Processed, time.Now()
	time.Sleep(time.Second)
	fps := float64(srv.Stats().Processed-before) / time.Since(start).Seconds()
	close(stop)
	flood.Wait()
	cancel()
	require.NoError(t, <-done)
	return fps, srv
}

// TestStreamKeepsItsRunnerUnderAnUploadFlood: eight clients uploading
// without pause leave the 30 fps stream the rate it has without them: with two runners one is
// the stream's (calls of 25 ms, which leave it no time to wait for
// another's), with one the stream goes first (calls of 10 ms: a frame may
// wait for one upload's).
func TestStreamKeepsItsRunnerUnderAnUploadFlood(t *testing.T) {
	for _, runners := range []int{2, 1} {
		t.Run(fmt.Sprint(runners), func(t *testing.T) {
			delay := map[int]time.Duration{2: 25 * time.Millisecond, 1: 10 * time.Millisecond}[runners]
			alone, _ := streamFPS(t, runners, 0, delay)
			fps, srv := streamFPS(t, runners, 8, delay)
			share := map[int]float64{2: 0.8, 1: 0.7}[runners]
			assert.Greater(t, fps, share*alone, "stream fps under the flood (%.1f fps without it)", alone)
			assert.Positive(t, metric(t, srv, `percept_inference_seconds_count{origin="request"}`), "uploads ran too")
		})
	}
}

// TestHealthDegradedBelowTheTargetRate: a stream whose model takes 100
// ms cannot keep 30 fps: after the 3 s window /healthz says so.
func TestHealthDegradedBelowTheTargetRate(t *testing.T) {
	src, err := NewImageSource([]image.Image{scene()}, testRate, 1)
	require.NoError(t, err)
	srv, err := New(Config{Source: src, Detector: newSlowPool(1, 100*time.Millisecond), TargetFPS: testRate})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	defer func() { cancel(); <-done }()
	require.Eventually(t, func() bool { return srv.Stats().Processed > 0 }, 10*time.Second, time.Millisecond)
	assert.True(t, srv.Health().OK, "not judged before a whole window")
	require.Eventually(t, func() bool { return srv.Health().State == StateDegraded }, 10*time.Second, 50*time.Millisecond)
	h := srv.Health()
	assert.False(t, h.OK)
	// A 100 ms model makes at most 10 fps; a loaded machine makes fewer.
	assert.Greater(t, h.FPS, 0.0)
	assert.LessOrEqual(t, h.FPS, 11.0)
	assert.Contains(t, h.Problem, "below 80% of its 30 fps target")
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Contains(t, rec.Body.String(), "stream degraded")
}

// TestAStalledUploadHoldsNoRunner: a client that sends an image's header
// and stalls holds its place and reservation, not the one runner uploads
// may use: another upload is answered meanwhile.
func TestAStalledUploadHoldsNoRunner(t *testing.T) {
	srv, err := New(Config{Source: idleSource{}, Detector: newSlowPool(2, 0), ReserveRunner: true})
	require.NoError(t, err)
	base, client := startHTTP(t, srv)
	release := make(chan struct{})
	stalled := make(chan struct{})
	go func() {
		defer close(stalled)
		req, err := http.NewRequest(http.MethodPost, base+"/api/detect",
			&heldBody{head: encodePNG(t, scene())[:64], release: release})
		if err != nil {
			return
		}
		req.ContentLength = 1 << 16
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	require.Eventually(t, func() bool { return metric(t, srv, "percept_uploads_admitted") == 1 }, 10*time.Second, time.Millisecond)
	code, body := newUploader(t, srv).post(t, "image/png", encodePNG(t, scene()))
	assert.Equal(t, http.StatusOK, code, "%s", body)
	close(release)
	<-stalled
}

// TestSchedulerReserve: with a reserve, uploads leave the last of two
// runners to the capture loop; without one they use both; either way a
// waiting capture loop gets the next free runner before a waiting upload.
func TestSchedulerReserve(t *testing.T) {
	short := func() context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		t.Cleanup(cancel)
		return ctx
	}
	bg := context.Background()

	reserved := newScheduler(2, true)
	require.NoError(t, reserved.acquire(bg, false))
	assert.ErrorIs(t, reserved.acquire(short(), false), context.DeadlineExceeded, "an upload takes the stream's runner")
	require.NoError(t, reserved.acquire(short(), true), "the capture loop finds its runner")

	shared := newScheduler(2, false)
	require.NoError(t, shared.acquire(bg, false))
	require.NoError(t, shared.acquire(short(), false), "without a reserve uploads use every runner")
	got := make(chan string, 2)
	go func() {
		if shared.acquire(bg, false) == nil {
			got <- "upload"
		}
	}()
	go func() {
		if shared.acquire(bg, true) == nil {
			got <- "stream"
		}
	}()
	require.Eventually(t, func() bool {
		shared.mu.Lock()
		defer shared.mu.Unlock()
		return shared.streamWaiting == 1
	}, time.Second, time.Millisecond)
	time.Sleep(10 * time.Millisecond) // let the upload reach its wait too
	shared.release()
	assert.Equal(t, "stream", <-got, "the waiting capture loop goes first")
	shared.release()
	assert.Equal(t, "upload", <-got)
}
