package main

import (
	"bufio"
	"cmp"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// function is a function symbol placed at its run-time address.
type function struct {
	name       string
	start, end uint64
}

// image is the functions of one executable file mapped at [start, end).
type image struct {
	file       string
	start, end uint64
	funcs      []function // sorted by start
}

// loadImage reads the function symbols of the ELF file at path (its static
// and dynamic tables), moved by bias, for addresses in [start, end).
func loadImage(path string, bias, start, end uint64) (*image, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	im := &image{file: filepath.Base(path), start: start, end: end}
	static, _ := f.Symbols() // either table may be missing (stripped)
	dynamic, _ := f.DynamicSymbols()
	for _, s := range append(static, dynamic...) {
		if elf.ST_TYPE(s.Info) == elf.STT_FUNC && s.Value != 0 {
			im.funcs = append(im.funcs, function{name: s.Name, start: s.Value + bias, end: s.Value + s.Size + bias})
		}
	}
	slices.SortFunc(im.funcs, func(a, b function) int { return cmp.Compare(a.start, b.start) })
	return im, nil
}

// funcName names the function at address a: its symbol, or the nearest symbol
// before it when a lies past that symbol's end (a function the file does
// not export).
func (im *image) funcName(a uint64) string {
	i, _ := slices.BinarySearchFunc(im.funcs, a, func(f function, a uint64) int { return cmp.Compare(f.start, a+1) })
	if i == 0 {
		return "(" + im.file + ")"
	}
	f := im.funcs[i-1]
	if a < f.end {
		return f.name
	}
	return fmt.Sprintf("(%s: unexported, after %s)", im.file, f.name)
}

// writeSymbols attributes the instructions of the plugin's blocks file to
// functions of the driver binary and of the shared libraries that the
// counting run's log maps ("map" lines), and prints the top functions.
func writeSymbols(w io.Writer, binary, log, blocks string, top int) error {
	exe, err := loadImage(binary, 0, 0, 1<<63)
	if err != nil {
		return err
	}
	images := []*image{}
	lf, err := os.Open(log)
	if err != nil {
		return err
	}
	defer lf.Close()
	sc := bufio.NewScanner(lf)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 4 || f[0] != "map" {
			continue
		}
		lo, hi, ok := strings.Cut(f[1], "-")
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		offset, err3 := strconv.ParseUint(f[2], 16, 64)
		if !ok || err1 != nil || err2 != nil || err3 != nil {
			return fmt.Errorf("%s: bad line %q", log, sc.Text())
		}
		// A library's text is loaded at its file offset's address.
		im, err := loadImage(f[3], start-offset, start, end)
		if err != nil {
			return err
		}
		images = append(images, im)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	bf, err := os.Open(blocks)
	if err != nil {
		return err
	}
	defer bf.Close()
	counts, total, err := attribute(exe, images, bf)
	if err != nil {
		return fmt.Errorf("%s: %w", blocks, err)
	}
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b)) })
	fmt.Fprintf(w, "%.3f M instructions\n", float64(total)/1e6)
	for _, n := range names[:min(top, len(names))] {
		fmt.Fprintf(w, "%10.3f M %5.1f%%  %s\n", float64(counts[n])/1e6, 100*float64(counts[n])/float64(total), n)
	}
	return nil
}

// attribute sums the instructions of a blocks file (lines "ADDRESS
// COUNT") per function: of the image among libs whose range holds the
// address, else of exe.
func attribute(exe *image, libs []*image, blocks io.Reader) (map[string]uint64, uint64, error) {
	counts := map[string]uint64{}
	var total uint64
	sc := bufio.NewScanner(blocks)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			return nil, 0, fmt.Errorf("bad line %q", sc.Text())
		}
		a, err1 := strconv.ParseUint(f[0], 16, 64)
		n, err2 := strconv.ParseUint(f[1], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, 0, fmt.Errorf("bad line %q", sc.Text())
		}
		im := exe
		for _, l := range libs {
			if a >= l.start && a < l.end {
				im = l
			}
		}
		counts[im.funcName(a)] += n
		total += n
	}
	return counts, total, sc.Err()
}
