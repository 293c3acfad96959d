// Package testmodels locates the real models, photos and reference outputs
// in ../shared/models for tests, and skips a test with a clear message when
// that folder is absent.
package testmodels

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Root returns the absolute path of shared/models beside the repository, or
// "" when it is not there. PERCEPT_SHARED overrides the location of shared/.
func Root() string {
	shared := os.Getenv("PERCEPT_SHARED")
	if shared == "" {
		_, file, _, ok := runtime.Caller(0)
		if !ok {
			return ""
		}
		// file is <repo>/internal/testmodels/testmodels.go.
		shared = filepath.Join(filepath.Dir(file), "..", "..", "..", "shared")
	}
	dir := filepath.Join(shared, "models")
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return ""
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	return abs
}

// Path joins elem onto shared/models, skipping tb when the folder or the file
// is absent.
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	root := Root()
	if root == "" {
		tb.Skip("../shared/models is not beside the repository (set PERCEPT_SHARED): skipping a test on real models")
	}
	p := filepath.Join(append([]string{root}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("%s is missing from shared/models: skipping", filepath.Join(elem...))
	}
	return p
}
