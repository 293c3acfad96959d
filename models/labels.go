package models

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"unicode"
)

// Labels maps class indices to names. A missing index has no name.
type Labels map[int]string

// ParseLabels reads a label file in either common layout: one label per
// line, the line number being the class index; or every line prefixed by its
// class index ("17  cat"), as Coral's label files are.
func ParseLabels(data []byte) (Labels, error) {
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		lines = append(lines, strings.TrimRightFunc(sc.Text(), unicode.IsSpace))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	labels := Labels{}
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
	// A trailing empty line is not a class.
	for i := len(lines) - 1; i >= 0 && lines[i] == ""; i-- {
		delete(labels, i)
	}
	return labels, nil
}

// LoadLabels reads a label file from disk; see ParseLabels.
func LoadLabels(path string) (Labels, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseLabels(data)
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
