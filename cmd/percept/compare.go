package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/quant/optimize"
	"github.com/percept-robotics/percept/tflite"
)

// The tasks compare tells apart: what it compares between two models.
const (
	taskClassification = "classification" // models.Classifier: top-1, top-5, scores
	taskDetection      = "detection"      // models.Detector: matched boxes
	taskRaw            = "raw"            // any other image model: its dequantized outputs
)

// compareResult is one line of `percept compare -json`: one model's sizes,
// latencies and agreement with the first model (the reference) over the
// images every model ran on. Fields that do not apply to the task, or that
// no image could measure, are left out.
type compareResult struct {
	Model      string           `json:"model"`
	Path       string           `json:"path"`
	Task       string           `json:"task"`        // classification, detection or raw
	InputType  string           `json:"input_type"`  // the first input's element type
	OutputType string           `json:"output_type"` // the first output's element type
	FileBytes  int64            `json:"file_bytes"`
	ZipBytes   int64            `json:"zip_bytes"` // optimize.ZipSize: the file deflated in a zip
	Latency    []compareLatency `json:"latency"`
	Images     int              `json:"images"`    // images compared: those every model ran on
	Reference  string           `json:"reference"` // the first model, which the measures below are against

	// Classification: the share of images whose top class is the
	// reference's, and the mean share of the reference's top 5 classes in
	// the model's top 5.
	Top1Agreement *float64 `json:"top1_agreement,omitempty"`
	Top5Overlap   *float64 `json:"top5_overlap,omitempty"`

	// Detection: detections with a score ≥ -threshold, matched one to one
	// to the reference's of the same class with IoU ≥ 0.5. Precision is
	// Matched/Detections, recall Matched/ReferenceDetections, F1 their
	// harmonic mean.
	Detections          *int     `json:"detections,omitempty"`
	ReferenceDetections *int     `json:"reference_detections,omitempty"`
	Matched             *int     `json:"matched,omitempty"`
	Precision           *float64 `json:"precision,omitempty"`
	Recall              *float64 `json:"recall,omitempty"`
	F1                  *float64 `json:"f1,omitempty"`

	// Raw outputs, and classification scores when both models' scores are
	// of one kind (probabilities or logits): the largest and the mean
	// absolute difference of the dequantized values.
	MaxDeviation  *float64 `json:"max_deviation,omitempty"`
	MeanDeviation *float64 `json:"mean_deviation,omitempty"`
	// Raw outputs: the deviations of each output, in the model's order.
	Outputs []outputDeviation `json:"outputs,omitempty"`

	// Classification on labelled images (-images DIR/CLASS/...): the
	// images whose folder names one of the model's labels, and the share
	// of them whose top class is that label.
	LabelledImages int      `json:"labelled_images,omitempty"`
	Top1Accuracy   *float64 `json:"top1_accuracy,omitempty"`
}

// compareLatency is one model's inference time with one kernel target and
// thread count.
type compareLatency struct {
	Kernels  string  `json:"kernels"`
	Threads  int     `json:"threads"`
	Runs     int     `json:"runs"`
	MedianMs float64 `json:"median_ms"`
	P90Ms    float64 `json:"p90_ms"`
	// Speedup is the first model's median in the same configuration over
	// this one's: above 1, this model is faster.
	Speedup float64 `json:"speedup"`
}

// outputDeviation is how far one raw output of a model is from the
// reference's, dequantized.
type outputDeviation struct {
	Name          string  `json:"name"`
	MaxDeviation  float64 `json:"max_deviation"`
	MeanDeviation float64 `json:"mean_deviation"`
	// The reference's least and greatest value of the output over the
	// images: the scale the deviations are on.
	ReferenceMin float64 `json:"reference_min"`
	ReferenceMax float64 `json:"reference_max"`
}

// compareConfig is one kernel target and thread count to time.
type compareConfig struct {
	target  string
	threads int
}

// compareFlags are the flags of percept compare, checked.
type compareFlags struct {
	imagesDir, svgPath string
	configs            []compareConfig
	runs, maxPixels    int
	threshold          float32
	asJSON             bool
	models             []string
}

