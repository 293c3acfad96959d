package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// The image is built once, into a directory removed by TestMain, and
// inspected by the tests below.
var (
	buildOnce sync.Once
	built     *Result
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// image builds the default platforms' image from the module above this
// directory (about a minute on two cores; go's build cache makes reruns
// faster).
func image(t *testing.T) *Result {
	t.Helper()
	buildOnce.Do(func() {
		root, err := findModule()
		if err != nil {
			buildErr = err
			return
		}
		if buildDir, err = os.MkdirTemp("", "percept-image-test-"); err != nil {
			buildErr = err
			return
		}
		// Where git cannot read the checkout (not one, or owned by
		// another user: "dubious ownership"), go build's VCS stamping
		// would fail; the image is then built without it.
		buildvcs := "auto"
		if gitHead(t) == "" {
			buildvcs = "false"
			fmt.Println("git cannot read the checkout: building without VCS stamping")
		}
		built, buildErr = Build(Config{
			ModuleDir: root,
			OutDir:    filepath.Join(buildDir, "percept-oci"),
			Repo:      "percept",
			Source:    DefaultSource,
			Platforms: DefaultPlatforms,
			BuildVCS:  buildvcs,
		})
		if buildErr == nil {
			var b strings.Builder
			built.Summary(&b)
			fmt.Print(b.String())
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return built
}

// gitHead is the checkout's HEAD commit, or "" when git cannot tell.
func gitHead(t testing.TB) string {
	root, err := findModule()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("git", "-C", root, "rev-parse", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// platformImages opens the layout's image index and returns its images by
// platform, checking the layout's single entry on the way.
func platformImages(t *testing.T, r *Result) ([]v1.Descriptor, map[string]v1.Image) {
	t.Helper()
	lp, err := layout.FromPath(r.Layout)
	if err != nil {
		t.Fatal(err)
	}
	top, err := lp.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	topManifest, err := top.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(topManifest.Manifests) != 1 {
		t.Fatalf("index.json lists %d entries, want 1 (the image index)", len(topManifest.Manifests))
	}
	entry := topManifest.Manifests[0]
	if !entry.MediaType.IsIndex() || entry.Digest != r.Index {
		t.Fatalf("index.json's entry is %s %s, want the image index %s", entry.MediaType, entry.Digest, r.Index)
	}
	if got := entry.Annotations[labelRefName]; got != r.Ref {
		t.Errorf("ref.name annotation %q, want %q", got, r.Ref)
	}
	idx, err := top.ImageIndex(entry.Digest)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	images := map[string]v1.Image{}
	for _, d := range im.Manifests {
		if d.Platform == nil {
			t.Fatalf("manifest %s has no platform", d.Digest)
		}
		img, err := idx.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		images[d.Platform.String()] = img
	}
	return im.Manifests, images
}

func TestIndexHoldsThePlatforms(t *testing.T) {
	r := image(t)
	descs, images := platformImages(t, r)
	want := []string{"linux/amd64", "linux/arm64", "linux/arm/v7"}
	if len(descs) != len(want) {
		t.Fatalf("index holds %d manifests, want %d", len(descs), len(want))
	}
	head := gitHead(t)
	for i, d := range descs {
		if got := d.Platform.String(); got != want[i] {
			t.Errorf("manifest %d is for %s, want %s", i, got, want[i])
		}
		cf, err := images[d.Platform.String()].ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if cf.OS != d.Platform.OS || cf.Architecture != d.Platform.Architecture || cf.Variant != d.Platform.Variant {
			t.Errorf("%s: config names %s/%s variant %q", d.Platform, cf.OS, cf.Architecture, cf.Variant)
		}
		if got := strings.Join(cf.Config.Entrypoint, " "); got != "/usr/local/bin/percept serve -addr :8080" {
			t.Errorf("%s: entrypoint %q", d.Platform, got)
		}
		if cf.Config.User != "65532:65532" {
			t.Errorf("%s: user %q, want 65532:65532 (not root)", d.Platform, cf.Config.User)
		}
		if _, ok := cf.Config.ExposedPorts["8080/tcp"]; !ok {
			t.Errorf("%s: 8080/tcp not exposed: %v", d.Platform, cf.Config.ExposedPorts)
		}
		labels := cf.Config.Labels
		if labels[labelSource] != DefaultSource {
			t.Errorf("%s: source label %q", d.Platform, labels[labelSource])
		}
		if labels[labelVersion] != r.Stamp.Version || r.Stamp.Version == "" {
			t.Errorf("%s: version label %q, stamp %q", d.Platform, labels[labelVersion], r.Stamp.Version)
		}
		if head != "" && labels[labelRevision] != head {
			t.Errorf("%s: revision label %q, want HEAD %s", d.Platform, labels[labelRevision], head)
		}
		layers, err := images[d.Platform.String()].Layers()
		if err != nil {
			t.Fatal(err)
		}
		if len(layers) != 1 {
			t.Errorf("%s: %d layers, want 1 on an empty base", d.Platform, len(layers))
		}
	}
	for _, im := range r.Images {
		// The image is the binary (compressed) plus its manifest,
		// config and tar headers: a few KB.
		if extra := im.TotalBytes - im.LayerBytes; extra <= 0 || extra > 8<<10 {
			t.Errorf("%s: manifest and config take %d bytes", im.Platform, extra)
		}
		if im.LayerBytes >= im.BinaryBytes || im.LayerBytes < im.BinaryBytes/4 {
			t.Errorf("%s: layer %d bytes for a %d-byte binary", im.Platform, im.LayerBytes, im.BinaryBytes)
		}
	}
}

// extractBinary writes the percept binary of img's layer to a file in dir
// and checks its tar header.
func extractBinary(t *testing.T, img v1.Image, dir, name string) string {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	var names []string
	path := ""
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if h.Name != strings.TrimPrefix(BinaryPath, "/") {
			continue
		}
		if h.Typeflag != tar.TypeReg || h.Mode != 0o755 || h.Uid != 0 || h.Gid != 0 {
			t.Errorf("%s in the layer: type %c mode %o owner %d:%d", h.Name, h.Typeflag, h.Mode, h.Uid, h.Gid)
		}
		path = filepath.Join(dir, name)
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(f, tr); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"usr/", "usr/local/", "usr/local/bin/", "usr/local/bin/percept"}; strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("layer holds %q, want %q", names, want)
	}
	if path == "" {
		t.Fatalf("no %s in the layer", BinaryPath)
	}
	return path
}

func TestLayerBinariesMatchTheirPlatform(t *testing.T) {
	r := image(t)
	_, images := platformImages(t, r)
	machines := map[string]elf.Machine{
		"linux/amd64":  elf.EM_X86_64,
		"linux/arm64":  elf.EM_AARCH64,
		"linux/arm/v7": elf.EM_ARM,
	}
	dir := t.TempDir()
	for plat, machine := range machines {
		path := extractBinary(t, images[plat], dir, strings.ReplaceAll(plat, "/", "-"))
		f, err := elf.Open(path)
		if err != nil {
			t.Fatalf("%s: %v", plat, err)
		}
		if f.Machine != machine {
			t.Errorf("%s: ELF machine %v, want %v", plat, f.Machine, machine)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
				t.Errorf("%s: has a %v program header: not a static binary", plat, p.Type)
			}
		}
		f.Close()
		info, err := buildinfo.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v", plat, err)
		}
		settings := map[string]string{}
		for _, s := range info.Settings {
			settings[s.Key] = s.Value
		}
		wantArm := ""
		if plat == "linux/arm/v7" {
			wantArm = "7"
		}
		if settings["CGO_ENABLED"] != "0" || settings["-trimpath"] != "true" || settings["GOARM"] != wantArm {
			t.Errorf("%s: built with CGO_ENABLED=%q -trimpath=%q GOARM=%q", plat,
				settings["CGO_ENABLED"], settings["-trimpath"], settings["GOARM"])
		}
		if info.Path != MainModule+"/cmd/percept" {
			t.Errorf("%s: main package %q", plat, info.Path)
		}
	}
}

// runnable says how this machine can run a binary for plat: directly, or
// through qemu-user-static, and whether at all.
func runnable(plat string) (prefix []string, ok bool) {
	host := runtime.GOOS + "/" + runtime.GOARCH
	if plat == host {
		return nil, true
	}
	qemu := map[string]string{"linux/arm64": "qemu-aarch64-static", "linux/arm/v7": "qemu-arm-static"}[plat]
	if runtime.GOOS != "linux" || qemu == "" {
		return nil, false
	}
	path, err := exec.LookPath(qemu)
	if err != nil {
		return nil, false
	}
	return []string{path}, true
}

// command runs path with args, through prefix (qemu) when not empty.
func command(prefix []string, path string, args ...string) *exec.Cmd {
	if len(prefix) == 0 {
		return exec.Command(path, args...)
	}
	return exec.Command(prefix[0], append(append(prefix[1:len(prefix):len(prefix)], path), args...)...)
}

// TestVersionFromLayer runs `percept version` from the binary in each layer
// this machine can run (amd64 natively; the ARM ones under qemu when it is
// installed): it names the version and revision go build stamped.
func TestVersionFromLayer(t *testing.T) {
	r := image(t)
	_, images := platformImages(t, r)
	head := gitHead(t)
	dir := t.TempDir()
	ran := 0
	for _, plat := range []string{"linux/amd64", "linux/arm64", "linux/arm/v7"} {
		prefix, ok := runnable(plat)
		if !ok {
			t.Logf("%s: cannot run here (no qemu-user-static): not run", plat)
			continue
		}
		path := extractBinary(t, images[plat], dir, strings.ReplaceAll(plat, "/", "-"))
		out, err := command(prefix, path, "version").CombinedOutput()
		if err != nil {
			t.Fatalf("%s: percept version: %v\n%s", plat, err, out)
		}
		text := string(out)
		t.Logf("%s:\n%s", plat, text)
		goarch := strings.Split(plat, "/")[1]
		for _, want := range []string{
			"percept " + r.Stamp.Version + "\n",
			"module " + MainModule + "\n",
			"for linux/" + goarch + "\n",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: percept version printed %q, want a line %q", plat, text, want)
			}
		}
		if head != "" && !strings.Contains(text, "revision "+head) {
			t.Errorf("%s: percept version printed %q, want revision %s", plat, text, head)
		}
		if r.Stamp.Revision == "" && !strings.Contains(text, "revision unknown") {
			t.Errorf("%s: built without VCS information, yet percept version printed %q", plat, text)
		}
		ran++
	}
	if ran == 0 {
		t.Skip("no binary of the image runs on " + runtime.GOOS + "/" + runtime.GOARCH)
	}
}

// TestEntrypointServes runs the amd64 image's entrypoint from its layer, as
// a container would (plus -addr for a free loopback port, which overrides
// the entrypoint's :8080), and waits for /healthz to answer 200; SIGTERM
// then stops it cleanly. Nothing outside the layer is needed: the model and
// the sample photos are embedded.
func TestEntrypointServes(t *testing.T) {
	if runtime.GOOS+"/"+runtime.GOARCH != "linux/amd64" {
		t.Skip("the entrypoint is run natively on linux/amd64 only")
	}
	r := image(t)
	_, images := platformImages(t, r)
	cf, err := images["linux/amd64"].ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := extractBinary(t, images["linux/amd64"], dir, "percept")
	args := append(cf.Config.Entrypoint[1:len(cf.Config.Entrypoint):len(cf.Config.Entrypoint)], "-addr", "127.0.0.1:0", "-rate", "5")
	cmd := exec.Command(path, args...)
	cmd.Dir = dir
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
		close(lines)
		exited <- cmd.Wait()
	}()
	stopped := false
	defer func() {
		if !stopped {
			cmd.Process.Kill()
			<-exited
		}
	}()
	addr := ""
	openRE := regexp.MustCompile(`open http://([^/]+)/`)
	deadline := time.After(30 * time.Second)
	for addr == "" {
		select {
		case line, ok := <-lines:
			if !ok {
				stopped = true
				<-exited
				t.Fatalf("serve ended before listening: %s", stderr.String())
			}
			if m := openRE.FindStringSubmatch(line); m != nil {
				addr = m[1]
			}
		case <-deadline:
			t.Fatal("serve did not say where it listens within 30 s")
		}
	}
	healthy := false
	body := ""
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end) && !healthy; time.Sleep(200 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			body = err.Error()
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		healthy = resp.StatusCode == http.StatusOK
	}
	if !healthy {
		t.Fatalf("/healthz not 200 within 20 s: %s", body)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Fatalf("serve after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop within 15 s of SIGTERM")
	}
}

