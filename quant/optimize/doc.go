// Package optimize makes float models smaller the ways TensorFlow's own
// tools do, on percept's model representation (tflite.Model), in Go:
//
//   - Float16: float16 post-training quantization as TFLite's converter
//     writes it: every constant FLOAT32 tensor an operator reads becomes
//     FLOAT16, read through a DEQUANTIZE operator (version 2) whose FLOAT32
//     output "<name>_dequantize" the original readers now take; activations
//     stay float32. Widen undoes it (and reads any model in that layout).
//   - Prune: magnitude pruning of convolution and fully connected weights
//     to a target sparsity, unstructured or 2:4 structured, as TF-MOT's
//     pruning leaves them after strip_pruning: an ordinary model with zeros.
//   - Cluster: weight clustering of the same weights, k-means per tensor
//     with TF-MOT's linear centroid initialisation, leaving an ordinary
//     model whose weight tensors each take at most N distinct values.
//   - DynamicRange: dynamic-range (hybrid) quantization as TFLite's
//     converter writes it: weights of at least 1024 elements become INT8
//     (per channel for convolutions), read by hybrid operators that
//     quantize their float activations on the fly.
//   - Calibrator, Int8: full-integer post-training quantization. A
//     Calibrator runs the float model over representative samples (images
//     through the model's own preprocessing) and records each activation's
//     range and a histogram of its values; Ranges.Choose picks the ranges
//     (MinMax, TFLite's converter, the default; Percentile; MSE;
//     Entropy); Int8
//     writes the model as the quantization spec and TFLite's converter
//     do: int8 activations, per-channel int8 weights, int32 biases, fixed
//     and same-scale outputs, float, uint8 or int8 inputs and outputs.
//   - CorrectBias: empirical bias correction of an Int8 model's
//     convolution and fully connected biases for the mean error
//     quantization leaves, beyond TFLite's converter.
//
// Pruned and clustered models are no smaller on disk, only more
// compressible: ZipSize measures that, the way TF-MOT's guides do. The
// transforms compose: prune, then cluster (zeros stay zero), then Float16,
// DynamicRange or Int8.
//
// Every transform returns a new Model and a Report of what it changed; the
// input is left untouched. The new Model shares the input's memory (the
// weights it did not change alias it) and its lifetime, as copies of a
// tflite.Model do: keep the input open while the result is in use, and
// close one of them (closing either closes both).
package optimize