// parseCompareFlags parses and checks the command line of percept compare.
func parseCompareFlags(args []string, stdout io.Writer) (*compareFlags, error) {
	fs := newFlags("compare")
	f := &compareFlags{}
	fs.StringVar(&f.imagesDir, "images", "", "folder of images: its image files, and those one folder down, which are labelled with their folder's name; default: the photos embedded in percept")
	targets := fs.String("kernels", "", "kernel targets to time: all, or a comma-separated list of "+strings.Join(kernels.Targets(), ", ")+"; default: the one percept picks on this CPU")
	threadList := fs.String("threads", "1", "comma-separated thread counts to time")
	fs.IntVar(&f.runs, "n", 20, "timed inferences per model, kernel target and thread count, after one warm-up")
	threshold := fs.Float64("threshold", 0.5, "detection models: the least score of the detections compared")
	fs.BoolVar(&f.asJSON, "json", false, "print one JSON line per model instead of the table")
	fs.StringVar(&f.svgPath, "svg", "", "write a plot of accuracy (or agreement, or deviation) against median latency to this SVG file")
	fs.IntVar(&f.maxPixels, "max-pixels", models.DefaultMaxPixels, "refuse an image whose header declares more pixels than this, before decoding it")
	if err := parse(fs, args, stdout); err != nil {
		return nil, err
	}
	var c checks
	c.require(fs.NArg() > 0, "give at least one MODEL (the first is the reference the others are compared with)")
	c.require(f.runs >= 1, "-n %d: want at least 1", f.runs)
	c.unitInterval("threshold", *threshold)
	c.require(f.maxPixels >= 1, "-max-pixels %d: want at least 1", f.maxPixels)
	if c.err != nil {
		return nil, c.err
	}
	f.threshold, f.models = float32(*threshold), fs.Args()
	threads, err := parseInts(*threadList)
	if err != nil {
		return nil, usageError{"-threads: " + err.Error()}
	}
	targetNames, err := parseTargets(*targets)
	if err != nil {
		return nil, usageError{"-kernels: " + err.Error()}
	}
	for _, t := range targetNames {
		for _, n := range threads {
			f.configs = append(f.configs, compareConfig{t, n})
		}
	}
	if f.svgPath != "" {
		// A folder that is not there fails now, not after the measurements.
		if st, err := os.Stat(filepath.Dir(f.svgPath)); err != nil || !st.IsDir() {
			return nil, usageError{fmt.Sprintf("-svg %s: %s is not a directory", f.svgPath, filepath.Dir(f.svgPath))}
		}
	}
	return f, nil
}

// compareCmd is `percept compare`.
func compareCmd(args []string, stdout, stderr io.Writer) error {
	f, err := parseCompareFlags(args, stdout)
	if err != nil {
		return err
	}
	inputs, classes, err := compareImages(f.imagesDir)
	if err != nil {
		return err
	}
	cands, err := openCandidates(f.models, f.threshold, f.maxPixels)
	defer func() {
		for _, cd := range cands {
			cd.close()
		}
	}()
	if err != nil {
		return err
	}
	warnUnmatchedClasses(stderr, cands, classes)
	imgErr := measureAgreement(cands, inputs, classes, f.maxPixels, stderr)
	if imgErr != nil && !errors.Is(imgErr, reportedError{}) {
		return imgErr
	}
	results, err := timeCandidates(cands, f.configs, f.runs)
	if err != nil {
		return err
	}
	if f.asJSON {
		for _, r := range results {
			line, err := json.Marshal(r)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s\n", line)
		}
	} else {
		printComparisonTable(stdout, results, len(inputs), f.imagesDir, f.configs, f.runs)
	}
	if f.svgPath != "" {
		if err := os.WriteFile(f.svgPath, compareSVG(results, f.configs), 0o644); err != nil {
			return err
		}
	}
	return imgErr
}

