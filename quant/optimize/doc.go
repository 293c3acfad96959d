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
//
// Pruned and clustered models are no smaller on disk, only more
// compressible: ZipSize measures that, the way TF-MOT's guides do. The
// transforms compose: prune, then cluster (zeros stay zero), then Float16.
//
// Every transform returns a new Model and a Report of what it changed; the
// input is left untouched. The new Model shares the input's memory (the
// weights it did not change alias it) and its lifetime, as copies of a
// tflite.Model do: keep the input open while the result is in use, and
// close one of them (closing either closes both).
package optimize
