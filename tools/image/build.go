package main

import (
	"bytes"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// MainModule is the module path of percept, whose ./cmd/percept is built.
const MainModule = "github.com/percept-robotics/percept"

// DefaultSource is the org.opencontainers.image.source label.
const DefaultSource = "https://" + MainModule

// Platform is one OS/architecture/variant the image is built for.
type Platform struct {
	OS, Arch, Variant string
}

// String is the platform as docker and podman write it: linux/arm/v7.
func (p Platform) String() string {
	s := p.OS + "/" + p.Arch
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// goEnv is the environment that makes go build cross-compile a static
// binary for p: no cgo, GOARM from the ARM variant.
func (p Platform) goEnv() []string {
	env := []string{"CGO_ENABLED=0", "GOOS=" + p.OS, "GOARCH=" + p.Arch}
	if p.Arch == "arm" {
		env = append(env, "GOARM="+strings.TrimPrefix(p.Variant, "v"))
	}
	return env
}

// DefaultPlatforms are the robots' and servers' CPUs.
var DefaultPlatforms = []Platform{
	{OS: "linux", Arch: "amd64"},
	{OS: "linux", Arch: "arm64"},
	{OS: "linux", Arch: "arm", Variant: "v7"},
}

// supported are the platforms -platforms accepts.
var supported = append(DefaultPlatforms[:len(DefaultPlatforms):len(DefaultPlatforms)],
	Platform{OS: "linux", Arch: "arm", Variant: "v6"})

func platformNames(ps []Platform) []string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.String()
	}
	return names
}

// parsePlatforms reads a comma-separated list such as
// "linux/amd64,linux/arm/v7".
func parsePlatforms(list string) ([]Platform, error) {
	var out []Platform
	seen := map[Platform]bool{}
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		var match *Platform
		for i := range supported {
			if supported[i].String() == name {
				match = &supported[i]
			}
		}
		if match == nil {
			return nil, fmt.Errorf("platform %q: want one of %s", name, strings.Join(platformNames(supported), ", "))
		}
		if seen[*match] {
			return nil, fmt.Errorf("platform %s listed twice", name)
		}
		seen[*match] = true
		out = append(out, *match)
	}
	return out, nil
}

// findModule walks up from the working directory to percept's go.mod.
func findModule() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(data, []byte("module "+MainModule+"\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod of %s above the working directory (use -root)", MainModule)
		}
		dir = parent
	}
}

// Stamp is what go build recorded in a binary: the module version
// ("(devel)" when none), and the VCS revision, commit time and whether the
// tree had local changes (empty when built without VCS information).
type Stamp struct {
	Version  string
	Revision string
	Time     time.Time
	Modified bool
}

// Tag is the version as an image tag ("+" is not allowed in tags;
// "(devel)" becomes "devel").
func (s Stamp) Tag() string {
	if s.Version == "" || s.Version == "(devel)" {
		return "devel"
	}
	return strings.ReplaceAll(s.Version, "+", "-")
}

// readStamp reads the build information of the binary at path.
func readStamp(path string) (Stamp, error) {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return Stamp{}, fmt.Errorf("build information of %s: %w", path, err)
	}
	s := Stamp{Version: info.Main.Version}
	for _, kv := range info.Settings {
		switch kv.Key {
		case "vcs.revision":
			s.Revision = kv.Value
		case "vcs.time":
			if s.Time, err = time.Parse(time.RFC3339, kv.Value); err != nil {
				return Stamp{}, fmt.Errorf("vcs.time %q in %s: %w", kv.Value, path, err)
			}
		case "vcs.modified":
			s.Modified = kv.Value == "true"
		}
	}
	return s, nil
}

// compile builds ./cmd/percept of the module in moduleDir for p into out:
// static (no cgo), -trimpath, symbol table and DWARF stripped (build
// information and the function table, which stack traces and pprof use,
// stay). buildvcs is go build's -buildvcs; given on the command line it
// overrides a -buildvcs=false in GOFLAGS.
func compile(moduleDir string, p Platform, buildvcs, out string, log io.Writer) error {
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs="+buildvcs, "-ldflags=-s -w", "-o", out, "./cmd/percept")
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), p.goEnv()...)
	var stderr bytes.Buffer
	cmd.Stdout = log
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if strings.Contains(msg, "VCS status") {
			msg += "\n(the tree is a git checkout git cannot read here: fix that, or pass -buildvcs=false to build without the revision)"
		}
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return fmt.Errorf("go build for %s: %s", p, msg)
		}
		return fmt.Errorf("go build for %s: %w", p, err)
	}
	return nil
}
