package camera_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/percept-robotics/percept/camera"
)

// A robot's perception loop: open a source, keep only the newest frame so
// that slow inference never builds up a backlog, and convert each frame to
// an image.Image for a detector.
func Example() {
	src, err := camera.Open("test:", camera.Options{Width: 320, Height: 240, Rate: 200})
	if err != nil {
		log.Fatal(err)
	}
	latest := camera.Latest(src)
	defer latest.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var converted camera.FrameImage // reused from frame to frame
	for range 3 {
		frame, err := latest.Next(ctx)
		if errors.Is(err, camera.ErrReconnecting) || errors.Is(err, camera.ErrSkipped) {
			log.Print(err) // a camera coming back, or a dir: source passing over a bad file
			continue
		}
		if err != nil {
			log.Fatal(err)
		}
		img, err := frame.Image(&converted)
		if err != nil {
			log.Fatal(err)
		}
		// detector.Detect(img) would run here.
		fmt.Println(img.Bounds().Dx(), "×", img.Bounds().Dy())
	}
	// Output:
	// 320 × 240
	// 320 × 240
	// 320 × 240
}

// A USB camera that may be unplugged: reopen it with back-off.
func ExampleReconnecting() {
	src := camera.Latest(camera.Reconnecting(func() (camera.Source, error) {
		return camera.Open("camera:0", camera.Options{Width: 640, Height: 480, FPS: 30, Format: camera.MJPEG})
	}, camera.Backoff{Initial: 100 * time.Millisecond, Max: 5 * time.Second}))
	defer src.Close()
	// Loop on src.Next as in the package example; an error wrapping
	// camera.ErrReconnecting reports each outage once.
}
