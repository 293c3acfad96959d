// Command percept runs TensorFlow Lite vision models on the CPU: object
// detection and classification on image files or camera frames, raw
// inference on .npy tensors, a description of any model, smaller models
// (float16, dynamic-range and int8 quantization, pruning, clustering),
// a comparison of models' size, speed and agreement, benchmarks and a live
// web demo.
//
// Usage:
//
//	percept detect   [-model PATH] [-threshold 0.5] [-max N] [-json] [-out boxes.png|.jpg] IMAGE...
//	percept detect   [-model PATH] -source camera:0|v4l2:DEV|file:PATH|dir:GLOB|test: [-n N]
//	percept classify [-model PATH] [-top 5] [-json] IMAGE...
//	percept classify [-model PATH] -source SPEC [-n N]
//	percept faces    [-model PATH] [-threshold T] [-json] [-out faces.png] [-blur] IMAGE...
//	percept faces    [-model PATH] -source SPEC [-n N]
//	percept pose     [-model PATH] [-threshold T] [-json] [-out skeleton.png] IMAGE...
//	percept pose     [-model PATH] -source SPEC [-n N]
//	percept segment  [-model PATH] [-labels FILE] [-json] [-mask mask.png] [-overlay overlay.png|.jpg] IMAGE...
//	percept segment  [-model PATH] -source SPEC [-n N]
//	percept run      -model PATH -input IN.npy [-input ...] -outdir DIR
//	percept inspect  MODEL
//	percept quantize -mode fp16|dynamic|int8 [-calibrate DIR|GLOB] [-samples N] [-io float|uint8|int8]
//	                 [-calibration minmax|percentile|mse] [-correct-bias] -o OUT.tflite IN.tflite
//	percept prune    [-sparsity 0.5] [-pattern unstructured|2:4] -o OUT.tflite IN.tflite
//	percept cluster  [-clusters 16] -o OUT.tflite IN.tflite
//	percept compare  [-images DIR] [-kernels LIST] [-threads 1] [-n 20] [-json] [-svg FILE] MODEL...
//	percept bench    [-model PATH]... [-kernels all|generic] [-threads 1,2] [-n 10] [-json] [-profile] [-svg FILE]
//	percept bench    -edgetpu usb|pci|... -model MODEL_edgetpu.tflite [-model MODEL.tflite]... [-fallback MODEL.tflite]
//	percept serve    [-task detect|classify|segment|pose|faces] [-source SPEC] [-model PATH] [-threshold 0.5]
//	                 [-addr 127.0.0.1:8080] [-pprof]
//	percept version
//	percept help     [COMMAND]
//
// With no -model, detect and classify use the models embedded in the
// binary; with no IMAGE and no -source, they use its embedded sample photo.
// Flags may come before or after the image arguments; "--" ends the flags.
// A batch of images goes on past an image that fails: each failure is one
// line on stderr, and the exit code is 1 at the end. With -source, detect
// and classify print one JSON line per frame as it comes, until the source
// ends, -n frames are done, or SIGINT/SIGTERM.
//
// Exit codes: 0 success (and help), 1 failure, 2 command-line error
// (found before any work). Every command prints its own help with -h, and
// `percept help` lists the commands.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"text/tabwriter"
)

// usageError marks errors caused by the command line itself.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// reportedError is returned by a command that has already printed its
// failures on stderr: run exits 1 without printing it again.
type reportedError struct{}

func (reportedError) Error() string { return "failures reported on stderr" }

// commandDoc describes one command for `percept help`.
type commandDoc struct {
	name     string
	summary  string   // one line, lower case, no final period
	synopsis []string // usage lines after "percept NAME "
	about    string   // paragraphs printed between the synopsis and the flags
	examples []string // full command lines
}

