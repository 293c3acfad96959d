// Package models is what robot software calls: a Detector that turns an
// image into labelled boxes in the image's own pixels, and a Classifier that
// turns an image into its most likely labels. Each reads how to prepare its
// input from the model itself (input size, colour channels, normalization,
// labels), so that what the robot serves matches what the model was trained
// on.
//
// # Tasks: which model fits which type
//
// A model is checked for its task when a Detector or Classifier is built
// (CheckTask runs the same check without building anything), and a model
// made for another task is an error that says what the model has:
//
//   - Detector (TaskDetector): SSD-style models that end in TFLite's
//     TFLite_Detection_PostProcess operator, whose four outputs are boxes,
//     classes, scores and a count: SSD-MobileNet v1 and v2 from TensorFlow
//     and Coral, and models exported the same way.
//   - Classifier (TaskClassifier): models with one output holding a score
//     per class, [1, N]: MobileNet v1 and v2, quantized or float, and
//     the like. Class.Score is a probability when the model ends in SOFTMAX
//     or LOGISTIC (Classifier.Probabilities), else a logit.
//
// Both take one image input of 1 or 3 channels. Segmentation, pose and
// anchor-based face detectors such as BlazeFace fit neither task yet;
// nn.Interpreter runs them raw. Labels come from the model's packed label
// file, or from Options.Labels (LoadLabels); class index i, zero-based as
// the model numbers its outputs, is named by label i.
//
// # Lifetimes
//
// Whoever creates a Model, Detector, Classifier or pool closes it, in any
// order, because each Detector and Classifier holds the model's memory until
// its own Close. After Close every call returns an error wrapping ErrClosed
// instead of a panic, and a pool's Close first waits for the calls in
// flight.
//
// # Calls
//
// Every method that runs a model takes a context first and the image next:
// Detect(ctx, img), DetectInto(ctx, dst, img), Classify(ctx, img),
// ClassifyInto(ctx, dst, img), the same on DetectorPool and ClassifierPool.
// A call gives up between operators when ctx is done. The ...Into forms
// append to dst[:0] and allocate nothing in steady state. A Detector or
// Classifier runs one call at a time (concurrent calls wait for each
// other); a pool runs as many as it has members.
//
// # Images
//
// DecodeImage, LoadImage and ImageDecoder read JPEG, PNG, GIF and BMP and
// refuse, from the header and before allocating the pixels, an image over a
// pixel budget (DefaultMaxPixels unless ImageDecoder.MaxPixels says
// otherwise), with an *ImageTooLargeError naming its dimensions.
package models
