// Package nn runs a parsed TensorFlow Lite model: it validates every
// operator once, plans the execution order and the memory of every
// intermediate tensor in one arena, prepares each operator's constant
// parameters, and then invokes the plan as many times as the caller wants.
//
// An Interpreter is used by one goroutine at a time; only its Close may
// come from another (it waits for the Invoke in progress). Several
// interpreters built from the same tflite.Model share its weights, and each
// holds the model's memory from New to its own Close: closing the model
// first is safe, and the memory goes with the last of them. After Close,
// Invoke returns ErrClosed.
//
// New lists every operator of a model that percept cannot run in one
// *UnsupportedError (errors.Is(err, ErrUnsupported)).
package nn
