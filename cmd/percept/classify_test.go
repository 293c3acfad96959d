package main

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/testmodels"
)

// The JSON contract of `percept classify -json`.
type classJSON struct {
	Index int     `json:"index"`
	Label string  `json:"label"`
	Score float32 `json:"score"`
}

type classifyLine struct {
	Image   string      `json:"image"`
	Scores  string      `json:"scores"` // "probabilities" or "logits"
	Classes []classJSON `json:"classes"`
}

const classifyKeys = "{image,scores,classes:[{index,label,score}]}"

// ImageNet's "cheeseburger" in the 1001-class numbering (0 = background).
const cheeseburger = 934

// classifyJSON runs `percept classify -json` with args and checks every
// line against the contract: exact keys in order, no unknown field, classes
// sorted by score, highest first. Scores are the model's dequantized
// outputs: probabilities after a softmax, logits without one.
func classifyJSON(t *testing.T, args ...string) []classifyLine {
	t.Helper()
	r := runCLI(t, append([]string{"classify", "-json"}, args...)...)
	requireSuccess(t, r)
	var out []classifyLine
	for _, line := range outputLines(t, r.stdout) {
		requireSkeleton(t, line, classifyKeys)
		var c classifyLine
		decodeStrict(t, line, &c)
		require.Contains(t, []string{"probabilities", "logits"}, c.Scores)
		for i, cl := range c.Classes {
			if i > 0 {
				assert.LessOrEqual(t, cl.Score, c.Classes[i-1].Score, "classes sorted by score: %s", line)
			}
		}
		out = append(out, c)
	}
	return out
}

// TestClassifyBurger is the TFLite Task Library's own test: MobileNet v1
// 0.25 quantized on burger.jpg gives "cheeseburger" with score 0.96 ± 0.01.
func TestClassifyBurger(t *testing.T) {
	skipInShort(t)
	model := testmodels.Path(t, "classification", "mobilenet_v1_0.25_224_quant.tflite")
	photo := testmodels.Path(t, "images", "burger.jpg")
	lines := classifyJSON(t, "-model", model, photo)
	require.Len(t, lines, 1)
	assert.Equal(t, photo, lines[0].Image)
	require.Len(t, lines[0].Classes, 5, "-top defaults to 5")
	top := lines[0].Classes[0]
	assert.Equal(t, cheeseburger, top.Index)
	assert.Equal(t, "cheeseburger", top.Label)
	assert.InDelta(t, 0.96, top.Score, 0.01)
}

func TestClassifyEmbeddedDefaultsAndTop(t *testing.T) {
	skipInShort(t)
	// ImageNet has 1001 classes here: -top above that lists them all.
	all := classifyJSON(t, "-top", "2000")
	require.Len(t, all, 1)
	assert.Equal(t, "embedded:burger.jpg", all[0].Image)
	assert.Equal(t, "probabilities", all[0].Scores)
	require.Len(t, all[0].Classes, 1001)
	seen := map[int]bool{}
	for _, c := range all[0].Classes {
		assert.False(t, seen[c.Index], "class %d listed twice", c.Index)
		seen[c.Index] = true
	}
	assert.Equal(t, cheeseburger, all[0].Classes[0].Index)
	var sum float32
	for _, c := range all[0].Classes {
		assert.True(t, c.Score >= 0 && c.Score <= 1, "softmax score %v in [0, 1]", c.Score)
		sum += c.Score
	}
	// 1001 softmax outputs in steps of 1/256 add up to about 1.
	assert.InDelta(t, 1, sum, 0.1)

	for _, top := range []int{1, 3, 5} {
		t.Run(strconv.Itoa(top), func(t *testing.T) {
			args := []string{"-top", strconv.Itoa(top)}
			if top == 5 {
				args = nil // the default
			}
			lines := classifyJSON(t, args...)
			require.Len(t, lines, 1)
			assert.Equal(t, all[0].Classes[:top], lines[0].Classes)
		})
	}
}

func TestClassifyText(t *testing.T) {
	skipInShort(t)
	all := classifyJSON(t, "-top", "3")
	r := runCLI(t, "classify", "-top", "3")
	requireSuccess(t, r)
	lines := outputLines(t, r.stdout)
	require.Len(t, lines, 5, r.stdout)
	assert.Equal(t, "embedded:burger.jpg:", lines[0])
	assert.Equal(t, []string{"score", "class", "label"}, strings.Fields(lines[1]))
	for i, c := range all[0].Classes {
		fields := strings.Fields(lines[2+i])
		require.GreaterOrEqual(t, len(fields), 2, lines[2+i])
		assert.Equal(t, strconv.FormatFloat(float64(c.Score), 'f', 3, 32), fields[0])
		assert.Equal(t, strconv.Itoa(c.Index), fields[1])
		assert.Equal(t, c.Label, strings.Join(fields[2:], " "))
	}
}

func TestClassifySeveralImagesAndLabels(t *testing.T) {
	skipInShort(t)
	model := testmodels.Path(t, "classification", "mobilenet_v2_1.0_224_quant.tflite")
	labelFile := testmodels.Path(t, "classification", "imagenet_labels.txt")
	photos := []string{testmodels.Path(t, "images", "burger.jpg"), testmodels.Path(t, "images", "cat.jpg")}
	data, err := os.ReadFile(labelFile)
	require.NoError(t, err)
	// One label per line, the line number being the class index.
	names := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	require.Len(t, names, 1001)

	cases := []struct {
		name       string
		args       []string
		wantLabels bool
	}{
		// This model has no metadata, so no labels of its own.
		{"no labels", nil, false},
		{"label file", []string{"-labels", labelFile}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"-model", model, "-top", "2"}, tc.args...), photos...)
			lines := classifyJSON(t, args...)
			require.Len(t, lines, len(photos), "one line per image")
			for i, photo := range photos {
				assert.Equal(t, photo, lines[i].Image, "lines in the order of the arguments")
				// This MobileNet v2 has no softmax at its end.
				assert.Equal(t, "logits", lines[i].Scores)
				require.Len(t, lines[i].Classes, 2)
				for _, c := range lines[i].Classes {
					want := ""
					if tc.wantLabels {
						want = strings.TrimSpace(names[c.Index])
					}
					assert.Equal(t, want, c.Label)
				}
			}
			// Arm NN's reference output for this model and photo
			// (reference/armnn/mobilenet_v2_1.0_224_quant/burger.output_0.npy)
			// also ranks cheeseburger first.
			assert.Equal(t, cheeseburger, lines[0].Classes[0].Index)
		})
	}
}
