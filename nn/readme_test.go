package nn

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readmeOperators returns the operators README.md's "Supported operators"
// table names, in order, each as often as it appears: a builtin by its
// schema name, a custom operator as "custom " and its code. The first cell
// of a row lists operators separated by commas; a parenthesised note after
// them ("(broadcasting)") is not a name.
func readmeOperators(t *testing.T, readme string) []string {
	t.Helper()
	_, section, ok := strings.Cut(readme, "\n## Supported operators\n")
	require.True(t, ok, `README.md has no "## Supported operators" section`)
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	note := regexp.MustCompile(`\s*\([^)]*\)\s*$`)
	var names []string
	rows := 0
	for line := range strings.SplitSeq(section, "\n") {
		if !strings.HasPrefix(line, "|") {
			continue
		}
		if rows++; rows <= 2 { // the header and the |---| line
			continue
		}
		cell := strings.TrimSpace(strings.Split(line, "|")[1])
		for name := range strings.SplitSeq(note.ReplaceAllString(cell, ""), ",") {
			names = append(names, strings.TrimSpace(name))
		}
	}
	return names
}

// TestREADMEListsOperators checks that README.md's operator table names
// exactly the operators in the table of ops.go, each once.
func TestREADMEListsOperators(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	listed := readmeOperators(t, string(readme))

	var registered []string
	for op := range builtinOps {
		registered = append(registered, op.String())
	}
	for code := range customOps {
		registered = append(registered, "custom "+code)
	}
	slices.Sort(registered)

	count := map[string]int{}
	for _, name := range listed {
		if count[name]++; count[name] == 2 {
			t.Errorf("README.md lists %s more than once", name)
		}
	}
	assert.Equal(t, registered, slices.Compact(slices.Sorted(slices.Values(listed))),
		"README.md's Supported operators table and nn's operator table differ")
}

// TestReadmeOperatorsParses checks the parser on a table with a note, a
// custom operator and a following section.
func TestReadmeOperatorsParses(t *testing.T) {
	readme := "# x\n\n## Supported operators\n\nText.\n\n| operator | float32 |\n|---|---|\n" +
		"| ADD, SUB (broadcasting) | yes |\n| custom Foo_Bar | yes |\n\n## Layout\n\n| NOT_AN_OP | no |\n"
	assert.Equal(t, []string{"ADD", "SUB", "custom Foo_Bar"}, readmeOperators(t, readme))
}
