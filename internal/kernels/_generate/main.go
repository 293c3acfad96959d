// Command _generate writes the assembly kernels of package kernels that
// exist in several variants: for uint8 activations against signed weights
// and for int8 activations against unsigned ones, for several tiles, and
// for instructions Go's assembler cannot spell. Each kernel is described
// once here; `go generate ./internal/kernels` rewrites the .s files, and
// this command's test fails when a committed file differs from what it
// writes.
//
// It is a module of its own, as klauspost/compress's s2/_generate is, so
// that the library's go.mod, builds and tests never see it (the go tool
// skips directories whose name starts with an underscore). Usage (from
// this directory):
//
//	go run . [-dir ..]
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
)

func main() {
	dir := flag.String("dir", "..", "directory to write the .s files into")
	flag.Parse()
	files := generate()
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := os.WriteFile(filepath.Join(*dir, name), []byte(files[name]), 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Println("wrote", name)
	}
}

// generate returns every generated file's name and contents.
func generate() map[string]string {
	files := map[string]string{
		"qgemm_6x64c4_avx512vnni_amd64.s":     avx512VNNIFile(),
		"qgemm_4x16c4_avxvnni_amd64.s":        avxVNNIFile(),
		"qgemm_4x16c4_avx2_amd64.s":           avx2File(),
		"qconv_smalldepth_avx2_amd64.s":       smallDepthFile(),
		"qconv_smalldepth_avx512vnni_amd64.s": smallDepthVNNIFile(),
		"qgemm_6x64_avx512_amd64.s":           avx512BWFile(),
	}
	for name, v := range dwF32Variants {
		files[name] = dwF32File(v)
	}
	return files
}
