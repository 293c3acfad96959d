// Package assets embeds small real models, their labels and sample photos,
// so that percept's demo runs with no download.
//
// The models are TensorFlow's own releases (Apache 2.0, see
// LICENSE-models.txt); their labels travel inside the model files as TFLite
// metadata.
package assets

import _ "embed"

// DetectorModel is SSD-MobileNet v1 (COCO, uint8 quantized, 300×300 input)
// with TFLite metadata and its 90-class label map.
//
//go:embed ssd_mobilenet_v1_coco_quant.tflite
var DetectorModel []byte

// ClassifierModel is MobileNet v1 0.25 (ImageNet, uint8 quantized, 224×224
// input) with TFLite metadata and its 1001 labels.
//
//go:embed mobilenet_v1_0.25_224_quant.tflite
var ClassifierModel []byte

// FaceModel is MediaPipe's BlazeFace short-range face detector (128×128
// float32 input, float16 weights, 896 anchors; Apache 2.0), as npm's
// @mediapipe/face_detection 0.4.1657300184 ships it.
//
//go:embed face_detection_short_range.tflite
var FaceModel []byte

// SegmenterModel is Coral's DeepLab v3 (MobileNet v2 depth 0.5, PASCAL VOC
// 21 classes, uint8 quantized, 513×513 input, ending in ARG_MAX; Apache 2.0,
// google-coral/test_data). It has no metadata: SegmenterLabels names its
// classes.
//
//go:embed deeplabv3_mnv2_dm05_pascal_quant.tflite
var SegmenterModel []byte

// SegmenterLabels are SegmenterModel's 21 class names, one a line (Coral's
// pascal_voc_segmentation_labels.txt without the note that ends it).
//
//go:embed deeplab_pascal_voc_labels.txt
var SegmenterLabels []byte

// PoseModel is Coral's MoveNet single-pose lightning (int8 post-training
// quantized, 192×192 uint8 input, output [1, 1, 17, 3]; Apache 2.0,
// google-coral/test_data): percept pose's default model.
//
//go:embed movenet_single_pose_lightning_ptq.tflite
var PoseModel []byte

// DogsJPEG is a sample photo for the detector (640×427).
//
//go:embed dogs.jpg
var DogsJPEG []byte

// BurgerJPEG is a sample photo for the classifier (480×325), the TFLite
// Task Library's own test image.
//
//go:embed burger.jpg
var BurgerJPEG []byte