// docs lists the commands in the order help prints them. It holds no
// function, so that parse can read it without an initialization cycle.
var docs = []commandDoc{
	{
		name:    "detect",
		summary: "find objects in images or camera frames (SSD models)",
		synopsis: []string{
			"[flags] [IMAGE...]",
			"[flags] -source SPEC [-n N]",
		},
		about: `With no IMAGE, detect uses the embedded sample photo; with no -model, the
embedded SSD-MobileNet v1 (COCO). A batch goes on past an image that fails
(its error goes to stderr, the exit code is 1 at the end).
-threshold defaults to 0.5 here; models.Options' zero value keeps every
score (MinScore 0).
-out writes the image with its boxes in the format its extension names
(.png, .jpg or .jpeg). With several images, each gets a numbered file:
-out boxes.png writes boxes_0.png, boxes_1.png, ... in argument order.
-source reads frames instead (camera:N, v4l2:/dev/videoN, file:PATH,
dir:GLOB, test:) and prints one JSON line per frame as it is done:
{"image","width","height","detections","seq","time","dropped",
"inference_ms","latency_ms"}, until the source ends, -n frames, or
SIGINT/SIGTERM.`,
		examples: []string{
			"percept detect -json -out boxes.jpg photo.jpg",
			"percept detect -source camera:0 -n 100 -threshold 0.6",
		},
	},
	{
		name:    "classify",
		summary: "name what images or camera frames show (classification models)",
		synopsis: []string{
			"[flags] [IMAGE...]",
			"[flags] -source SPEC [-n N]",
		},
		about: `With no IMAGE, classify uses the embedded sample photo; with no -model, the
embedded MobileNet v1 0.25 (ImageNet). Scores are probabilities when the
model ends in a softmax or logistic; otherwise they are logits, and the
output says so: the table's column reads "score (logit)" and each JSON line
has "scores": "logits" instead of "probabilities".
-source reads frames as in percept detect and prints one JSON line per
frame with "classes" in place of "detections".`,
		examples: []string{
			"percept classify -top 3 photo.jpg",
			"percept classify -json -source dir:photos/ -model mobilenet.tflite",
		},
	},
	{
		name:    "faces",
		summary: "find faces and their eyes, nose, mouth and ears (MediaPipe BlazeFace)",
		synopsis: []string{
			"[flags] IMAGE...",
			"[flags] -source SPEC [-n N]",
		},
		about: `With no -model, faces uses the embedded BlazeFace short-range model (faces
within about two metres, as a front camera sees them); -model takes
MediaPipe's front or full-range model too. Images are letterboxed into the
model's input as MediaPipe does, and boxes and keypoints come back in the
image's pixels. -threshold 0 keeps MediaPipe's threshold for the model (0.5
short-range and front, 0.6 full-range).
-json prints one line per image: {"image","width","height","faces":[{"score",
"box":{"x","y","width","height"},"keypoints":[{"x","y"}, ...]}]}, the six
keypoints in the order right eye, left eye, nose tip, mouth centre, right
ear tragion, left ear tragion (the person's right and left).
-out writes the image with boxes and keypoints drawn, or with -blur the
faces pixelated (the short-range model misses faces farther than about two
metres: for privacy, give -model MediaPipe's face_detection_full_range.tflite).
-source reads frames as in percept detect and prints one JSON line per frame
with "faces" in place of "detections".`,
		examples: []string{
			"percept faces -json -out faces.png photo.jpg",
			"percept faces -blur -out private.jpg photo.jpg",
		},
	},
	{
		name:    "pose",
		summary: "find a person's body keypoints in images or camera frames (MoveNet)",
		synopsis: []string{
			"[flags] IMAGE...",
			"[flags] -source SPEC [-n N]",
		},
		about: `With no -model, pose uses the embedded MoveNet single-pose lightning (int8);
-model takes other MoveNet single-pose builds (thunder, float): the input
size and type are read from the model. MoveNet finds the one person nearest
the image centre. Images are resized keeping their aspect
ratio and padded to the model's square input, as TensorFlow's MoveNet
tutorial does, and keypoints come back in the image's pixels.
-json prints one line per image: {"image","width","height","poses":[{"score",
"keypoints":[{"name","x","y","score"}, ...]}]}, the 17 COCO keypoints in
COCO's order (nose, left_eye, right_eye, left_ear, right_ear, left_shoulder,
..., right_ankle; left and right are the person's own). A pose's score is
the mean of its keypoints'; -threshold drops a pose scoring below it.
-out writes the image with the skeleton drawn between the keypoints scoring
at least -keypoint-threshold. -source reads frames as in percept detect and
prints one JSON line per frame with "poses" in place of "detections".`,
		examples: []string{
			"percept pose -json -out skeleton.png photo.jpg",
			"percept pose -source camera:0 -n 100",
		},
	},
	{
		name:    "segment",
		summary: "label every pixel of images or camera frames with its class (semantic segmentation, DeepLab)",
		synopsis: []string{
			"[flags] [IMAGE...]",
			"[flags] -source SPEC [-n N]",
		},
		about: `With no IMAGE, segment uses the embedded sample photo; with no -model, the
embedded DeepLab v3 (MobileNet v2 depth 0.5, Coral's, 21 PASCAL VOC classes:
background, aeroplane, ..., person, ..., tvmonitor). -model takes any model
with one output per pixel: a class map (ending in ARG_MAX), scores per
class, or one sigmoid channel (foreground above 0.5). The image is resized
to the model's input as a whole; the model's output is stretched back over
it, each pixel taking the class of the output cell its centre falls in.
-json prints one line per image: {"image","width","height","classes":
[{"class","label","pixels"}, ...]}, the classes present, most pixels first.
-mask writes the category mask as an 8-bit grey PNG at the image's own
size, one class index per pixel (0 to 255, not scaled for viewing).
-overlay writes the image with each class but the background tinted in its
PASCAL VOC colour and a legend. -source reads frames as in percept detect
and prints one JSON line per frame with "classes" in place of "detections".`,
		examples: []string{
			"percept segment -json -mask mask.png -overlay overlay.jpg photo.jpg",
			"percept segment -model selfie.tflite -labels labels.txt -overlay out.png photo.jpg",
			"percept segment -source camera:0 -n 100",
		},
	},
	{
		name:     "run",
		summary:  "run any model on .npy input tensors and write its outputs as .npy",
		synopsis: []string{"-model PATH -input IN.npy [-input IN2.npy ...] -outdir DIR"},
		about: `Each -input must match its model input's dtype and shape exactly. The
outputs are written as DIR/output_0.npy, output_1.npy, ... in model order.`,
		examples: []string{"percept run -model model.tflite -input x.npy -outdir out"},
	},
	{
		name:     "inspect",
		summary:  "describe a model and say whether percept can run it",
		synopsis: []string{"MODEL"},
		about: `Prints the model's inputs, outputs, operators, metadata and labels, every
operator percept does not support, and which percept task fits the model.
Exits 1, after printing everything, when percept cannot run the model.`,
		examples: []string{"percept inspect model.tflite"},
	},
	{
		name:    "quantize",
		summary: "write a model with float16, dynamic-range or int8 weights (TFLite's post-training quantization)",
		synopsis: []string{
			"-mode fp16|dynamic -o OUT.tflite IN.tflite",
			"-mode int8 -calibrate DIR|GLOB [-io float|uint8|int8] [flags] -o OUT.tflite IN.tflite",
		},
		about: `Writes the model in the layout TFLite's converter writes, which every TFLite
runtime loads.
  fp16: every constant FLOAT32 tensor an operator reads becomes FLOAT16, read
    through a DEQUANTIZE operator; activations stay float32. The weights take
    half their float32 size.
  dynamic: convolution and fully connected weights of 1024 elements or more
    become int8 (per channel; per tensor for fully connected), read by hybrid
    operators that quantize their float input on the fly; activations stay
    float32. Those weights take a quarter of their float32 size.
  int8: full integer. The float model runs on the -calibrate images, with its
    own preprocessing, to record each activation's range; weights, biases and
    activations then become integers as TFLite's quantization specification
    prescribes. -io picks the inputs' and outputs' type: float (QUANTIZE and
    DEQUANTIZE at the edges), uint8 or int8. The ranges are the recorded
    min and max, as TFLite's converter takes them, unless -calibration picks
    a percentile or the least squared error; -correct-bias then corrects the
    biases for the mean error quantization leaves. The weights take a quarter
    of their float32 size. Long calibrations show progress on a terminal.
dynamic and int8 widen a model's float16 weights to float32 first. Each mode
prints the tensors changed and the file and zip sizes before and after.
Check the result against the original with percept compare.`,
		examples: []string{
			"percept quantize -mode fp16 -o model_fp16.tflite model.tflite",
			"percept quantize -mode int8 -calibrate photos/ -io uint8 -o model_int8.tflite model.tflite",
			"percept compare -images photos/ model.tflite model_int8.tflite",
		},
	},
	{
		name:     "prune",
		summary:  "zero the smallest convolution and fully connected weights (magnitude pruning)",
		synopsis: []string{"[-sparsity 0.5] [-pattern unstructured|2:4] -o OUT.tflite IN.tflite"},
		about: `Sets the smallest-magnitude weights of each CONV_2D, TRANSPOSE_CONV and
FULLY_CONNECTED weight tensor to zero (depthwise weights and biases stay),
as TF-MOT's pruning does but without its fine-tuning: measure the accuracy
(percept classify) before you use the result. The file is as large; its
zip shrinks. Float16 weights are widened to float32 first. Prints each
tensor's sparsity and the file and zip sizes before and after.`,
		examples: []string{"percept prune -sparsity 0.5 -o pruned.tflite model.tflite", "percept prune -pattern 2:4 -o pruned24.tflite model.tflite"},
	},
	{
		name:     "cluster",
		summary:  "share N values per weight tensor (k-means weight clustering)",
		synopsis: []string{"[-clusters 16] -o OUT.tflite IN.tflite"},
		about: `Replaces each CONV_2D, TRANSPOSE_CONV and FULLY_CONNECTED weight tensor's
values by at most N centroids (k-means from TF-MOT's linear initialisation;
zeros stay zero, so a pruned model stays sparse), without TF-MOT's
fine-tuning: measure the accuracy before you use the result. The file is as
large; its zip shrinks. Prints each tensor's distinct values and the file
and zip sizes before and after.`,
		examples: []string{"percept cluster -clusters 32 -o clustered.tflite model.tflite"},
	},
	{
		name:     "compare",
		summary:  "compare models' size, speed and agreement with the first, to pick one for a budget",
		synopsis: []string{"[-images DIR] [flags] MODEL..."},
		about: `For each MODEL: its file size and zip size (the file deflated, where pruned
and clustered models gain), its latency on this machine (median and p90 of
-n inferences of the model alone, the models timed in turns, for each
-kernels target and -threads count) with its speed-up over the first MODEL,
and how it agrees with the first MODEL on the images:
  classification: top-1 agreement, top-5 overlap, and the max and mean
    deviation of the scores (when both give probabilities, or both logits);
  detection (SSD): detections of score >= -threshold matched one to one by
    class and IoU >= 0.5; precision, recall and F1 against the first model;
  other models: the max and mean deviation of the dequantized outputs (with
    -json, per output, beside the first model's range of values).
The models may differ in input size and in input and output types (float,
uint8, int8): each is fed as percept classify and detect feed it, from its
own metadata. They must share a task and, but for detection, output shapes.

With no -images, the two photos embedded in percept: enough to see that the
models run and roughly agree, too few to measure them. Give -images DIR with
images like the robot's: its .jpg, .jpeg, .png, .gif and .bmp files, and
those of its subfolders, labelled with the folder's name. A folder named as
one of a classification model's labels (case and underscores aside, e.g.
DIR/golden_retriever/*.jpg) adds its top-1 accuracy. An image that fails is
one line on stderr and left out for every model; the exit code is 1 at the
end. -svg plots accuracy (or agreement, or for raw outputs the mean
deviation) against median latency, one labelled point per model.`,
		examples: []string{
			"percept compare -images photos/ model.tflite model_int8.tflite model_fp16.tflite",
			"percept compare -kernels avx2,generic -threads 1,2 -json -svg budget.svg a.tflite b.tflite",
		},
	},
	{
		name:    "bench",
		summary: "time models per kernel target and thread count, on the CPU or a Coral Edge TPU",
		synopsis: []string{
			"[flags]",
			"-edgetpu DEVICE -model MODEL_edgetpu.tflite [-model MODEL.tflite]... [-fallback MODEL.tflite] [flags]",
		},
		about: `Times each -model (default: the embedded models) for each -kernels target
and -threads count: the median, p90 and minimum of -n inferences after one
warm-up, GMAC/s and its share of the target's peak (a probe), allocations
per inference, and the arena against its lower bound.
With -edgetpu DEVICE (a build with -tags edgetpu and libedgetpu.so.1), a
model compiled by edgetpu_compiler runs its edgetpu-custom-op on that Edge
TPU and its other operators on percept's CPU kernels, on the target nn
picks unless -kernels names others. Its rows are timed as the CPU ones are and
read "edgetpu:DEVICE+TARGET" in the kernels column (and in -json's
"kernels", with "edgetpu": DEVICE); they have no GMAC/s, since the TPU
program's work is not known to percept. -profile shows the Edge TPU's time
as one operator, edgetpu-custom-op. A model without that operator (the CPU
model it was compiled from) runs on the CPU in the same run, after a
warning on stderr, so both can be read side by side.
When no Edge TPU can be used (a build without support, no libedgetpu, no
device), bench fails with the reason rather than time something else; with
-fallback MODEL.tflite and one -model it times that CPU model instead and
says so on stderr.`,
		examples: []string{
			"percept bench -threads 1,2,4 -n 20",
			"percept bench -model model.tflite -json",
			"percept bench -edgetpu usb -model ssd_edgetpu.tflite -model ssd.tflite -n 100 -svg tpu.svg",
		},
	},
	{
		name:     "serve",
		summary:  "run a task on a live stream and show it in a web page, with a JSON API",
		synopsis: []string{"[-task detect|classify|segment|pose|faces] [flags]"},
		about: `-task picks what runs on every frame and upload: detect (boxes), classify
(the top classes), segment (a class per pixel, drawn as a translucent mask),
pose (a skeleton) or faces (boxes and six keypoints). With no -task, serve
runs the task the -model fits, and detect when there is no -model; with no
-model, the task's embedded model. The page at / draws each frame's result;
GET /api/detections has the newest result as JSON (?stream=1: server-sent
events), the task's own command's -json line with "task" and the frame's
fields; POST /api/detect (or /api/TASK) answers for an uploaded image;
/healthz, /api/health and /metrics watch it. -pprof adds Go's profiles at
/debug/pprof/ on the same address (off by default: they expose the
process's internals).`,
		examples: []string{
			"percept serve -source camera:0 -addr 0.0.0.0:8080",
			"percept serve -task pose -source v4l2:/dev/video0",
			"percept serve -task segment -source dir:'photos/*.jpg' -pprof",
		},
	},
	{
		name:     "version",
		summary:  "print percept's version and the revision it was built from",
		synopsis: []string{""},
		examples: []string{"percept version"},
	},
	{
		name:     "help",
		summary:  "print this list, or the help of one command",
		synopsis: []string{"[COMMAND]"},
		examples: []string{"percept help detect"},
	},
}

