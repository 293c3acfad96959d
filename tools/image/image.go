package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The image's process: where the binary is, who runs it and what it runs.
const (
	// BinaryPath is percept's path inside the image.
	BinaryPath = "/usr/local/bin/percept"
	// User is the numeric user and group the container runs as (not
	// root; the "nonroot" of distroless images).
	User = "65532:65532"
	// Port is the port percept serve listens on inside the container.
	Port = "8080"
)

// Entrypoint is the image's entrypoint: percept serve listening on every
// interface of the container. Arguments after the image name in
// `docker run`, or a Kubernetes container's args, are more serve flags.
var Entrypoint = []string{BinaryPath, "serve", "-addr", ":" + Port}

// Label keys of the OCI image spec's annotations, used as config labels
// and as the index's annotations.
const (
	labelSource   = "org.opencontainers.image.source"
	labelRevision = "org.opencontainers.image.revision"
	labelVersion  = "org.opencontainers.image.version"
	labelTitle    = "org.opencontainers.image.title"
	labelLicenses = "org.opencontainers.image.licenses"
	labelRefName  = "org.opencontainers.image.ref.name"
	// containerdName is the full image name containerd (and docker with
	// the containerd image store) gives an imported image.
	containerdName = "io.containerd.image.name"
)

// Config says what Build builds and where.
type Config struct {
	ModuleDir string     // percept's module (holds go.mod and cmd/percept)
	OutDir    string     // the OCI image layout to write; OutDir+".tar" beside it
	Repo      string     // image name recorded in the layout; the tag is the version
	Source    string     // org.opencontainers.image.source
	Platforms []Platform // at least one
	BuildVCS  string     // go build -buildvcs: auto, true or false
	Log       io.Writer  // go build's standard output; nil discards it
}

// PlatformImage is one platform's image in the index.
type PlatformImage struct {
	Platform    Platform
	Digest      v1.Hash // of the image manifest
	BinaryBytes int64   // the percept binary
	LayerBytes  int64   // the gzip-compressed layer
	TotalBytes  int64   // manifest + config + layer: what a registry stores and a pull fetches
}

// Result describes what Build wrote.
type Result struct {
	Layout       string  // the OCI image layout directory
	Archive      string  // the oci-archive tar beside it
	ArchiveBytes int64   // its size
	Ref          string  // Repo:tag, recorded in the layout
	Index        v1.Hash // digest of the image index
	Stamp        Stamp   // what go build stamped into the binaries
	Images       []PlatformImage
}

// Summary prints the reference, the index and each platform's sizes.
func (r *Result) Summary(w io.Writer) {
	rev := r.Stamp.Revision
	if rev == "" {
		rev = "unknown (built without VCS information)"
	} else if r.Stamp.Modified {
		rev += " (modified tree)"
	}
	fmt.Fprintf(w, "%s  version %s  revision %s\n", r.Ref, r.Stamp.Version, rev)
	fmt.Fprintf(w, "index %s\n", r.Index)
	fmt.Fprintf(w, "%-14s %12s %12s %12s  %s\n", "platform", "binary", "layer (gz)", "image", "manifest")
	for _, im := range r.Images {
		fmt.Fprintf(w, "%-14s %12d %12d %12d  %s\n", im.Platform, im.BinaryBytes, im.LayerBytes, im.TotalBytes, im.Digest)
	}
	fmt.Fprintf(w, "wrote %s (OCI image layout) and %s (oci-archive, %d bytes)\n", r.Layout, r.Archive, r.ArchiveBytes)
}

// Build compiles percept for each platform and writes the image index as
// an OCI image layout in c.OutDir and as an oci-archive in c.OutDir+".tar".
// An existing c.OutDir is replaced only when it is empty or an OCI image
// layout (it has an oci-layout file), so that a wrong path cannot delete
// anything else.
func Build(c Config) (*Result, error) {
	if len(c.Platforms) == 0 {
		return nil, errors.New("no platforms to build")
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	out := filepath.Clean(c.OutDir)
	if err := clearLayout(out); err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "percept-image-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)

	res := &Result{Layout: out, Archive: out + ".tar"}
	binaries := make([]string, len(c.Platforms))
	for i, p := range c.Platforms {
		binaries[i] = filepath.Join(work, fmt.Sprintf("percept-%d", i))
		if err := compile(c.ModuleDir, p, c.BuildVCS, binaries[i], c.Log); err != nil {
			return nil, err
		}
		s, err := readStamp(binaries[i])
		if err != nil {
			return nil, err
		}
		if i == 0 {
			res.Stamp = s
		} else if s != res.Stamp {
			return nil, fmt.Errorf("the %s binary's build stamp %+v differs from the %s one's %+v (the tree changed during the build?)", p, s, c.Platforms[0], res.Stamp)
		}
	}
	created := time.Unix(0, 0).UTC()
	if !res.Stamp.Time.IsZero() {
		created = res.Stamp.Time.UTC()
	}
	labels := map[string]string{
		labelSource:   c.Source,
		labelVersion:  res.Stamp.Version,
		labelTitle:    "percept",
		labelLicenses: "Apache-2.0",
	}
	if res.Stamp.Revision != "" {
		labels[labelRevision] = res.Stamp.Revision
	}

	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for i, p := range c.Platforms {
		img, im, err := platformImage(p, binaries[i], labels, created)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		res.Images = append(res.Images, im)
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add: img,
			Descriptor: v1.Descriptor{
				Platform: &v1.Platform{OS: p.OS, Architecture: p.Arch, Variant: p.Variant},
			},
		})
	}
	idx = mutate.Annotations(idx, labels).(v1.ImageIndex)
	if res.Index, err = idx.Digest(); err != nil {
		return nil, err
	}

	res.Ref = c.Repo + ":" + res.Stamp.Tag()
	lp, err := layout.Write(out, empty.Index)
	if err != nil {
		return nil, err
	}
	if err := lp.AppendIndex(idx, layout.WithAnnotations(map[string]string{
		labelRefName:   res.Ref,
		containerdName: res.Ref,
	})); err != nil {
		return nil, err
	}
	if res.ArchiveBytes, err = writeArchive(out, res.Archive, created); err != nil {
		return nil, err
	}
	return res, nil
}

