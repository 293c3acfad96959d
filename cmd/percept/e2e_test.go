package main

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBinary builds the command and runs it as a subprocess, to check the
// real exit codes and that results and errors go to separate streams.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary: skipped with -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH to build the binary with")
	}
	bin := filepath.Join(t.TempDir(), "percept")
	// -buildvcs=auto stamps the revision when a checkout and git are there,
	// whatever GOFLAGS says.
	build := exec.Command(goTool, "build", "-buildvcs=auto", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	execute := func(args ...string) (code int, stdout, stderr string) {
		var o, e bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		var exit *exec.ExitError
		switch {
		case err == nil:
		case errors.As(err, &exit):
			code = exit.ExitCode()
		default:
			require.NoError(t, err)
		}
		return code, o.String(), e.String()
	}

	t.Run("detect -json", func(t *testing.T) {
		code, stdout, stderr := execute("detect", "-json")
		assert.Equal(t, 0, code)
		assert.Empty(t, stderr)
		lines := parseDetectOutput(t, stdout)
		require.Len(t, lines, 1)
		assert.Equal(t, "embedded:dogs.jpg", lines[0].Image)
		assert.NotEmpty(t, lines[0].Detections)
	})

	t.Run("version", func(t *testing.T) {
		code, stdout, stderr := execute("version")
		require.Equal(t, 0, code, stderr)
		head, err := exec.Command("git", "rev-parse", "HEAD").Output()
		if err != nil {
			t.Skipf("no git checkout to compare the revision with: %v", err)
		}
		dirs, err := exec.Command("git", "rev-parse", "--git-dir", "--git-common-dir").Output()
		if f := strings.Fields(string(dirs)); err == nil && len(f) == 2 && f[0] != f[1] {
			t.Skip("a linked git worktree: the go tool stamps no revision there")
		}
		assert.Contains(t, stdout, "\nrevision "+strings.TrimSpace(string(head))+" (", "the build stamps the checkout's revision and time")
	})

	t.Run("stream until SIGINT", func(t *testing.T) {
		// Lines come as frames are done, not at the end: read two, then
		// interrupt; the command stops cleanly with complete lines.
		cmd := exec.Command(bin, "classify", "-top", "1", "-source", "test:")
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())
		lines := bufio.NewScanner(stdout)
		var got []string
		for len(got) < 2 && lines.Scan() {
			got = append(got, lines.Text())
		}
		require.Len(t, got, 2, "two lines before the interrupt; stderr: %s", stderr.String())
		require.NoError(t, cmd.Process.Signal(os.Interrupt))
		for lines.Scan() {
			got = append(got, lines.Text())
		}
		require.NoError(t, cmd.Wait(), "exit code 0 after SIGINT; stderr: %s", stderr.String())
		assert.Empty(t, stderr.String())
		frames := parseClassifyFrames(t, strings.Join(got, "\n")+"\n")
		for i, f := range frames {
			assert.Equal(t, uint64(i), f.Seq)
		}
	})

	failures := []struct {
		name     string
		args     []string
		wantCode int
		wantText string
	}{
		{"missing image", []string{"detect", "-json", filepath.Join(t.TempDir(), "missing.jpg")}, 1, "missing.jpg"},
		{"unknown subcommand", []string{"detekt"}, 2, `unknown command "detekt"`},
	}
	for _, tc := range failures {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := execute(tc.args...)
			assert.Empty(t, stdout)
			assertOneLineFailure(t, cliResult{code: code, stdout: stdout, stderr: stderr}, tc.wantCode, tc.wantText)
		})
	}
}
