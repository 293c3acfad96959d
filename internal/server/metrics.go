package server

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Stats are the capture loop's counters since the server was made.
type Stats struct {
	Captured     uint64 // frames read from the source (processed + dropped)
	Dropped      uint64 // frames skipped because the model was slower than the source
	Processed    uint64 // frames run through the task's model and published
	SourceErrors uint64 // source failures, undecodable frames included
	Skipped      uint64 // files the source passed over (camera.ErrSkipped)
	DetectErrors uint64 // frames the task's model failed on
	// InferenceTotal sums the model's time over the processed frames.
	InferenceTotal time.Duration
	// LatencyTotal sums the time from capture to result over the processed
	// frames.
	LatencyTotal time.Duration
}

// secondsBuckets are the upper bounds, in seconds, of the latency
// histograms: from a fast desktop's few milliseconds to a small board's
// seconds.
var secondsBuckets = []float64{0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5}

// histogram counts observations into buckets, Prometheus style.
type histogram struct {
	mu     sync.Mutex
	counts []uint64 // per bucket, not cumulative; the last is +Inf
	sum    float64
	total  uint64
}

func newHistogram() *histogram {
	return &histogram{counts: make([]uint64, len(secondsBuckets)+1)}
}

func (h *histogram) observe(d time.Duration) {
	v := d.Seconds()
	i, _ := slices.BinarySearch(secondsBuckets, v) // first bound ≥ v: buckets are inclusive
	h.mu.Lock()
	h.counts[i]++
	h.sum += v
	h.total++
	h.mu.Unlock()
}

// write prints the histogram's series with the given label pairs (such as
// `origin="stream"`, or "" for none).
func (h *histogram) write(w io.Writer, name, labels string) {
	h.mu.Lock()
	counts := slices.Clone(h.counts)
	sum, total := h.sum, h.total
	h.mu.Unlock()
	sep := ""
	if labels != "" {
		sep = ","
	}
	var cumulative uint64
	for i, bound := range secondsBuckets {
		cumulative += counts[i]
		fmt.Fprintf(w, "%s_bucket{%s%sle=%q} %d\n", name, labels, sep, strconv.FormatFloat(bound, 'g', -1, 64), cumulative)
	}
	fmt.Fprintf(w, "%s_bucket{%s%sle=\"+Inf\"} %d\n", name, labels, sep, total)
	braced := ""
	if labels != "" {
		braced = "{" + labels + "}"
	}
	fmt.Fprintf(w, "%s_sum%s %s\n", name, braced, strconv.FormatFloat(sum, 'g', -1, 64))
	fmt.Fprintf(w, "%s_count%s %d\n", name, braced, total)
}

// requestKey is one series of the HTTP request counter.
type requestKey struct {
	path string
	code int
}

// metrics are the server's counters. They are written by hand in the
// Prometheus text format (version 0.0.4): a few counters and histograms do
// not justify client_golang and its dependencies in a robot's binary.
type metrics struct {
	captured, dropped, processed, sourceErrors, skipped, detectErrors atomic.Uint64
	inferenceNanos, latencyNanos                                      atomic.Int64
	streamClients                                                     atomic.Int64

	streamInference  *histogram // the capture loop's model time
	requestInference *histogram // the uploads' model time, without their wait
	requestQueue     *histogram // the uploads' wait for a runner

	rejectedQueue, rejectedMemory atomic.Uint64 // uploads refused by admission
	// admitted, when set, reports the uploads admitted and the bytes of
	// the memory budget they hold.
	admitted func() (queued int, used int64)
	latency  *histogram // capture to published result

	mu       sync.Mutex
	requests map[requestKey]uint64
}

func newMetrics() *metrics {
	return &metrics{
		streamInference:  newHistogram(),
		requestInference: newHistogram(),
		requestQueue:     newHistogram(),
		latency:          newHistogram(),
		requests:         make(map[requestKey]uint64),
	}
}

// frameProcessed records a published frame.
func (m *metrics) frameProcessed(inference, latency time.Duration) {
	m.processed.Add(1)
	m.inferenceNanos.Add(int64(inference))
	m.latencyNanos.Add(int64(latency))
	m.streamInference.observe(inference)
	m.latency.observe(latency)
}