// measureAgreement runs every candidate on each image and accumulates its
// agreement with the first, and its accuracy on labelled images. An image
// that fails to decode or to run in any model is left out for all, and
// reported as eachImage does.
func measureAgreement(cands []*candidate, inputs []imageInput, classes []string, maxPixels int, stderr io.Writer) error {
	ctx := context.Background()
	outcomes := make([]outcome, len(cands))
	return eachImage("compare", inputs, maxPixels, stderr, func(i int, _ imageInput, img image.Image) error {
		for k, cd := range cands {
			o, err := cd.run(ctx, img)
			if err != nil {
				return fmt.Errorf("%s: %w", cd.name, err)
			}
			outcomes[k] = o
		}
		for k, cd := range cands {
			cd.agree.add(cd.task, outcomes[k], outcomes[0], cd.sameScores(cands[0]))
			if class, ok := cd.labels[normalizeLabel(classes[i])]; classes[i] != "" && ok {
				cd.agree.addLabelled(outcomes[k], class)
			}
		}
		return nil
	})
}

// timeCandidates times the candidates' inference (the interpreter's
// Invoke, without decoding, resizing or reading the results) in each
// configuration, each on the input of the last image it ran on, in turns
// (timeInvokes). It returns the results, with each latency's speed-up over
// the first candidate's.
func timeCandidates(cands []*candidate, configs []compareConfig, runs int) ([]compareResult, error) {
	lats := make([][]compareLatency, len(cands))
	for _, c := range configs {
		its := make([]*nn.Interpreter, 0, len(cands))
		closeAll := func() {
			for _, it := range its {
				it.Close()
			}
		}
		for _, cd := range cands {
			it, err := nn.New(cd.model, &nn.Options{Kernels: c.target, Threads: c.threads})
			if err != nil {
				closeAll()
				return nil, fmt.Errorf("%s: %w", cd.name, err)
			}
			for i, in := range it.Inputs() {
				copy(in.Bytes(), cd.interpreter().Input(i).Bytes())
			}
			its = append(its, it)
		}
		tms, _, err := timeInvokes(its, runs)
		closeAll()
		if err != nil {
			return nil, err
		}
		for k, tm := range tms {
			lats[k] = append(lats[k], compareLatency{
				Kernels: c.target, Threads: c.threads, Runs: runs, MedianMs: ms(tm.median), P90Ms: ms(tm.p90),
				Speedup: ms(tms[0].median) / max(ms(tm.median), 1e-3),
			})
		}
	}
	results := make([]compareResult, len(cands))
	for k, cd := range cands {
		results[k] = cd.result(lats[k])
		results[k].Reference = cands[0].name
	}
	return results, nil
}

// compareImages lists the images of dir: its image files (unlabelled) and
// those of its subfolders, labelled with the subfolder's name, each group
// in file name order. With no dir, the photos embedded in percept. classes
// holds each image's label, "" when unlabelled.
func compareImages(dir string) (inputs []imageInput, classes []string, err error) {
	if dir == "" {
		return []imageInput{{name: "embedded:burger.jpg", data: assets.BurgerJPEG}, {name: "embedded:dogs.jpg", data: assets.DogsJPEG}}, []string{"", ""}, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("-images: %w", err)
	}
	var folders []string
	for _, e := range entries {
		switch {
		case e.IsDir():
			folders = append(folders, e.Name())
		case isImageFile(e.Name()):
			inputs, classes = append(inputs, imageInput{name: filepath.Join(dir, e.Name())}), append(classes, "")
		}
	}
	for _, f := range folders {
		sub, err := os.ReadDir(filepath.Join(dir, f))
		if err != nil {
			return nil, nil, fmt.Errorf("-images: %w", err)
		}
		for _, e := range sub {
			if !e.IsDir() && isImageFile(e.Name()) {
				inputs, classes = append(inputs, imageInput{name: filepath.Join(dir, f, e.Name())}), append(classes, f)
			}
		}
	}
	if len(inputs) == 0 {
		return nil, nil, fmt.Errorf("-images %s: no .jpg, .jpeg, .png, .gif or .bmp file in it or in its subfolders", dir)
	}
	return inputs, classes, nil
}

// isImageFile reports whether name has the extension of an image format
// percept decodes.
func isImageFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jpg", ".jpeg", ".png", ".gif", ".bmp":
		return true
	}
	return false
}

// normalizeLabel is how a folder name and a label are matched: case,
// underscores and surrounding spaces do not count.
func normalizeLabel(s string) string {
	return strings.ToLower(strings.TrimSpace(strings.ReplaceAll(s, "_", " ")))
}

