// Command percept runs TensorFlow Lite vision models on the CPU: object
// detection and classification on image files, raw inference on .npy
// tensors, and a description of any model.
//
// Usage:
//
//	percept detect   [-model PATH] [-threshold 0.5] [-max N] [-json] [-out annotated.png] IMAGE...
//	percept classify [-model PATH] [-top 5] [-json] IMAGE...
//	percept run      -model PATH -input IN.npy [-input ...] -outdir DIR
//	percept inspect  PATH
//	percept bench    [-model PATH]... [-kernels all|generic] [-threads 1,2] [-n 10] [-json] [-profile] [-svg FILE]
//	percept serve    [-source camera:0|v4l2:/dev/video0|file:PATH|dir:GLOB|gocv:URL] [-model PATH] [-labels PATH] [-threshold 0.5] [-addr 127.0.0.1:8080] [-threads N]
//
// With no -model, detect and classify use the models embedded in the
// binary; with no IMAGE, they use its embedded sample photo.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// usageError marks errors caused by the command line itself.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

var commands = map[string]func(args []string, stdout io.Writer) error{
	"detect":   detectCmd,
	"classify": classifyCmd,
	"run":      runCmd,
	"inspect":  inspectCmd,
	"bench":    benchCmd,
	"serve":    serveCmd,
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command and returns the process exit code: 0 on success,
// 1 on failure, 2 on a command-line error. Failures print one line on
// stderr.
func run(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "percept: internal error: %v\n", r)
			code = 1
		}
	}()
	const usage = "usage: percept detect|classify|run|inspect|bench|serve [flags] [args]  (percept CMD -h for help)"
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	if commands[args[0]] == nil {
		fmt.Fprintf(stderr, "percept: unknown command %q; %s\n", args[0], usage)
		return 2
	}
	err := commands[args[0]](args[1:], stdout)
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "percept %s: %v\n", args[0], err)
		return 2
	}
	fmt.Fprintf(stderr, "percept %s: %v\n", args[0], err)
	return 1
}

// newFlags makes a flag set that reports errors instead of exiting.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("percept "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses args, printing help to stdout on -h.
func parse(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return err
	}
	if err != nil {
		return usageError{err.Error()}
	}
	return nil
}