// docFor returns the documentation of the command name, or nil.
func docFor(name string) *commandDoc {
	for i := range docs {
		if docs[i].name == name {
			return &docs[i]
		}
	}
	return nil
}

// commandFunc runs one command with its arguments. `percept help`, which
// runs the others, is not in the map.
type commandFunc func(args []string, stdout, stderr io.Writer) error

var commands = map[string]commandFunc{
	"detect":   detectCmd,
	"classify": classifyCmd,
	"faces":    facesCmd,
	"pose":     poseCmd,
	"segment":  segmentCmd,
	"run":      func(args []string, stdout, _ io.Writer) error { return runCmd(args, stdout) },
	"inspect":  func(args []string, stdout, _ io.Writer) error { return inspectCmd(args, stdout) },
	"quantize": func(args []string, stdout, _ io.Writer) error { return quantizeCmd(args, stdout) },
	"prune":    func(args []string, stdout, _ io.Writer) error { return pruneCmd(args, stdout) },
	"cluster":  func(args []string, stdout, _ io.Writer) error { return clusterCmd(args, stdout) },
	"compare":  compareCmd,
	"bench":    benchCmd,
	"serve":    func(args []string, stdout, _ io.Writer) error { return serveCmd(args, stdout) },
	"version":  versionCmd,
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command and returns the process exit code: 0 on success
// and help, 1 on failure, 2 on a command-line error. Failures print one
// line on stderr (a batch prints one per failed image).
func run(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "percept: internal error: %v\n", r)
			code = 1
		}
	}()
	if len(args) == 0 {
		printOverview(stdout)
		return 0
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		name = "help"
	case "-version", "--version":
		name = "version"
	}
	cmd := commands[name]
	if name == "help" {
		cmd = helpCmd
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "percept: unknown command %q; usage: percept COMMAND [flags] [args] (percept help lists the commands)\n", name)
		return 2
	}
	err := cmd(args[1:], stdout, stderr)
	var ue usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, reportedError{}):
		return 1
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "percept %s: %v (percept help %s)\n", name, err, name)
		return 2
	}
	fmt.Fprintf(stderr, "percept %s: %v\n", name, err)
	return 1
}

