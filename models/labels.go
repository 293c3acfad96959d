package models

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"
)

// Labels maps class indices to names. A missing index has no name.
type Labels map[int]string

// The bounds on a label file, whether packed in a model or read from disk.
// A label file comes with the model, which may be untrusted: without them a
// small zip member that inflates to megabytes of newlines would cost a map
// entry per line. The largest label maps in use (landmark classifiers of
// about 100 000 places) fit with room to spare; parsing a file at both
// limits takes tens of milliseconds and tens of megabytes.
const (
	// MaxLabelsSize is the largest label file in bytes.
	MaxLabelsSize = 4 << 20
	// MaxLabels is the largest number of lines in a label file.
	MaxLabels = 1 << 17
)

// ParseLabels reads a label file in either common layout: one label per
// line, the line number being the class index; or every line prefixed by its
// class index ("17  cat"), as Coral's label files are. A file over
// MaxLabelsSize bytes or MaxLabels lines is an error, found before any label
// is stored; otherwise the cost is linear in the file's size.
func ParseLabels(data []byte) (Labels, error) {
	if len(data) > MaxLabelsSize {
		return nil, fmt.Errorf("labels: %d bytes, above the limit of %d", len(data), MaxLabelsSize)
	}
	count := bytes.Count(data, []byte{'\n'})
	if len(data) > 0 && data[len(data)-1] != '\n' {
		count++ // a last line without its newline
	}
	if count > MaxLabels {
		return nil, fmt.Errorf("labels: %d lines, above the limit of %d", count, MaxLabels)
	}
	// One copy of the file; the names are substrings of it.
	text := string(data)
	lines := make([]string, 0, count)
	for len(text) > 0 {
		line, rest, _ := strings.Cut(text, "\n")
		lines = append(lines, strings.TrimRightFunc(line, unicode.IsSpace))
		text = rest
	}
	// Trailing empty lines are not classes.
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	labels := make(Labels, len(lines))
	if prefixed(lines) {
		for _, l := range lines {
			if l == "" {
				continue
			}
			id, name, _ := strings.Cut(strings.TrimSpace(l), " ")
			n, _ := strconv.Atoi(id)
			labels[n] = strings.TrimSpace(name)
		}
		return labels, nil
	}
	for i, l := range lines {
		labels[i] = strings.TrimSpace(l)
	}
	return labels, nil
}

// LoadLabels reads a label file from disk; see ParseLabels. A file over
// MaxLabelsSize bytes is refused before it is read.
func LoadLabels(path string) (Labels, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > MaxLabelsSize {
		return nil, fmt.Errorf("labels: %s: %d bytes, above the limit of %d", path, st.Size(), MaxLabelsSize)
	}
	// Pipes and files that grow while read stop one byte past the limit.
	data, err := io.ReadAll(io.LimitReader(f, MaxLabelsSize+1))
	if err != nil {
		return nil, err
	}
	labels, err := ParseLabels(data)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	return labels, nil
}

// prefixed reports whether every non-empty line starts with an integer and a
// space.
func prefixed(lines []string) bool {
	seen := false
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		id, name, ok := strings.Cut(l, " ")
		if _, err := strconv.Atoi(id); err != nil || !ok || strings.TrimSpace(name) == "" {
			return false
		}
		seen = true
	}
	return seen
}