// warnUnmatchedClasses says on stderr which image folders name no label
// of a classification model: their images count towards agreement, not
// towards its accuracy.
func warnUnmatchedClasses(stderr io.Writer, cands []*candidate, classes []string) {
	var folders []string
	for _, c := range classes {
		if c != "" && !slices.Contains(folders, c) {
			folders = append(folders, c)
		}
	}
	if len(folders) == 0 {
		return
	}
	if cands[0].task != taskClassification {
		fmt.Fprintf(stderr, "percept compare: accuracy is measured for classification models only; the labelled images count towards agreement\n")
		return
	}
	for _, cd := range cands {
		var missing []string
		for _, f := range folders {
			if _, ok := cd.labels[normalizeLabel(f)]; !ok {
				missing = append(missing, f)
			}
		}
		if len(missing) > 0 {
			fmt.Fprintf(stderr, "percept compare: %s has no label for the folders %q: their images do not count towards its accuracy\n", cd.name, missing)
		}
	}
}

// candidate is one model being compared, ready to run.
type candidate struct {
	name, path string
	data       []byte
	model      *tflite.Model
	task       string
	cls        *models.Classifier
	det        *models.Detector
	raw        *rawRunner
	labels     map[string]int // normalized label → class index (classification)
	agree      agreement
}

// openCandidates opens and prepares each model, checking that it has the
// first one's task and output shapes. It returns those it opened, for the
// caller to close, with the first error.
func openCandidates(paths []string, threshold float32, maxPixels int) ([]*candidate, error) {
	var cands []*candidate
	names := map[string]int{}
	for _, p := range paths {
		names[strings.TrimSuffix(filepath.Base(p), ".tflite")]++
	}
	for _, p := range paths {
		cd := &candidate{name: strings.TrimSuffix(filepath.Base(p), ".tflite"), path: p}
		if names[cd.name] > 1 {
			cd.name = p
		}
		if err := cd.open(threshold, maxPixels); err != nil {
			return append(cands, cd), fmt.Errorf("%s: %w", p, err)
		}
		cands = append(cands, cd)
		if err := sameKind(cands[0], cd); err != nil {
			return cands, err
		}
	}
	return cands, nil
}

// open reads the model and builds what runs it for its task.
func (cd *candidate) open(threshold float32, maxPixels int) error {
	data, err := os.ReadFile(cd.path)
	if err != nil {
		return withoutPath(err)
	}
	cd.data = data
	if cd.model, err = tflite.Parse(data); err != nil {
		return err
	}
	switch {
	case models.CheckTask(cd.model, models.TaskDetector) == nil:
		cd.task = taskDetection
		cd.det, err = models.NewDetector(cd.model, &models.Options{MinScore: threshold, MaxPixels: maxPixels})
	case models.CheckTask(cd.model, models.TaskClassifier) == nil:
		cd.task = taskClassification
		cd.cls, err = models.NewClassifier(cd.model, &models.Options{MaxPixels: maxPixels})
		if err == nil {
			cd.labels = map[string]int{}
			for i, l := range cd.cls.Labels() {
				cd.labels[normalizeLabel(l)] = i
			}
		}
	default:
		cd.task = taskRaw
		cd.raw, err = newRawRunner(cd.model)
	}
	return err
}

// close releases the candidate's runner and model.
func (cd *candidate) close() {
	switch {
	case cd.cls != nil:
		cd.cls.Close()
	case cd.det != nil:
		cd.det.Close()
	case cd.raw != nil:
		cd.raw.it.Close()
	}
	if cd.model != nil {
		cd.model.Close()
	}
}

// sameKind checks that cd can be compared with the reference: the same
// task, for classification as many classes, for raw outputs the same
// output shapes.
func sameKind(ref, cd *candidate) error {
	if cd.task != ref.task {
		return fmt.Errorf("%s is a %s model and %s a %s model: compare compares models of one task", cd.name, cd.task, ref.name, ref.task)
	}
	if cd.task == taskDetection {
		return nil
	}
	a, b := outputShapes(ref.model), outputShapes(cd.model)
	if cd.task == taskClassification {
		// One score vector each, of any shape that holds one (CheckTask).
		if na, nb := elements(a[0]), elements(b[0]); na != nb {
			return fmt.Errorf("%s scores %d classes and %s %d: compare compares models with the same classes", cd.name, nb, ref.name, na)
		}
		return nil
	}
	if !slices.EqualFunc(a, b, slices.Equal[[]int32]) {
		return fmt.Errorf("%s has outputs of shapes %v and %s %v: compare compares models with the same outputs", cd.name, b, ref.name, a)
	}
	return nil
}

