// Package nn runs a parsed TensorFlow Lite model: it validates every
// operator once, plans the execution order and the memory of every
// intermediate tensor in one arena, prepares each operator's constant
// parameters, and then invokes the plan as many times as the caller wants.
//
// An Interpreter is used by one goroutine at a time. Several interpreters
// built from the same tflite.Model share its weights.
package nn