// rejected counts an upload refused for reason "queue" or "memory".
func (m *metrics) rejected(reason string) {
	if reason == "queue" {
		m.rejectedQueue.Add(1)
	} else {
		m.rejectedMemory.Add(1)
	}
}

func (m *metrics) request(path string, code int) {
	m.mu.Lock()
	m.requests[requestKey{path, code}]++
	m.mu.Unlock()
}

func (m *metrics) stats() Stats {
	return Stats{
		Captured:       m.captured.Load(),
		Dropped:        m.dropped.Load(),
		Processed:      m.processed.Load(),
		SourceErrors:   m.sourceErrors.Load(),
		Skipped:        m.skipped.Load(),
		DetectErrors:   m.detectErrors.Load(),
		InferenceTotal: time.Duration(m.inferenceNanos.Load()),
		LatencyTotal:   time.Duration(m.latencyNanos.Load()),
	}
}

// writeTo prints every metric in the Prometheus text format.
func (m *metrics) writeTo(out io.Writer) error {
	w := bufio.NewWriter(out)
	header := func(name, kind, help string) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, kind)
	}
	counter := func(name, help string, v uint64) {
		header(name, "counter", help)
		fmt.Fprintf(w, "%s %d\n", name, v)
	}
	counter("percept_frames_captured_total", "Frames read from the source.", m.captured.Load())
	counter("percept_frames_dropped_total", "Frames skipped because the model was slower than the source.", m.dropped.Load())
	counter("percept_frames_processed_total", "Frames run through the model and published.", m.processed.Load())
	counter("percept_source_errors_total", "Source failures, undecodable frames included.", m.sourceErrors.Load())
	counter("percept_source_skipped_files_total", "Files the source passed over: not an image, or over the pixel budget.", m.skipped.Load())
	counter("percept_detect_errors_total", "Frames the model failed on (an Edge TPU request that failed, say); the name is kept from detection, for every task.", m.detectErrors.Load())

	header("percept_stream_clients", "gauge", "Clients of the server-sent event stream.")
	fmt.Fprintf(w, "percept_stream_clients %d\n", m.streamClients.Load())

	header("percept_inference_seconds", "histogram", "Model time per image, for camera frames (origin=stream) and uploads (origin=request); an upload's wait for a runner and its decoding are not included.")
	m.streamInference.write(w, "percept_inference_seconds", `origin="stream"`)
	m.requestInference.write(w, "percept_inference_seconds", `origin="request"`)
	header("percept_queue_seconds", "histogram", "Time from an upload's arrival until it holds a runner (admission, header, wait), for uploads answered 200.")
	m.requestQueue.write(w, "percept_queue_seconds", `origin="request"`)
	header("percept_uploads_rejected_total", "counter", "Uploads answered 503 by admission control: the queue was full (reason=queue) or the memory budget had no room (reason=memory).")
	fmt.Fprintf(w, "percept_uploads_rejected_total{reason=\"queue\"} %d\n", m.rejectedQueue.Load())
	fmt.Fprintf(w, "percept_uploads_rejected_total{reason=\"memory\"} %d\n", m.rejectedMemory.Load())
	if m.admitted != nil {
		queued, used := m.admitted()
		header("percept_uploads_admitted", "gauge", "Uploads admitted: waiting for a runner or using one.")
		fmt.Fprintf(w, "percept_uploads_admitted %d\n", queued)
		header("percept_upload_memory_bytes", "gauge", "Bytes of the memory budget the admitted uploads hold.")
		fmt.Fprintf(w, "percept_upload_memory_bytes %d\n", used)
	}
	header("percept_frame_latency_seconds", "histogram", "Time from frame capture to the published result.")
	m.latency.write(w, "percept_frame_latency_seconds", "")

	m.mu.Lock()
	keys := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b requestKey) int {
		return cmp.Or(cmp.Compare(a.path, b.path), cmp.Compare(a.code, b.code))
	})
	header("percept_http_requests_total", "counter", "HTTP requests by route and status code.")
	for _, k := range keys {
		fmt.Fprintf(w, "percept_http_requests_total{path=%q,code=\"%d\"} %d\n", k.path, k.code, m.requests[k])
	}
	m.mu.Unlock()
	return w.Flush()
}
