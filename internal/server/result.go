package server

import (
	"time"

	"github.com/percept-robotics/percept/models"
)

// Result is the detections found in one image: one line of
// `percept detect -json`, and the body of POST /api/detect when the server
// runs DetectTask.
type Result struct {
	// Task is "detect" in the server's answers; `percept detect` leaves
	// it out.
	Task       string             `json:"task,omitempty"`
	Image      string             `json:"image"`      // where the image came from
	Width      int                `json:"width"`      // image width in pixels
	Height     int                `json:"height"`     // image height in pixels
	Detections []models.Detection `json:"detections"` // highest score first; [] when none
}

// FrameResult is the Result for one frame of the live stream: the body of
// GET /api/detections and of each of its server-sent events when the
// server runs DetectTask. The other tasks' frames carry the same fields
// after their own result's.
type FrameResult struct {
	Result
	// Seq numbers the processed frames from 0; it only ever increases, also
	// across camera reconnections.
	Seq uint64 `json:"seq"`
	// Time is when the frame was captured (RFC 3339 with nanoseconds).
	Time time.Time `json:"time"`
	// Dropped counts the frames skipped since the previous result because
	// detection was slower than the source.
	Dropped uint64 `json:"dropped"`
	// InferenceMS is the time the detector took on this frame.
	InferenceMS float64 `json:"inference_ms"`
	// LatencyMS is the time from capture to this result.
	LatencyMS float64 `json:"latency_ms"`
}

// milliseconds converts d to fractional milliseconds.
func milliseconds(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}
