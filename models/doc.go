// Package models is what robot software calls: a Detector that turns an
// image into labelled boxes in the image's own pixels, a Classifier that
// turns an image into its most likely labels, a Segmenter that gives every
// pixel a class, a PoseEstimator that finds a person's keypoints and a
// FaceDetector that finds faces and their landmarks. Each reads how to
// prepare its input from the model itself (input size, colour channels,
// normalization, labels), so that what the robot serves matches what the
// model was trained on.
//
// # Tasks: which model fits which type
//
// A model is checked for its task when a task type is built (CheckTask runs
// the same check without building anything), and a model made for another
// task is an error that says what the model has:
//
//   - Detector (TaskDetector): SSD-style models that end in TFLite's
//     TFLite_Detection_PostProcess operator, whose four outputs are boxes,
//     classes, scores and a count: SSD-MobileNet v1 and v2 from TensorFlow
//     and Coral, and models exported the same way.
//   - Classifier (TaskClassifier): models with one output holding a score
//     per class, [1, N]: MobileNet v1 and v2, quantized or float, and
//     the like. Class.Score is a probability when the model ends in SOFTMAX
//     or LOGISTIC (Classifier.Probabilities), else a logit.
//   - Segmenter (TaskSegmenter): one output that is a class map (ARG_MAX,
//     [1, H, W]), scores per class [1, H, W, C] or one sigmoid channel
//     [1, H, W, 1]: DeepLab v3, MediaPipe's selfie segmentation.
//   - PoseEstimator (TaskPose): MoveNet single-pose, one output
//     [1, 1, 17, 3] of (y, x, score) per COCO keypoint.
//   - FaceDetector (TaskFaces): MediaPipe BlazeFace short-range, front and
//     full-range, whose outputs are regressors [1, N, 16] and scores
//     [1, N, 1] over N = 896 or 2304 anchors.
//
// All take one image input of 1 or 3 channels. Labels come from the
// model's packed label file, or from Options.Labels (LoadLabels); class
// index i, zero-based as the model numbers its outputs, is named by label i.
//
// # Lifetimes
//
// Whoever creates a Model, a task type or pool closes it, in any order,
// because each task type holds the model's memory until its own Close.
// After Close every call returns an error wrapping ErrClosed instead of a
// panic, and a pool's Close first waits for the calls in flight.
//
// # Calls
//
// Every method that runs a model takes a context first and the image next:
// Detect(ctx, img), DetectInto(ctx, dst, img), Classify(ctx, img),
// ClassifyInto(ctx, dst, img), SegmentInto(ctx, dst, img),
// EstimateInto(ctx, dst, img), the same on the pools.
// A call gives up between operators when ctx is done. The ...Into forms
// reuse dst and allocate nothing in steady state. A task type runs one
// call at a time (concurrent calls wait for each other); a pool runs as
// many as it has members.
//
// # Images
//
// DecodeImage, LoadImage and ImageDecoder read JPEG, PNG, GIF and BMP and
// refuse, from the header and before allocating the pixels, an image over a
// pixel budget (DefaultMaxPixels unless ImageDecoder.MaxPixels says
// otherwise), with an *ImageTooLargeError naming its dimensions.
package models
