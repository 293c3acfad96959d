// Package models is what robot software calls: a Detector that turns an
// image into labelled boxes in the image's own pixels, and a Classifier that
// turns an image into its most likely labels. Each reads how to prepare its
// input from the model itself (input size, colour channels, normalization,
// labels), so that what the robot serves matches what the model was trained
// on.
package models