// outputShapes lists the shapes of the main graph's outputs.
func outputShapes(m *tflite.Model) [][]int32 {
	sg := &m.Subgraphs[0]
	shapes := make([][]int32, len(sg.Outputs))
	for i, t := range sg.Outputs {
		shapes[i] = sg.Tensors[t].Shape
	}
	return shapes
}

// elements is the number of elements of a tensor of the given shape.
func elements(shape []int32) int32 {
	n := int32(1)
	for _, d := range shape {
		n *= d
	}
	return n
}

// sameScores reports whether the classification scores of cd and ref can
// be compared value by value: both probabilities or both logits.
func (cd *candidate) sameScores(ref *candidate) bool {
	return cd.cls != nil && ref.cls != nil && cd.cls.Probabilities() == ref.cls.Probabilities()
}

// outcome is what one model made of one image.
type outcome struct {
	classes []models.Class     // classification: every class, highest score first
	values  [][]float32        // classification: the scores by class index; raw: each output, dequantized
	dets    []models.Detection // detection, highest score first
}

// run runs the candidate on img.
func (cd *candidate) run(ctx context.Context, img image.Image) (outcome, error) {
	switch cd.task {
	case taskClassification:
		classes, err := cd.cls.Classify(ctx, img)
		if err != nil {
			return outcome{}, err
		}
		values := make([]float32, len(classes))
		for _, c := range classes {
			values[c.Index] = c.Score
		}
		return outcome{classes: classes, values: [][]float32{values}}, nil
	case taskDetection:
		dets, err := cd.det.Detect(ctx, img)
		return outcome{dets: dets}, err
	}
	values, err := cd.raw.run(ctx, img)
	return outcome{values: values}, err
}

// interpreter returns the interpreter the candidate's runner holds, whose
// inputs hold the last image it ran on.
func (cd *candidate) interpreter() *nn.Interpreter {
	switch cd.task {
	case taskClassification:
		return cd.cls.Interpreter()
	case taskDetection:
		return cd.det.Interpreter()
	}
	return cd.raw.it
}

// result assembles the candidate's line of the comparison.
func (cd *candidate) result(lat []compareLatency) compareResult {
	sg := &cd.model.Subgraphs[0]
	r := compareResult{
		Model: cd.name, Path: cd.path, Task: cd.task,
		InputType:  sg.Tensors[sg.Inputs[0]].Type.String(),
		OutputType: sg.Tensors[sg.Outputs[0]].Type.String(),
		FileBytes:  int64(len(cd.data)), Latency: lat,
	}
	// Zipping a byte slice in memory cannot fail.
	r.ZipBytes, _ = optimize.ZipSize(cd.data)
	names := make([]string, len(sg.Outputs))
	for i, t := range sg.Outputs {
		names[i] = sg.Tensors[t].Name
	}
	cd.agree.fill(&r, cd.task, names)
	return r
}

// agreement accumulates one model's agreement with the reference over the
// images.
type agreement struct {
	images        int
	top1          int     // images whose top class is the reference's
	top5          float64 // sum over images of the top-5 overlap
	dets, refDets int
	matched       int
	dev           []deviation // per output
	labelled      int
	correct       int
}

// add accumulates one image's outcome got against the reference's ref;
// scores says whether classification scores compare value by value.
func (a *agreement) add(task string, got, ref outcome, scores bool) {
	a.images++
	switch task {
	case taskClassification:
		if got.classes[0].Index == ref.classes[0].Index {
			a.top1++
		}
		k := min(5, len(ref.classes))
		shared := 0
		for _, g := range got.classes[:k] {
			if slices.ContainsFunc(ref.classes[:k], func(c models.Class) bool { return c.Index == g.Index }) {
				shared++
			}
		}
		a.top5 += float64(shared) / float64(k)
		if scores {
			a.deviate(got.values, ref.values)
		}
	case taskDetection:
		a.dets += len(got.dets)
		a.refDets += len(ref.dets)
		a.matched += matchDetections(got.dets, ref.dets)
	case taskRaw:
		a.deviate(got.values, ref.values)
	}
}

