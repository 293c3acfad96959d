// Command robotloop is the shape of robot control code that consumes
// detections: a camera source, the newest-frame policy, a detector, and a
// deadline per frame so that a slow inference never stalls the loop. It
// steers toward the largest object of a chosen class.
//
//	go run ./examples/robotloop -source test: -frames 30
//	go run ./examples/robotloop -source v4l2:/dev/video0 -class person
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/camera"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/tflite"
)

func main() {
	source := flag.String("source", "file:", "camera.Open spec; \"file:\" uses the embedded sample photo")
	class := flag.String("class", "dog", "label to steer toward")
	frames := flag.Int("frames", 20, "frames to process (0: until the source ends)")
	deadline := flag.Duration("deadline", 200*time.Millisecond, "time budget per frame")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *source, *class, *frames, *deadline); err != nil {
		fmt.Fprintln(os.Stderr, "robotloop:", err)
		os.Exit(1)
	}
}

// command is what the loop tells the robot for one frame.
type command struct {
	Seq     uint64
	Turn    float64 // −1 (hard left) … +1 (hard right); 0 when nothing is seen
	Seen    bool
	Skipped uint64 // frames the loop was too slow for
}

// run drives the control loop and prints one command per frame.
func run(ctx context.Context, w io.Writer, spec, class string, frames int, budget time.Duration) error {
	src, err := openSource(spec)
	if err != nil {
		return err
	}
	src = camera.Latest(src) // never queue stale frames
	defer src.Close()

	m, err := tflite.Parse(assets.DetectorModel)
	if err != nil {
		return err
	}
	det, err := models.NewDetector(m, &models.Options{MinScore: 0.5})
	if err != nil {
		return err
	}
	defer det.Close()

	var img camera.FrameImage
	var dets []models.Detection
	for n := 0; frames == 0 || n < frames; n++ {
		f, err := src.Next(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		picture, err := f.Image(&img)
		if err != nil {
			return err
		}
		frameCtx, cancel := context.WithTimeout(ctx, budget)
		dets, err = det.DetectInto(frameCtx, dets, picture)
		cancel()
		cmd := command{Seq: f.Seq, Skipped: f.Dropped}
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			fmt.Fprintf(w, "frame %d: over the %v budget, holding course\n", f.Seq, budget)
			continue
		case err != nil:
			return err
		}
		cmd.Turn, cmd.Seen = steer(dets, class, picture.Bounds().Dx())
		fmt.Fprintf(w, "frame %d: seen=%v turn=%+.2f skipped=%d\n", cmd.Seq, cmd.Seen, cmd.Turn, cmd.Skipped)
	}
	return nil
}

// openSource opens spec, with "file:" alone meaning the embedded photo.
func openSource(spec string) (camera.Source, error) {
	// Files replay at a camera's 30 frames per second.
	opts := camera.Options{Loop: true, Rate: 30}
	if spec != "file:" {
		return camera.Open(spec, opts)
	}
	path := os.TempDir() + "/percept-robotloop-dogs.jpg"
	if err := os.WriteFile(path, assets.DogsJPEG, 0o644); err != nil {
		return nil, err
	}
	return camera.Open("file:"+path, opts)
}

// steer turns toward the centre of the largest detection labelled class:
// −1 at the left edge of the image, +1 at the right.
func steer(dets []models.Detection, class string, width int) (turn float64, seen bool) {
	best := -1
	for i, d := range dets {
		if d.Label == class && (best < 0 || d.Box.Width*d.Box.Height > dets[best].Box.Width*dets[best].Box.Height) {
			best = i
		}
	}
	if best < 0 || width == 0 {
		return 0, false
	}
	b := dets[best].Box
	centre := float64(b.X) + float64(b.Width)/2
	return 2*centre/float64(width) - 1, true
}
