package main

import (
	"context"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/annotate"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/nn"
)

// segmentResult is one line of `percept segment -json`: the image's size
// and the classes in it, most pixels first.
type segmentResult struct {
	Image   string                `json:"image"`
	Width   int                   `json:"width"`
	Height  int                   `json:"height"`
	Classes []models.SegmentClass `json:"classes"`
}

// segmentFrame is one line of `percept segment -source`: the frame's
// classes and its metadata as percept detect -source prints it.
type segmentFrame struct {
	segmentResult
	frameJSON
}

// newSegmentResult is the JSON of one image's segmentation.
func newSegmentResult(name string, seg *models.Segmentation) segmentResult {
	return segmentResult{Image: name, Width: seg.Width, Height: seg.Height, Classes: nonNil(seg.Classes)}
}

func segmentCmd(args []string, stdout, stderr io.Writer) error {
	return segment(context.Background(), args, stdout, stderr)
}

// segment is `percept segment`; ctx bounds a -source stream.
func segment(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("segment")
	f := addImageFlags(fs, "segmentation model (.tflite: a class map from ARG_MAX, scores per class, or one sigmoid channel per pixel); "+
		"default: the embedded DeepLab v3 (PASCAL VOC)")
	kernels := fs.String("kernels", "", "kernel target, one of "+strings.Join(nn.KernelTargets(), ", ")+" (default: PERCEPT_KERNELS, else the best this CPU runs)")
	maskPath := fs.String("mask", "", "write the category mask to this .png file: 8-bit grey, one class index per pixel, at the image's size; "+
		"with several images, NAME_0.png, NAME_1.png, ... in argument order")
	overlayPath := fs.String("overlay", "", "write the image with its classes drawn in colour to this .png, .jpg or .jpeg file; "+
		"with several images, numbered as -mask")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	var c checks
	f.check(&c, fs.Args())
	c.require(*maskPath == "" || strings.EqualFold(filepath.Ext(*maskPath), ".png"),
		"-mask %s: a mask is written as .png (a lossy .jpg would change the class indices)", *maskPath)
	ext := strings.ToLower(filepath.Ext(*overlayPath))
	c.require(*overlayPath == "" || ext == ".png" || ext == ".jpg" || ext == ".jpeg",
		"-overlay %s: the extension must name the format: .png, .jpg or .jpeg", *overlayPath)
	c.require(f.source == "" || (*maskPath == "" && *overlayPath == ""), "-mask and -overlay write image files; they do not apply to -source")
	if c.err != nil {
		return c.err
	}
	writeMask, err := segmentWriter("mask", *maskPath)
	if err != nil {
		return err
	}
	writeOverlay, err := segmentWriter("overlay", *overlayPath)
	if err != nil {
		return err
	}
	opts, err := f.options(0, 0)
	if err != nil {
		return err
	}
	opts.Kernels = *kernels
	if err := opts.Validate(); err != nil {
		return usageError{err.Error()}
	}
	if f.model == "" && opts.Labels == nil {
		if opts.Labels, err = models.ParseLabels(assets.SegmenterLabels); err != nil {
			return err
		}
	}
	closeFallback, err := f.edgeTPU.apply(opts, "segment", stderr)
	if err != nil {
		return err
	}
	defer closeFallback()
	m, err := openModel(f.model, assets.SegmenterModel)
	if err != nil {
		return err
	}
	defer m.Close()
	f.edgeTPU.checkModel(m, "segment", stderr)
	seg, err := models.NewSegmenter(m, opts)
	if err != nil {
		return err
	}
	defer seg.Close()

	var result models.Segmentation
	task := imageTask[*models.Segmentation]{
		run: func(ctx context.Context, img image.Image) (*models.Segmentation, error) {
			return &result, seg.SegmentInto(ctx, &result, img)
		},
		result: func(name string, _ image.Rectangle, s *models.Segmentation) any {
			return newSegmentResult(name, s)
		},
		frame: func(_ image.Rectangle, s *models.Segmentation, m frameMeta) any {
			return segmentFrame{newSegmentResult(f.source, s), frameJSON(m)}
		},
		print: func(w io.Writer, name string, _ image.Rectangle, s *models.Segmentation) {
			printSegmentation(w, name, s)
		},
		draw: func(i, n int, img image.Image, s *models.Segmentation) error {
			if writeMask != nil {
				mask := &image.Gray{Pix: s.Mask, Stride: s.Width, Rect: image.Rect(0, 0, s.Width, s.Height)}
				if err := writeMask(numbered(*maskPath, i, n), mask); err != nil {
					return err
				}
			}
			if writeOverlay != nil {
				overlay, err := annotate.DrawMask(img, s)
				if err != nil {
					return err
				}
				return writeOverlay(numbered(*overlayPath, i, n), overlay)
			}
			return nil
		},
	}
	inputs := imageInputs(fs.Args(), "embedded:dogs.jpg", assets.DogsJPEG)
	return runImageTask(ctx, task, f.stream("segment"), inputs, f.asJSON, stdout, stderr)
}

// segmentWriter is outputWriter for the flag name, whose errors name that
// flag: the extension was checked with the other flags, a missing folder
// fails here, before any work.
func segmentWriter(name, path string) (imageWriter, error) {
	if path == "" {
		return nil, nil
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("-%s %s: %w", name, path, withoutPath(err))
	} else if !st.IsDir() {
		return nil, fmt.Errorf("-%s %s: %s is not a directory", name, path, filepath.Dir(path))
	}
	return outputWriter(path)
}

// printSegmentation prints one image's classes as a table: class, label,
// pixels and their share of the image.
func printSegmentation(w io.Writer, name string, seg *models.Segmentation) {
	printHeading(w, name, seg.Width, seg.Height, len(seg.Classes), "class", "classes")
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "  class\tlabel\tpixels\tshare")
	for _, c := range seg.Classes {
		fmt.Fprintf(tw, "  %d\t%s\t%d\t%.1f%%\n", c.Class, c.Label, c.Pixels, 100*float64(c.Pixels)/float64(seg.Width*seg.Height))
	}
	tw.Flush()
}