// deviation accumulates the absolute differences of one output's values.
type deviation struct {
	max, sum       float64
	values         int     // values summed in sum
	refMin, refMax float64 // the range of the reference's values
}

// deviate accumulates the absolute differences of got and ref, output by
// output, of the same lengths.
func (a *agreement) deviate(got, ref [][]float32) {
	if a.dev == nil {
		a.dev = make([]deviation, len(got))
		for k := range a.dev {
			a.dev[k].refMin, a.dev[k].refMax = math.Inf(1), math.Inf(-1)
		}
	}
	for k, out := range got {
		dv := &a.dev[k]
		for i, g := range out {
			r := float64(ref[k][i])
			d := math.Abs(float64(g) - r)
			dv.max = max(dv.max, d)
			dv.sum += d
			dv.refMin, dv.refMax = min(dv.refMin, r), max(dv.refMax, r)
		}
		dv.values += len(out)
	}
}

// addLabelled counts a labelled image of class for accuracy.
func (a *agreement) addLabelled(got outcome, class int) {
	a.labelled++
	if got.classes[0].Index == class {
		a.correct++
	}
}

// fill writes the measures that apply to task into r; outputNames name
// the model's outputs.
func (a *agreement) fill(r *compareResult, task string, outputNames []string) {
	r.Images = a.images
	ratio := func(n, d float64) *float64 {
		if d == 0 {
			return nil
		}
		v := n / d
		return &v
	}
	switch task {
	case taskClassification:
		r.Top1Agreement = ratio(float64(a.top1), float64(a.images))
		r.Top5Overlap = ratio(a.top5, float64(a.images))
	case taskDetection:
		if a.images > 0 {
			r.Detections, r.ReferenceDetections, r.Matched = &a.dets, &a.refDets, &a.matched
		}
		r.Precision = ratio(float64(a.matched), float64(a.dets))
		r.Recall = ratio(float64(a.matched), float64(a.refDets))
		r.F1 = ratio(float64(2*a.matched), float64(a.dets+a.refDets))
	}
	if a.dev != nil {
		var all deviation
		for k, dv := range a.dev {
			all.max, all.sum, all.values = max(all.max, dv.max), all.sum+dv.sum, all.values+dv.values
			if task == taskRaw {
				r.Outputs = append(r.Outputs, outputDeviation{
					Name: outputNames[k], MaxDeviation: dv.max, MeanDeviation: dv.sum / float64(max(dv.values, 1)),
					ReferenceMin: dv.refMin, ReferenceMax: dv.refMax,
				})
			}
		}
		r.MaxDeviation = &all.max
		r.MeanDeviation = ratio(all.sum, float64(all.values))
	}
	r.LabelledImages = a.labelled
	r.Top1Accuracy = ratio(float64(a.correct), float64(a.labelled))
}

// matchDetections counts the detections of got that match one of ref's,
// one to one: the same class and an IoU of at least 0.5, each detection of
// got (highest score first) taking the unmatched one of ref it overlaps
// most.
func matchDetections(got, ref []models.Detection) int {
	used := make([]bool, len(ref))
	matched := 0
	for _, g := range got {
		best, bestIoU := -1, 0.5
		for j, r := range ref {
			if used[j] || r.Class != g.Class {
				continue
			}
			if iou := boxIoU(g.Box, r.Box); iou >= bestIoU {
				best, bestIoU = j, iou
			}
		}
		if best >= 0 {
			used[best] = true
			matched++
		}
	}
	return matched
}

// boxIoU is the intersection over union of two boxes.
func boxIoU(a, b models.Box) float64 {
	corners := func(b models.Box) [4]float64 {
		r := b.Rect()
		return [4]float64{float64(r.Min.X), float64(r.Min.Y), float64(r.Max.X), float64(r.Max.Y)}
	}
	return testmodels.IoU(corners(a), corners(b))
}