// TestArchiveIsTheLayout checks that OUT_DIR.tar holds exactly the layout
// directory's files, byte for byte, at the top of the archive.
func TestArchiveIsTheLayout(t *testing.T) {
	r := image(t)
	want := map[string][]byte{}
	err := filepath.WalkDir(r.Layout, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(r.Layout, p)
		if err != nil {
			return err
		}
		want[filepath.ToSlash(rel)], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"oci-layout", "index.json"} {
		if want[name] == nil {
			t.Errorf("the layout has no %s", name)
		}
	}
	f, err := os.Open(r.Archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeDir {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		w, ok := want[h.Name]
		if !ok {
			t.Errorf("the archive holds %s, which the layout does not", h.Name)
			continue
		}
		if !bytes.Equal(data, w) {
			t.Errorf("%s differs between the archive and the layout", h.Name)
		}
		delete(want, h.Name)
	}
	for name := range want {
		t.Errorf("the archive lacks %s", name)
	}
}

func TestClearLayoutKeepsOtherDirectories(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := clearLayout(dir); err == nil {
		t.Fatal("clearLayout accepted a directory that is not an OCI layout")
	}
	if _, err := os.Stat(keep); err != nil {
		t.Fatalf("clearLayout removed a file it must keep: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := clearLayout(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("an earlier layout was not removed: %v", err)
	}
	if err := clearLayout(filepath.Join(dir, "absent")); err != nil {
		t.Fatalf("an absent directory: %v", err)
	}
}

func TestParsePlatforms(t *testing.T) {
	got, err := parsePlatforms("linux/arm/v7, linux/amd64")
	if err != nil {
		t.Fatal(err)
	}
	if want := []Platform{{"linux", "arm", "v7"}, {"linux", "amd64", ""}}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %v, want %v", got, want)
	}
	if env := strings.Join(got[0].goEnv(), " "); env != "CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=7" {
		t.Errorf("linux/arm/v7 builds with %s", env)
	}
	for _, bad := range []string{"", "linux/arm", "windows/amd64", "linux/amd64,linux/amd64", "linux/arm64/v8"} {
		if _, err := parsePlatforms(bad); err == nil {
			t.Errorf("parsePlatforms(%q) accepted", bad)
		}
	}
}

func TestStampTag(t *testing.T) {
	for _, c := range []struct{ version, tag string }{
		{"v0.1.0", "v0.1.0"},
		{"v0.1.1-0.20261207074640-745d2142c558+dirty", "v0.1.1-0.20261207074640-745d2142c558-dirty"},
		{"(devel)", "devel"},
		{"", "devel"},
	} {
		if got := (Stamp{Version: c.version}).Tag(); got != c.tag {
			t.Errorf("Tag of %q = %q, want %q", c.version, got, c.tag)
		}
	}
}
