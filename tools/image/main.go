// Command image builds percept's container image without a container
// engine: it cross-compiles the static percept binary for each platform
// with `go build` and assembles a multi-platform OCI image index with
// go-containerregistry, on an empty base.
//
// Usage (from tools/image, or through scripts/image):
//
//	go run . [-repo NAME] [-source URL] [-platforms LIST] [-buildvcs MODE] OUT_DIR
//
// It writes OUT_DIR, an OCI image layout holding one image index (linux/amd64,
// linux/arm64 and linux/arm/v7 by default), and OUT_DIR.tar, the same layout
// as a tar file (an "oci-archive"). `crane push OUT_DIR REF` pushes the
// index; `podman load -i OUT_DIR.tar` (or skopeo copy oci-archive:OUT_DIR.tar)
// loads the host's platform; docker load takes it where Docker keeps images in
// containerd (the default of Docker Engine 29 on new installs).
//
// Each image runs `percept serve -addr :8080` as user 65532:65532, with the
// labels org.opencontainers.image.source, .revision and .version. The version
// and revision are the ones go build stamps from git into the binary (what
// `percept version` prints), so the labels and the binary cannot disagree.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

// run parses the command line, builds the image and prints a summary.
func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("image", flag.ContinueOnError)
	repo := fs.String("repo", "percept", "image name recorded in the layout (the tag is the version)")
	source := fs.String("source", DefaultSource, "org.opencontainers.image.source label")
	platforms := fs.String("platforms", strings.Join(platformNames(DefaultPlatforms), ","), "comma-separated platforms: linux/amd64, linux/arm64, linux/arm/v7, linux/arm/v6")
	buildvcs := fs.String("buildvcs", "auto", "go build -buildvcs: auto stamps the git revision when the tree is a git checkout; false builds without it")
	root := fs.String("root", "", "percept's module directory (default: found above the working directory)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: image [flags] OUT_DIR\n\nBuilds percept's multi-platform OCI image into OUT_DIR (an OCI image layout) and OUT_DIR.tar.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("want one OUT_DIR, got %d arguments", fs.NArg())
	}
	plats, err := parsePlatforms(*platforms)
	if err != nil {
		return err
	}
	if *buildvcs != "auto" && *buildvcs != "true" && *buildvcs != "false" {
		return fmt.Errorf("-buildvcs %q: want auto, true or false", *buildvcs)
	}
	moduleDir := *root
	if moduleDir == "" {
		if moduleDir, err = findModule(); err != nil {
			return err
		}
	}
	res, err := Build(Config{
		ModuleDir: moduleDir,
		OutDir:    fs.Arg(0),
		Repo:      *repo,
		Source:    *source,
		Platforms: plats,
		BuildVCS:  *buildvcs,
		Log:       stdout,
	})
	if err != nil {
		return err
	}
	res.Summary(stdout)
	return nil
}