// rawRunner feeds images to a model that is neither a classifier nor a
// detector, with the model's own preprocessing (models.ImageInput), and
// reads its outputs as float32, dequantized.
type rawRunner struct {
	it    *nn.Interpreter
	input *models.ImageInput
}

// newRawRunner prepares m's one image input and checks its outputs.
func newRawRunner(m *tflite.Model) (*rawRunner, error) {
	it, err := nn.New(m, nil)
	if err != nil {
		return nil, err
	}
	r := &rawRunner{it: it}
	if err := r.prepare(m); err != nil {
		it.Close()
		return nil, err
	}
	return r, nil
}

// prepare builds the input's preprocessing and checks the outputs.
func (r *rawRunner) prepare(m *tflite.Model) error {
	if n := len(r.it.Inputs()); n != 1 {
		return fmt.Errorf("the model has %d inputs; compare feeds it one image", n)
	}
	var err error
	if r.input, err = models.NewImageInput(m, r.it.Input(0)); err != nil {
		return err
	}
	for _, out := range r.it.Outputs() {
		switch out.Type {
		case tflite.TypeFloat32, tflite.TypeUint8, tflite.TypeInt8, tflite.TypeInt32:
		default:
			return fmt.Errorf("output %v has type %s; compare reads FLOAT32, UINT8, INT8 and INT32 outputs", out, out.Type)
		}
	}
	return nil
}

// run feeds img to the model and returns its outputs, dequantized, in
// order.
func (r *rawRunner) run(ctx context.Context, img image.Image) ([][]float32, error) {
	if err := r.input.Load(img); err != nil {
		return nil, err
	}
	if err := r.it.InvokeContext(ctx); err != nil {
		return nil, err
	}
	values := make([][]float32, len(r.it.Outputs()))
	for i, out := range r.it.Outputs() {
		values[i] = dequantize(out)
	}
	return values, nil
}

// dequantize returns t's values as float32: real = scale × (q − zero
// point) for quantized tensors, the integers themselves for integer tensors
// without quantization parameters.
func dequantize(t *nn.Tensor) []float32 {
	scale, zero := t.Scale(), float32(t.ZeroPoint())
	if scale == 0 {
		scale = 1
	}
	switch t.Type {
	case tflite.TypeUint8:
		return dequantizeInts(t.Uint8s(), scale, zero)
	case tflite.TypeInt8:
		return dequantizeInts(t.Int8s(), scale, zero)
	case tflite.TypeInt32:
		return dequantizeInts(t.Int32s(), scale, zero)
	}
	return slices.Clone(t.Float32s())
}

// dequantizeInts returns scale × (q − zero) for each q.
func dequantizeInts[T uint8 | int8 | int32](qs []T, scale, zero float32) []float32 {
	out := make([]float32, len(qs))
	for i, q := range qs {
		out[i] = scale * (float32(q) - zero)
	}
	return out
}