// printOverview prints what `percept` and `percept help` print.
func printOverview(w io.Writer) {
	fmt.Fprintf(w, "percept runs TensorFlow Lite vision models on the CPU, in pure Go.\n\n")
	fmt.Fprintf(w, "usage: percept COMMAND [flags] [arguments]\n\ncommands:\n")
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	for _, d := range docs {
		fmt.Fprintf(tw, "  %s\t%s\n", d.name, d.summary)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n`percept help COMMAND` or `percept COMMAND -h` prints a command's flags.\n")
	fmt.Fprintf(w, "Flags may come before or after the arguments; \"--\" ends them.\n")
	fmt.Fprintf(w, "\nexample:\n  percept detect -json photo.jpg\n")
}

// helpCmd is `percept help [COMMAND]`.
func helpCmd(args []string, stdout, stderr io.Writer) error {
	switch {
	case len(args) == 0:
		printOverview(stdout)
		return nil
	case len(args) > 1:
		return usageError{"help takes at most one command name"}
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		printOverview(stdout)
		return nil
	}
	cmd := commands[args[0]]
	if cmd == nil {
		return usageError{fmt.Sprintf("unknown command %q", args[0])}
	}
	return cmd([]string{"-h"}, stdout, stderr)
}

// versionCmd is `percept version`.
func versionCmd(args []string, stdout, _ io.Writer) error {
	fs := newFlags("version")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		fmt.Fprintf(stdout, "percept (devel): no build information in this binary\n%s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return nil
	}
	fmt.Fprint(stdout, versionText(info))
	return nil
}

// versionText renders the build information: the module version ("(devel)"
// when the binary was not built from a tagged module), the VCS revision,
// its time and whether the tree had local changes.
func versionText(info *debug.BuildInfo) string {
	version := info.Main.Version
	if version == "" {
		version = "(devel)"
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	var b strings.Builder
	fmt.Fprintf(&b, "percept %s\n", version)
	if info.Main.Path != "" {
		fmt.Fprintf(&b, "module %s\n", info.Main.Path)
	}
	if rev := settings["vcs.revision"]; rev != "" {
		fmt.Fprintf(&b, "revision %s", rev)
		if t := settings["vcs.time"]; t != "" {
			fmt.Fprintf(&b, " (%s)", t)
		}
		if settings["vcs.modified"] == "true" {
			b.WriteString(", modified")
		}
		b.WriteString("\n")
	} else {
		b.WriteString("revision unknown (built outside a git checkout, or with -buildvcs=false)\n")
	}
	goVersion := info.GoVersion
	if goVersion == "" {
		goVersion = runtime.Version()
	}
	fmt.Fprintf(&b, "built with %s for %s/%s\n", goVersion, runtime.GOOS, runtime.GOARCH)
	return b.String()
}

// newFlags makes a flag set that reports errors instead of exiting.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("percept "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses args with fs, accepting flags before, between and after the
// positional arguments ("--" ends the flags). On -h, -help or --help it
// prints the command's help to stdout and returns flag.ErrHelp; other
// errors are usage errors.
func parse(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	flags, positional := splitArgs(fs, args)
	err := fs.Parse(flags)
	if err == nil {
		// Parse again from "--" so that fs.Args returns the positional
		// arguments; the flags keep their values.
		err = fs.Parse(append([]string{"--"}, positional...))
	}
	if errors.Is(err, flag.ErrHelp) {
		printHelp(stdout, fs)
		return err
	}
	if err != nil {
		return usageError{err.Error()}
	}
	return nil
}

// splitArgs separates flags (with their values) from positional arguments
// the way fs.Parse reads them, but without stopping at the first positional
// argument.
func splitArgs(fs *flag.FlagSet, args []string) (flags, positional []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return flags, append(positional, args[i+1:]...)
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil || isBoolFlag(f) || i+1 == len(args) {
			continue
		}
		i++
		flags = append(flags, args[i])
	}
	return flags, positional
}

// isBoolFlag reports whether f takes no value, as flag.Parse decides it.
func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// printHelp prints a command's summary, synopsis, description, flags with
// their defaults, and examples.
func printHelp(w io.Writer, fs *flag.FlagSet) {
	name := strings.TrimPrefix(fs.Name(), "percept ")
	d := docFor(name)
	if d == nil {
		d = &commandDoc{name: name, synopsis: []string{"[flags]"}}
	}
	if d.summary != "" {
		fmt.Fprintf(w, "percept %s: %s\n\n", d.name, d.summary)
	}
	for i, s := range d.synopsis {
		prefix := "usage:"
		if i > 0 {
			prefix = "      "
		}
		fmt.Fprintf(w, "%s percept %s %s\n", prefix, d.name, s)
	}
	if d.about != "" {
		fmt.Fprintf(w, "\n%s\n", d.about)
	}
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprintf(w, "\nflags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	if len(d.examples) > 0 {
		fmt.Fprintf(w, "\nexample:\n")
		for _, e := range d.examples {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
}
