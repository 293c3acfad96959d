package server

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/gif"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/models"
)

// FuzzHandlers sends requests of any method, path, query, Accept header
// and body to the handlers of a server with a published frame: every
// answer must be one of the API's status codes, and every JSON answer
// valid JSON, errors with their "error" field; nothing may panic. Uploads
// run through admission, the header check and the decoder into a model.
func FuzzHandlers(f *testing.F) {
	scenePNG := encodePNG(f, scene())
	var sceneJPEG, sceneGIF bytes.Buffer
	if err := jpeg.Encode(&sceneJPEG, scene(), nil); err != nil {
		f.Fatal(err)
	}
	if err := gif.Encode(&sceneGIF, scene(), nil); err != nil {
		f.Fatal(err)
	}
	for _, seed := range []struct {
		method, target, accept string
		body                   []byte
	}{
		{"POST", "/api/detect", "", scenePNG},
		{"POST", "/api/detect", "", sceneJPEG.Bytes()},
		{"POST", "/api/detect", "", sceneGIF.Bytes()},
		{"POST", "/api/detect", "", sceneJPEG.Bytes()[:sceneJPEG.Len()/3]},
		{"POST", "/api/detect", "", testmodels.HugePNG(bombSide, bombSide)},
		{"POST", "/api/detect", "", []byte("BM\x00\x00")},
		{"POST", "/api/detect", "", nil},
		{"PUT", "/api/detect", "", []byte("x")},
		{"GET", "/api/frame.jpg?seq=0&annotated=1", "", nil},
		{"GET", "/api/frame.jpg?seq=18446744073709551615", "", nil},
		{"GET", "/api/detections?stream=1", "", nil},
		{"GET", "/api/detections", "text/event-stream", nil},
		{"GET", "/api/detections?stream=maybe", "", nil},
		{"GET", "/api/task", "", nil},
		{"GET", "/api/health", "", nil},
		{"GET", "/healthz", "", nil},
		{"GET", "/metrics", "", nil},
		{"GET", "/%2e%2e/api/detect", "", nil},
	} {
		f.Add(seed.method, seed.target, seed.accept, seed.body)
	}

	srv, err := New(Config{Source: idleSource{}, Detector: &brightDetector{}, MaxBodyBytes: 1 << 16,
		MaxImagePixels: 1 << 16, MaxQueue: 4})
	if err != nil {
		f.Fatal(err)
	}
	frame := scene()
	srv.hub.publish(&snapshot{seq: 0, out: detections(sceneDetectionsOf(f, frame)), body: []byte(`{}`), img: frame})
	handler := srv.Handler()
	// The API's codes, and the mux's redirects to a cleaned path.
	codes := []int{http.StatusOK, http.StatusBadRequest, http.StatusNotFound, http.StatusMethodNotAllowed,
		http.StatusRequestEntityTooLarge, http.StatusServiceUnavailable,
		http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect}

	f.Fuzz(func(t *testing.T, method, target, accept string, body []byte) {
		req, err := http.NewRequest(method, "http://percept"+target, bytes.NewReader(body))
		if err != nil || req.URL.Path == "" || req.URL.Path[0] != '/' {
			return // not a request a server would parse
		}
		req.RequestURI = req.URL.RequestURI()
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		if wantsStream(req) {
			// An event stream lasts as long as its client: this one has
			// left already.
			ctx, cancel := context.WithCancel(req.Context())
			cancel()
			req = req.WithContext(ctx)
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if !slices.Contains(codes, rec.Code) {
			t.Fatalf("%s %q: status %d: %s", method, target, rec.Code, rec.Body)
		}
		if rec.Header().Get("Content-Type") != "application/json" {
			return
		}
		var answer map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
			t.Fatalf("%s %q: status %d: the JSON answer does not parse (%v): %s", method, target, rec.Code, err, rec.Body)
		}
		_, isError := answer["error"]
		_, isHealth := answer["problem"] // /api/health answers 503 with Health
		if rec.Code != http.StatusOK && !isError && !isHealth {
			t.Fatalf("%s %q: status %d without an error: %s", method, target, rec.Code, rec.Body)
		}
		if queued, used := srv.admit.state(); queued != 0 || used != 0 {
			t.Fatalf("%s %q: admission still holds %d uploads and %d bytes", method, target, queued, used)
		}
	})
}

// sceneDetectionsOf is what brightDetector finds in img.
func sceneDetectionsOf(tb testing.TB, img image.Image) []models.Detection {
	tb.Helper()
	dets, err := (&brightDetector{}).Detect(context.Background(), img)
	if err != nil {
		tb.Fatal(err)
	}
	return dets
}