// clearLayout makes sure dir can be written: absent, empty, or an OCI image
// layout from an earlier build (removed).
func clearLayout(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case len(entries) == 0:
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, "oci-layout")); err != nil {
		return fmt.Errorf("%s exists and is not an OCI image layout: not replacing it", dir)
	}
	return os.RemoveAll(dir)
}

// platformImage makes the image of one platform: one layer holding the
// binary, the config naming the platform, the process and the labels.
func platformImage(p Platform, binary string, labels map[string]string, created time.Time) (v1.Image, PlatformImage, error) {
	im := PlatformImage{Platform: p}
	layerTar, binaryBytes, err := binaryLayer(binary, created)
	if err != nil {
		return nil, im, err
	}
	im.BinaryBytes = binaryBytes
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer), tarball.WithCompressedCaching)
	if err != nil {
		return nil, im, err
	}
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err = mutate.Append(img, mutate.Addendum{
		Layer:     layer,
		MediaType: types.OCILayer,
		History: v1.History{
			Created:   v1.Time{Time: created},
			CreatedBy: "percept tools/image: CGO_ENABLED=0 go build -trimpath ./cmd/percept",
			Comment:   "the static percept binary at " + BinaryPath,
		},
	})
	if err != nil {
		return nil, im, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, im, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Arch, p.Variant
	cf.Created = v1.Time{Time: created}
	cf.Config = v1.Config{
		Entrypoint:   Entrypoint,
		User:         User,
		WorkingDir:   "/",
		Env:          []string{"PATH=/usr/local/bin"},
		ExposedPorts: map[string]struct{}{Port + "/tcp": {}},
		Labels:       labels,
	}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return nil, im, err
	}
	if im.Digest, err = img.Digest(); err != nil {
		return nil, im, err
	}
	if im.LayerBytes, err = layer.Size(); err != nil {
		return nil, im, err
	}
	manifest, err := img.RawManifest()
	if err != nil {
		return nil, im, err
	}
	config, err := img.RawConfigFile()
	if err != nil {
		return nil, im, err
	}
	im.TotalBytes = int64(len(manifest)+len(config)) + im.LayerBytes
	return img, im, nil
}

// binaryLayer is the uncompressed layer: the directories down to
// BinaryPath, owned by root, and the binary (mode 0755), all dated
// created so that the same tree gives the same layer.
func binaryLayer(binary string, created time.Time) ([]byte, int64, error) {
	data, err := os.ReadFile(binary)
	if err != nil {
		return nil, 0, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	rel := strings.TrimPrefix(BinaryPath, "/")
	var dirs []string
	for d := filepath.Dir(rel); d != "."; d = filepath.Dir(d) {
		dirs = append([]string{d + "/"}, dirs...)
	}
	for _, d := range dirs {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755, ModTime: created, Format: tar.FormatPAX}); err != nil {
			return nil, 0, err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: rel, Mode: 0o755, Size: int64(len(data)), ModTime: created, Format: tar.FormatPAX}); err != nil {
		return nil, 0, err
	}
	if _, err := tw.Write(data); err != nil {
		return nil, 0, err
	}
	if err := tw.Close(); err != nil {
		return nil, 0, err
	}
	return buf.Bytes(), int64(len(data)), nil
}

// writeArchive writes the layout directory dir as a tar file at path (an
// oci-archive: oci-layout, index.json and blobs/ at the top), files in
// lexical order, dated modTime, so the same layout gives the same bytes.
func writeArchive(dir, path string, modTime time.Time) (size int64, err error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	tw := tar.NewWriter(f)
	// WalkDir visits in lexical order.
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: rel + "/", Mode: 0o755, ModTime: modTime, Format: tar.FormatPAX})
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file", p)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: rel, Mode: 0o644, Size: int64(len(data)), ModTime: modTime, Format: tar.FormatPAX}); err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	})
	if err != nil {
		return 0, err
	}
	if err := tw.Close(); err != nil {
		return 0, err
	}
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}