// printComparisonTable prints the results as a table, one row per model.
func printComparisonTable(w io.Writer, results []compareResult, images int, dir string, configs []compareConfig, runs int) {
	ref := results[0]
	source := "the embedded photos"
	if dir != "" {
		source = dir
	}
	fmt.Fprintf(w, "percept compare: %d of %d images from %s, against %s (the first model)\n", ref.Images, images, source, ref.Model)
	fmt.Fprintf(w, "latency: median (p90) ms of %d inferences of the model alone (no decoding or resizing), and the speed-up over the first model; T: threads\n", runs)
	labelled := slices.ContainsFunc(results, func(r compareResult) bool { return r.LabelledImages > 0 })
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', tabwriter.AlignRight)
	header := "model\tin→out\tfile KiB\tzip KiB\t"
	for _, c := range configs {
		header += fmt.Sprintf("%s %dT ms\t", c.target, c.threads)
	}
	switch ref.Task {
	case taskClassification:
		header += "top-1 agree\ttop-5 overlap\tmax dev\tmean dev\t"
	case taskDetection:
		header += "detections\tmatched\tprecision\trecall\tF1\t"
	case taskRaw:
		header += "max dev\tmean dev\t"
	}
	if labelled {
		header += "top-1 accuracy\t"
	}
	fmt.Fprintln(tw, header)
	for _, r := range results {
		row := fmt.Sprintf("%s\t%s→%s\t%s\t%s\t", r.Model, strings.ToLower(r.InputType), strings.ToLower(r.OutputType),
			sizeCell(r.FileBytes, ref.FileBytes), sizeCell(r.ZipBytes, ref.ZipBytes))
		for _, l := range r.Latency {
			row += fmt.Sprintf("%.2f (%.2f) %.2f×\t", l.MedianMs, l.P90Ms, l.Speedup)
		}
		switch r.Task {
		case taskClassification:
			row += percentCell(r.Top1Agreement) + "\t" + percentCell(r.Top5Overlap) + "\t" + deviationCell(r.MaxDeviation) + "\t" + deviationCell(r.MeanDeviation) + "\t"
		case taskDetection:
			row += intCell(r.Detections) + "\t" + intCell(r.Matched) + "\t" + percentCell(r.Precision) + "\t" + percentCell(r.Recall) + "\t" + percentCell(r.F1) + "\t"
		case taskRaw:
			row += deviationCell(r.MaxDeviation) + "\t" + deviationCell(r.MeanDeviation) + "\t"
		}
		if labelled {
			row += percentCell(r.Top1Accuracy)
			if r.LabelledImages > 0 {
				row += fmt.Sprintf(" of %d", r.LabelledImages)
			}
			row += "\t"
		}
		fmt.Fprintln(tw, row)
	}
	tw.Flush()
}

// sizeCell formats a size in KiB with its ratio to the reference's.
func sizeCell(n, ref int64) string {
	return fmt.Sprintf("%.0f (%.2f×)", float64(n)/1024, float64(n)/float64(max(ref, 1)))
}

// percentCell formats a share as a percentage, "-" when not measured.
func percentCell(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100**v)
}

// deviationCell formats a deviation, "-" when not measured.
func deviationCell(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.3g", *v)
}

// intCell formats a count, "-" when not measured.
func intCell(v *int) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprint(*v)
}

// compareSVG plots each model's accuracy against its median latency, one
// point per model and configuration: top-1 accuracy when the images are
// labelled, else the agreement with the first model (top-1 agreement, or
// detection F1), or for raw outputs the mean deviation from it.
func compareSVG(results []compareResult, configs []compareConfig) []byte {
	ref := results[0]
	var yLabel string
	var y func(r compareResult) *float64
	percent := func(v *float64) *float64 {
		if v == nil {
			return nil
		}
		p := 100 * *v
		return &p
	}
	switch {
	case ref.Task == taskClassification && ref.LabelledImages > 0:
		yLabel, y = "top-1 accuracy (%)", func(r compareResult) *float64 { return percent(r.Top1Accuracy) }
	case ref.Task == taskClassification:
		yLabel, y = "top-1 agreement with model 1 (%)", func(r compareResult) *float64 { return percent(r.Top1Agreement) }
	case ref.Task == taskDetection:
		yLabel, y = "detection F1 against model 1 (%)", func(r compareResult) *float64 { return percent(r.F1) }
	default:
		yLabel, y = "mean deviation from model 1 (lower is better)", func(r compareResult) *float64 { return r.MeanDeviation }
	}
	series := make([]string, len(configs))
	for i, c := range configs {
		series[i] = fmt.Sprintf("kernels %s, %d thread(s)", c.target, c.threads)
	}
	var points []plotPoint
	key := make([]string, len(results))
	for k, r := range results {
		key[k] = fmt.Sprintf("%d  %s", k+1, r.Model)
		if k == 0 {
			key[k] += " (reference)"
		}
		v := y(r)
		if v == nil {
			key[k] += " (not measured)"
			continue
		}
		for i, l := range r.Latency {
			points = append(points, plotPoint{label: fmt.Sprint(k + 1), x: l.MedianMs, y: *v, series: i})
		}
	}
	title := fmt.Sprintf("percept compare: %d images, latency on %s/%s", ref.Images, runtime.GOOS, runtime.GOARCH)
	return scatterSVG(title, "median latency (ms)", yLabel, key, series, points)
}
